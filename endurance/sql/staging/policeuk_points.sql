-- The distinct coordinate pairs of one police.uk file's raw rows, typed, checked and
-- reprojected once each. police.uk snaps every report to one of a limited set of
-- anonymous map points, so a file of millions of rows holds a few thousand pairs, and
-- reprojecting pairs instead of rows saves almost all of the reprojection.
-- Parameters: $sha256 (the file) and the national envelope $min_lon, $max_lon, $min_lat,
-- $max_lat (police.uk covers England, Wales and Northern Ireland; a download may span
-- several forces, so points are checked against that envelope, not one force).
CREATE OR REPLACE TEMP TABLE puk_points AS
WITH pairs AS (
    SELECT DISTINCT longitude, latitude FROM raw.policeuk_street
    WHERE file_sha256 = $sha256
),

parsed AS (
    SELECT
        longitude, latitude,
        try_cast(longitude AS DOUBLE) AS lon_in,  -- the cast itself skips surrounding spaces
        try_cast(latitude AS DOUBLE) AS lat_in
    FROM pairs
),

located AS (
    SELECT
        *,
        lon_in BETWEEN $min_lon AND $max_lon AND lat_in BETWEEN $min_lat AND $max_lat AS as_given,
        lat_in BETWEEN $min_lon AND $max_lon AND lon_in BETWEEN $min_lat AND $max_lat AS as_swapped
    FROM parsed
),

checked AS (
    SELECT
        *,
        CASE
            WHEN
                (lon_in IS NULL AND trim(longitude) <> '')
                OR (lat_in IS NULL AND trim(latitude) <> '')
                OR ((lon_in IS NULL) <> (lat_in IS NULL)) THEN 'bad_coordinate'
            WHEN lon_in IS NOT NULL AND NOT as_given AND NOT as_swapped THEN 'outside_area'
        END AS reason
    FROM located
),

resolved AS (
    SELECT
        longitude, latitude, reason,
        CASE reason
            WHEN 'bad_coordinate'
                THEN
                    'Longitude ' || coalesce('''' || longitude || '''', 'empty')
                    || ', Latitude ' || coalesce('''' || latitude || '''', 'empty') || ': not both numbers'
            WHEN 'outside_area' THEN
                'Longitude ''' || longitude || ''', Latitude ''' || latitude
                || ''': outside England, Wales and Northern Ireland, even read swapped'
        END AS message,
        CASE WHEN as_given THEN lon_in WHEN as_swapped THEN lat_in END AS lon,
        CASE WHEN as_given THEN lat_in WHEN as_swapped THEN lon_in END AS lat,
        CASE WHEN NOT as_given AND as_swapped THEN 'latlon_swapped' END AS coordinate_repair
    FROM checked
),

projected AS (
    SELECT
        *,
        CASE
            WHEN lon IS NOT NULL
                THEN ST_Transform(ST_Point(lon, lat), 'EPSG:4326', 'EPSG:27700', always_xy := TRUE)
        END AS bng
    FROM resolved
)

SELECT * EXCLUDE (bng), ST_X(bng) AS x, ST_Y(bng) AS y
FROM projected;
