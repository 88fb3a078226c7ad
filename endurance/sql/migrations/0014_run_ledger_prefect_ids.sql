-- Tie each ledger row to the Prefect flow run that made it, so `endurance runs --id`
-- can link to the run in the Prefect UI, and say which deployment (schedule) started
-- it; both stay NULL for runs made outside Prefect (`endurance ingest`).
ALTER TABLE ops.runs ADD COLUMN prefect_flow_run_id VARCHAR;
ALTER TABLE ops.runs ADD COLUMN deployment VARCHAR;
