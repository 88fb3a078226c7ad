-- police.uk staging stops copying the text it does not change. Every staged row's text
-- columns (Crime ID, Reported by, Falls within, Location, LSOA code and name, outcome,
-- Context) are exactly its raw row's, so writing them to both layers wrote a national
-- download twice. The staging table keeps what loading computes (the key, typed month
-- and type, coordinates in both systems, the repair flag) and staging.stg_policeuk_street
-- becomes a view that reads the text from the raw row, with the same columns as before
-- (endurance/sql/views/staging.stg_policeuk_street.sql). staging.events reads the table,
-- which holds every column it needs.
CREATE TABLE staging.stg_policeuk_street_typed (
    event_id VARCHAR NOT NULL,               -- 'PUK:' || Crime ID, or a stable hash for ASB rows
    file_sha256 VARCHAR NOT NULL, row_number INTEGER NOT NULL,  -- the raw row
    month DATE NOT NULL, crime_type VARCHAR NOT NULL,
    lon DOUBLE, lat DOUBLE, x DOUBLE, y DOUBLE, coordinate_repair VARCHAR
);
INSERT INTO staging.stg_policeuk_street_typed
SELECT event_id, file_sha256, row_number, month, crime_type, lon, lat, x, y, coordinate_repair
FROM staging.stg_policeuk_street;
DROP TABLE staging.stg_policeuk_street;
