-- Table macro puk_checked(file): the raw rows of one police.uk file with their typed
-- values and the first reject reason that applies (or none), from the checked distinct
-- values in puk_months, puk_types and puk_points. Staged rows and rejects are both read
-- from it.
CREATE OR REPLACE TEMP MACRO puk_checked(file) AS TABLE
    WITH joined AS (
        SELECT
            r.*,
            -- A Crime ID of spaces only counts as none. trim() strips the space and the
            -- Unicode spaces (all non-ASCII); an ASCII ID that neither starts nor ends
            -- with a space is its own trim, and testing that is far cheaper than trimming
            -- millions of IDs.
            CASE
                WHEN
                    strlen(r.crime_id) = length(r.crime_id)
                    AND NOT starts_with(r.crime_id, ' ') AND NOT ends_with(r.crime_id, ' ')
                    THEN nullif(r.crime_id, '')
                ELSE nullif(trim(r.crime_id), '')
            END AS crime_id_clean,
            t.crime_type_clean,
            m.month_date, m.reason AS month_reason, m.message AS month_message,
            p.lon, p.lat, p.x, p.y, p.coordinate_repair, p.reason AS point_reason, p.message AS point_message
        FROM raw.policeuk_street AS r
        INNER JOIN puk_months AS m ON r.month IS NOT DISTINCT FROM m.month
        INNER JOIN puk_types AS t ON r.crime_type IS NOT DISTINCT FROM t.crime_type
        INNER JOIN puk_points AS p
            ON r.longitude IS NOT DISTINCT FROM p.longitude AND r.latitude IS NOT DISTINCT FROM p.latitude
        WHERE r.file_sha256 = file
    )

    SELECT
        * EXCLUDE (month_reason, month_message, point_reason, point_message),
        coalesce(month_reason, CASE WHEN crime_type_clean IS NULL THEN 'missing_field' END, point_reason)
            AS reason,
        CASE
            WHEN month_reason IS NOT NULL THEN 'Month'
            WHEN crime_type_clean IS NULL THEN 'Crime type'
            ELSE 'Longitude'
        END AS field,
        CASE
            WHEN month_reason IS NOT NULL THEN month_message
            WHEN crime_type_clean IS NULL THEN 'Crime type is empty'
            ELSE point_message
        END AS message
    FROM joined;
