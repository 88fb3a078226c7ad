-- The distinct Month values of one police.uk file's raw rows, typed and checked once each.
-- A file holds one month (a national download a few), so checking distinct values
-- instead of every row costs nothing. Parameters: $sha256 (the file), $now (the load time).
CREATE OR REPLACE TEMP TABLE puk_months AS
WITH distinct_months AS (
    SELECT DISTINCT month FROM raw.policeuk_street
    WHERE file_sha256 = $sha256
),

parsed AS (
    SELECT month, trim(month) AS month_text, try_strptime(trim(month), '%Y-%m') AS month_ts
    FROM distinct_months
)

SELECT
    month,
    month_ts::DATE AS month_date,
    CASE
        WHEN NOT regexp_full_match(coalesce(month_text, ''), '\d{4}-(0[1-9]|1[0-2])') THEN 'bad_date'
        WHEN month_ts > $now THEN 'future_date'
    END AS reason,
    CASE
        WHEN NOT regexp_full_match(coalesce(month_text, ''), '\d{4}-(0[1-9]|1[0-2])')
            THEN 'Month ' || coalesce('''' || month || '''', 'empty') || ' is not YYYY-MM'
        WHEN month_ts > $now THEN 'Month ''' || month || ''' is in the future'
    END AS message
FROM parsed;
