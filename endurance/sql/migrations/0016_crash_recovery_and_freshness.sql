-- Crash safety and freshness (endurance/recovery.py, endurance/freshness.py).

-- The process that runs each run: pid, host and start time (boot id and start tick, so a
-- reused pid is not mistaken for it). On each opening of the warehouse for writing, a run
-- still 'running' whose process is gone is marked 'interrupted'. Status is now one of
-- running | completed | failed | interrupted | refused (parameters rejected before any work).
ALTER TABLE ops.runs ADD COLUMN pid INTEGER;
ALTER TABLE ops.runs ADD COLUMN host VARCHAR;
ALTER TABLE ops.runs ADD COLUMN process_started VARCHAR;

-- Files from the synthetic demo (listed in the demo folder's SYNTHETIC.sha256): every
-- output drawn from a warehouse holding one is marked as synthetic. A table of its own,
-- not a column of ops.files: DuckDB 1.5.5 cannot replay from its write-ahead log an ALTER
-- of a table with a CHECK constraint (the file would not open after a crash).
CREATE TABLE ops.synthetic_files (
    sha256  VARCHAR PRIMARY KEY,
    note    VARCHAR NOT NULL
);

-- What each recovery found and did: one row per opening that had something to put right.
CREATE TABLE ops.recoveries (
    recovered_at      TIMESTAMP NOT NULL,
    pid               INTEGER NOT NULL,      -- the process that recovered
    host              VARCHAR NOT NULL,
    files_rolled_back JSON NOT NULL,         -- [{sha256, source, path, why, rows: {table: n}}]
    orphan_rows       JSON NOT NULL,         -- {table: rows of no recorded file}
    runs_interrupted  JSON NOT NULL,         -- [{run_id, flow, pid, host}]
    message           VARCHAR NOT NULL       -- the one line printed
);

-- What each derived table was built from: the staged rows (the set of current files, as a
-- digest, with their count, rows and latest load) and the boundary layers (a digest of
-- every layer's sha256). Derived data whose inputs differ from the warehouse's now is stale.
-- name: attribution | links | marts | analysis; scope: '' or '<period>|<vintage>' for analysis.
CREATE TABLE ops.derived_state (
    name            VARCHAR NOT NULL,
    scope           VARCHAR NOT NULL,
    built_at        TIMESTAMP NOT NULL,
    run_id          VARCHAR,
    staged_files    INTEGER NOT NULL,
    staged_rows     BIGINT NOT NULL,
    last_loaded_at  TIMESTAMP,
    staged_digest   VARCHAR NOT NULL,
    layers_digest   VARCHAR NOT NULL,
    PRIMARY KEY (name, scope)
);
