-- police.uk loads reach tens of millions of rows: an index on every row of the raw and
-- staging tables costs more than the load itself, so those two tables drop their
-- primary keys; uniqueness is enforced by the loader (natural keys are de-duplicated
-- before insert) and checked after each load (endurance.sources.policeuk).
-- Files also get a name (their identity across re-issues) and a superseded_by link.
CREATE TABLE raw.policeuk_street_new (
    file_sha256 VARCHAR NOT NULL, row_number INTEGER NOT NULL,
    crime_id VARCHAR, month VARCHAR, reported_by VARCHAR, falls_within VARCHAR,
    longitude VARCHAR, latitude VARCHAR, location VARCHAR, lsoa_code VARCHAR,
    lsoa_name VARCHAR, crime_type VARCHAR, last_outcome_category VARCHAR, context VARCHAR
);
INSERT INTO raw.policeuk_street_new SELECT * FROM raw.policeuk_street;
DROP TABLE raw.policeuk_street;
ALTER TABLE raw.policeuk_street_new RENAME TO policeuk_street;

CREATE TABLE staging.stg_policeuk_street_new (
    event_id VARCHAR NOT NULL,               -- 'PUK:' || Crime ID, or a stable hash for ASB rows
    file_sha256 VARCHAR NOT NULL, row_number INTEGER NOT NULL,
    crime_id VARCHAR, month DATE NOT NULL, reported_by VARCHAR, falls_within VARCHAR,
    lon DOUBLE, lat DOUBLE, x DOUBLE, y DOUBLE, coordinate_repair VARCHAR,
    location VARCHAR, lsoa_code VARCHAR, lsoa_name VARCHAR,
    crime_type VARCHAR NOT NULL, last_outcome_category VARCHAR, context VARCHAR
);
INSERT INTO staging.stg_policeuk_street_new SELECT * FROM staging.stg_policeuk_street;
DROP TABLE staging.stg_policeuk_street;
ALTER TABLE staging.stg_policeuk_street_new RENAME TO stg_policeuk_street;

ALTER TABLE ops.files ADD COLUMN name VARCHAR;           -- e.g. 2025-06-cleveland-street.csv
ALTER TABLE ops.files ADD COLUMN superseded_by VARCHAR;  -- sha256 of the corrected re-issue
