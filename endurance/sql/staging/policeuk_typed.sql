-- Type and validate one police.uk file, read through view puk_numbered (puk_in with seq,
-- its place among the parsed rows, and row_number, its data row number in the file).
-- Parameters: $now (timestamp of the load) and the national envelope $min_lon, $max_lon,
-- $min_lat, $max_lat (police.uk covers England, Wales and Northern Ireland; a download
-- may span several forces, so rows are checked against that envelope, not one force).
-- Each row gets the first reject reason that applies, or none.
CREATE OR REPLACE TEMP TABLE puk_typed AS
WITH parsed AS (
    SELECT *,
           trim(month) AS month_text,
           try_strptime(trim(month), '%Y-%m') AS month_ts,
           try_cast(longitude AS DOUBLE) AS lon_in,  -- the cast itself skips surrounding spaces
           try_cast(latitude AS DOUBLE) AS lat_in,
           nullif(trim(crime_id), '') AS crime_id_clean,
           nullif(trim(crime_type), '') AS crime_type_clean
    FROM puk_numbered
),
-- Only rows without a Crime ID need their occurrence among identical rows, so only they
-- are sorted: numbering every row costs a sort of the whole file. (A Crime ID of spaces
-- only counts as none; trimming only the IDs that start with a space keeps the scan cheap.)
occurrences AS (
    SELECT seq, row_number() OVER (
               PARTITION BY month, longitude, latitude, location, crime_type, falls_within ORDER BY seq
           ) AS occurrence
    FROM puk_numbered
    WHERE crime_id IS NULL OR (starts_with(crime_id, ' ') AND trim(crime_id) = '')
),
located AS (
    SELECT *,
           lon_in BETWEEN $min_lon AND $max_lon AND lat_in BETWEEN $min_lat AND $max_lat AS as_given,
           lat_in BETWEEN $min_lon AND $max_lon AND lon_in BETWEEN $min_lat AND $max_lat AS as_swapped
    FROM parsed
),
checked AS (
    SELECT *,
           CASE
               WHEN NOT regexp_full_match(coalesce(month_text, ''), '\d{4}-(0[1-9]|1[0-2])') THEN 'bad_date'
               WHEN month_ts > $now THEN 'future_date'
               WHEN crime_type_clean IS NULL THEN 'missing_field'
               WHEN (lon_in IS NULL AND trim(longitude) <> '')
                 OR (lat_in IS NULL AND trim(latitude) <> '')
                 OR ((lon_in IS NULL) <> (lat_in IS NULL)) THEN 'bad_coordinate'
               WHEN lon_in IS NOT NULL AND NOT as_given AND NOT as_swapped THEN 'outside_area'
           END AS reason
    FROM located
),
keyed AS (
    SELECT *,
           CASE reason
               WHEN 'bad_date' THEN 'Month'
               WHEN 'future_date' THEN 'Month'
               WHEN 'missing_field' THEN 'Crime type'
               ELSE 'Longitude'
           END AS field,
           CASE reason
               WHEN 'bad_date' THEN 'Month ' || coalesce('''' || month || '''', 'empty') || ' is not YYYY-MM'
               WHEN 'future_date' THEN 'Month ''' || month || ''' is in the future'
               WHEN 'missing_field' THEN 'Crime type is empty'
               WHEN 'bad_coordinate' THEN 'Longitude ' || coalesce('''' || longitude || '''', 'empty')
                    || ', Latitude ' || coalesce('''' || latitude || '''', 'empty') || ': not both numbers'
               WHEN 'outside_area' THEN 'Longitude ''' || longitude || ''', Latitude ''' || latitude
                    || ''': outside England, Wales and Northern Ireland, even read swapped'
           END AS message,
           CASE WHEN as_given THEN lon_in WHEN as_swapped THEN lat_in END AS lon,
           CASE WHEN as_given THEN lat_in WHEN as_swapped THEN lon_in END AS lat,
           CASE WHEN NOT as_given AND as_swapped THEN 'latlon_swapped' END AS coordinate_repair,
           'PUK:' || coalesce(
               crime_id_clean,
               -- No LSOA in the key: API downloads lack it, and the same report must match.
               md5(concat_ws('|', month, longitude, latitude, location, crime_type, falls_within)
                   || '|' || occurrence)
           ) AS event_id
    FROM checked LEFT JOIN occurrences USING (seq)
),
projected AS (
    SELECT * EXCLUDE (month_text, lon_in, lat_in, as_given, as_swapped, occurrence),
           CASE WHEN lon IS NOT NULL
                THEN ST_Transform(ST_Point(lon, lat), 'EPSG:4326', 'EPSG:27700', always_xy := true) END AS bng
    FROM keyed
)
SELECT * EXCLUDE (bng), ST_X(bng) AS x, ST_Y(bng) AS y
FROM projected;
