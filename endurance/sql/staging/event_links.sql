-- Candidate pairs for one link rule, written to staging.event_links.
-- Parameters: $rule, $source_a, $categories_a, $source_b, $categories_b, $distance,
-- $hours (NULL: same calendar month instead), $one_to_one, and the study-area
-- envelope $minx, $maxx, $miny, $maxy (British National Grid) that keeps national
-- police.uk rows far from the forces in use out of the join.
INSERT INTO staging.event_links
WITH a AS (
    SELECT event_id, x, y, occurred_at, month FROM staging.events
    WHERE
        source = $source_a AND list_contains($categories_a, category) AND x IS NOT NULL
        AND x BETWEEN $minx AND $maxx AND y BETWEEN $miny AND $maxy
),

b AS (
    SELECT event_id, x, y, occurred_at, month FROM staging.events
    WHERE
        source = $source_b AND list_contains($categories_b, category) AND x IS NOT NULL
        AND x BETWEEN $minx AND $maxx AND y BETWEEN $miny AND $maxy
),

pairs AS (
    SELECT
        a.event_id AS event_a, b.event_id AS event_b,
        sqrt((a.x - b.x) ^ 2 + (a.y - b.y) ^ 2) AS distance_m,
        abs(epoch(a.occurred_at) - epoch(b.occurred_at)) / 3600.0 AS hours_apart
    FROM a INNER JOIN b
        ON
            b.x BETWEEN a.x - $distance AND a.x + $distance
            AND b.y BETWEEN a.y - $distance AND a.y + $distance
            AND a.event_id <> b.event_id
            -- within one source, each pair once
            AND ($source_a <> $source_b OR a.event_id < b.event_id)
    WHERE CASE
        WHEN $hours IS NULL THEN a.month = b.month
        ELSE abs(epoch(a.occurred_at) - epoch(b.occurred_at)) <= $hours * 3600
    END
),

close AS (
    SELECT
        *,
        row_number() OVER (PARTITION BY event_a ORDER BY distance_m, hours_apart, event_b) AS rank_a,
        row_number() OVER (PARTITION BY event_b ORDER BY distance_m, hours_apart, event_a) AS rank_b
    FROM pairs
    WHERE distance_m <= $distance
)

SELECT $rule, event_a, event_b, distance_m, hours_apart
FROM close
WHERE NOT $one_to_one OR (rank_a = 1 AND rank_b = 1)
ON CONFLICT DO NOTHING;
