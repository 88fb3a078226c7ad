-- Layers of the warehouse and the operations ledger.
CREATE SCHEMA IF NOT EXISTS raw;
CREATE SCHEMA IF NOT EXISTS staging;
CREATE SCHEMA IF NOT EXISTS marts;
CREATE SCHEMA IF NOT EXISTS geo;

-- One row per flow run: what it was asked, what it read, what it wrote.
CREATE TABLE ops.runs (
    run_id       VARCHAR PRIMARY KEY,
    flow         VARCHAR NOT NULL,
    started_at   TIMESTAMP NOT NULL,
    finished_at  TIMESTAMP,
    status       VARCHAR NOT NULL,          -- running | completed | failed
    parameters   JSON,
    settings     JSON,
    inputs       JSON,                      -- [{path, sha256, source, rows_in, ...}]
    counts       JSON,                      -- reconciled totals for the run
    outputs      JSON,                      -- [{path, sha256, bytes}]
    error        VARCHAR
);

-- One row per input file ever loaded (the raw layer's manifest).
CREATE TABLE ops.files (
    sha256          VARCHAR PRIMARY KEY,
    source          VARCHAR NOT NULL,
    path            VARCHAR NOT NULL,
    size_bytes      BIGINT NOT NULL,
    run_id          VARCHAR,
    loaded_at       TIMESTAMP NOT NULL,
    rows_in         INTEGER NOT NULL,
    rows_staged     INTEGER NOT NULL,
    rows_rejected   INTEGER NOT NULL,
    rows_duplicate  INTEGER NOT NULL,
    rows_unlocated  INTEGER NOT NULL,
    rows_repaired   INTEGER NOT NULL,
    CHECK (rows_in = rows_staged + rows_rejected + rows_duplicate)
);

-- The quarantine: every row that did not reach staging, with the reason.
CREATE TABLE ops.rejects (
    file_sha256  VARCHAR NOT NULL,
    source       VARCHAR NOT NULL,
    path         VARCHAR NOT NULL,
    row_number   INTEGER NOT NULL,          -- 1 = first data row after the header
    field        VARCHAR NOT NULL,
    reason       VARCHAR NOT NULL,          -- a stable code, e.g. bad_date
    message      VARCHAR NOT NULL,
    raw_row      JSON NOT NULL
);
