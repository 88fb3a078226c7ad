-- police.uk street-level rows as staged: what loading computes (the key, typed month and
-- type, coordinates in both systems, the repair flag) from staging.stg_policeuk_street_typed,
-- and the text columns read from the raw row, which staging never changes (writing them
-- to both layers wrote a national download twice).
CREATE OR REPLACE VIEW staging.stg_policeuk_street AS
SELECT
    t.event_id, t.file_sha256, t.row_number, nullif(trim(r.crime_id), '') AS crime_id, t.month,
    r.reported_by, r.falls_within, t.lon, t.lat, t.x, t.y, t.coordinate_repair,
    r.location, r.lsoa_code, r.lsoa_name, t.crime_type, r.last_outcome_category, r.context
FROM staging.stg_policeuk_street_typed AS t
INNER JOIN raw.policeuk_street AS r USING (file_sha256, row_number);
