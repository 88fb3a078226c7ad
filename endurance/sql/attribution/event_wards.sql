-- The attribution rules written plainly in SQL: the reference the fast engine
-- (endurance/geography/_area_index.py) is tested against, point for point, and a readable
-- statement of the rules. One ward per located event for one boundary vintage
-- ($vintage), for events not yet attributed in that vintage. Rules, in order:
--   inside    the point lies in exactly one ward (interior or edge);
--   boundary  it touches or lies in more than one (a shared edge, or a sliver where two
--             generalisations overlap): a ward holding it in its interior wins, then the
--             lowest GSS code, so the result never depends on row order;
--   snapped   in no ward, but within $tolerance metres of one (beaches and foreshore
--             lie seaward of wards clipped to the coastline): the nearest ward;
--   outside   farther than $tolerance from every ward: no ward, distance recorded.
-- One rule more applies after these, to a vintage that covers only some of the forces in
-- use (Cleveland's 2013 and 2018 wards): a point snapped to a ward but lying in the area
-- of a force the vintage does not cover is outside instead, never snapped across the
-- force boundary (endurance/geography/attribution.py, for this statement and the engine).
INSERT INTO staging.event_wards
WITH wards AS (
    SELECT ward_code, ward_name, lad_code, geom_27700 AS geom FROM geo.wards
    WHERE vintage = $vintage
),

pending AS (
    SELECT e.event_id, e.x, e.y
    FROM staging.events AS e
    ANTI JOIN (
        SELECT event_id FROM staging.event_wards
        WHERE vintage = $vintage
    ) AS done
        USING (event_id)
),

points AS (
    SELECT event_id, ST_Point(x, y) AS pt FROM pending
    WHERE x IS NOT NULL
),

hits AS (
    SELECT p.event_id, w.ward_code, w.lad_code, ST_Contains(w.geom, p.pt) AS interior
    FROM points AS p INNER JOIN wards AS w ON ST_Intersects(w.geom, p.pt)
),

ranked AS (
    SELECT
        *,
        count(*) OVER (PARTITION BY event_id) AS n_hits,
        row_number() OVER (PARTITION BY event_id ORDER BY interior DESC, ward_code ASC) AS rk
    FROM hits
),

chosen AS (
    SELECT
        event_id, ward_code, lad_code,
        CASE WHEN n_hits = 1 THEN 'inside' ELSE 'boundary' END AS method, 0.0 AS distance_m
    FROM ranked
    WHERE rk = 1
),

unmatched AS (
    SELECT p.* FROM points AS p ANTI JOIN chosen USING (event_id)
),

distances AS (
    SELECT
        u.event_id, w.ward_code, w.lad_code, ST_Distance(w.geom, u.pt) AS d,
        row_number() OVER (PARTITION BY u.event_id ORDER BY ST_Distance(w.geom, u.pt), w.ward_code) AS rk
    FROM unmatched AS u CROSS JOIN wards AS w
),

nearest AS (
    SELECT
        event_id,
        CASE WHEN d <= $tolerance THEN ward_code END AS ward_code,
        CASE WHEN d <= $tolerance THEN lad_code END AS lad_code,
        CASE WHEN d <= $tolerance THEN 'snapped' ELSE 'outside' END AS method,
        d AS distance_m
    FROM distances
    WHERE rk = 1
)

SELECT event_id, $vintage AS vintage, ward_code, lad_code, method, distance_m FROM chosen
UNION ALL
SELECT event_id, $vintage AS vintage, ward_code, lad_code, method, distance_m FROM nearest;
