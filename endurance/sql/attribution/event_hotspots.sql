-- Named hotspots each event falls in (many-to-many: hotspots overlap), for events with
-- no hotspot yet (events in none are simply tried again: a cheap point-in-polygon test).
-- Reports with no point that name a gazetteer place count in it.
INSERT INTO staging.event_hotspots
WITH pending AS (
    SELECT event_id, x, y FROM staging.events
    WHERE event_id NOT IN (SELECT event_id FROM staging.event_hotspots)
)
SELECT p.event_id, h.hotspot_id
FROM pending AS p
JOIN geo.hotspots AS h ON ST_Intersects(h.geom_27700, ST_Point(p.x, p.y))
WHERE p.x IS NOT NULL
UNION
SELECT i.event_id, i.hotspot_id
FROM staging.stg_intelligence_reports AS i
JOIN pending AS p USING (event_id)
WHERE i.x IS NULL AND i.hotspot_id IS NOT NULL;
