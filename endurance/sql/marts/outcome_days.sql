-- Enforcement outcomes per day, type and agency, for the tasking briefing: counts only.
-- The vehicle registration and person reference stay in staging.stg_enforcement_restricted.
CREATE OR REPLACE TABLE marts.outcome_days AS
SELECT
    o.outcome_at::DATE AS day, o.outcome_type, o.agency,
    count(*)::INTEGER AS outcomes,
    count(*) FILTER (WHERE r.is_repeat_s59)::INTEGER AS repeat_s59
FROM staging.stg_enforcement_outcomes AS o
LEFT JOIN staging.s59_repeats AS r USING (event_id)
GROUP BY ALL
ORDER BY ALL;
