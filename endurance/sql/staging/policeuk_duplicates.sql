-- The staged rows of one police.uk file (parameter $sha256) whose key is a repeat: a key
-- seen earlier in the file, or already staged from another current file. Repeats within
-- the file are looked for among 64-bit hashes of the keys first: sorted, a repeated hash
-- sits next to its twin, and sorting ten million integers is far cheaper than grouping
-- ten million keys. A file usually has none, and then no key is compared as text.
CREATE OR REPLACE TEMP TABLE puk_dup AS
WITH mine AS NOT MATERIALIZED (
    SELECT row_number, event_id FROM staging.stg_policeuk_street_typed
    WHERE file_sha256 = $sha256
),

sorted AS (
    SELECT h, lag(h) OVER (ORDER BY h) AS previous FROM (SELECT hash(event_id) AS h FROM mine) AS hashed
),

repeated AS (
    SELECT event_id, min(row_number) AS first_row
    FROM mine
    WHERE
        hash(
            event_id) IN (
            SELECT h FROM sorted
            WHERE h = previous
        )
    GROUP BY event_id
    HAVING count(*) > 1
)

SELECT row_number FROM mine INNER JOIN repeated USING (event_id)
WHERE row_number > first_row
UNION
SELECT row_number FROM mine
WHERE event_id IN (
    SELECT event_id FROM staging.stg_policeuk_street_typed
    WHERE file_sha256 <> $sha256
);
