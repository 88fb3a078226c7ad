-- Stage the valid rows of one police.uk file (parameter $sha256), read through puk_checked:
-- the key and the typed values; the text stays in the raw row (view stg_policeuk_street).
-- A crime's key is its Crime ID. An antisocial behaviour row has none: its key hashes the
-- report (month, coordinates, location, type and force, as text) with the row's
-- occurrence among identical reports of the file, so two identical reports at one map
-- point stay two. Only ID-less rows are numbered (numbering every row would sort the
-- whole file), by the very text that is hashed. Identical reports share their checks, so
-- numbering the valid ones numbers them as numbering all would. No LSOA in the key: API
-- downloads lack it, and the same report must match.
INSERT INTO staging.stg_policeuk_street_typed
WITH valid AS NOT MATERIALIZED (
    SELECT * FROM puk_checked($sha256)
    WHERE reason IS NULL
),

keyed AS (
    SELECT 'PUK:' || crime_id_clean AS event_id, * FROM valid
    WHERE crime_id_clean IS NOT NULL
    UNION ALL
    SELECT
        'PUK:'
        || md5(report || '|' || row_number() OVER (PARTITION BY report ORDER BY row_number)) AS event_id,
        * EXCLUDE (report)
    FROM (
        SELECT *, concat_ws('|', month, longitude, latitude, location, crime_type, falls_within) AS report
        FROM valid
        WHERE crime_id_clean IS NULL
    ) AS unkeyed
)

SELECT event_id, file_sha256, row_number, month_date, crime_type_clean, lon, lat, x, y, coordinate_repair
FROM keyed;
