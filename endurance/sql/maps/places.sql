-- The gazetteer's named places with the period's incidents and shareable
-- intelligence reports, for the map's places layer: those in the map's local
-- authorities ($lads, NULL for every one) or in its one authority ($lad).
WITH counts AS (
    SELECT
        hotspot_id,
        sum(off_road_bike_incidents)::INTEGER AS incidents,
        sum(intelligence_reports)::INTEGER AS intelligence
    FROM marts.hotspot_month_counts
    WHERE month >= $start::DATE AND month < $after::DATE
    GROUP BY hotspot_id
)

SELECT
    g.name, g.concern, coalesce(c.incidents, 0) AS incidents,
    coalesce(c.intelligence, 0) AS intelligence,
    marts.map_geojson(g.geom_4326) AS geometry
FROM geo.hotspots AS g
LEFT JOIN counts AS c USING (hotspot_id)
WHERE
    ($lads IS NULL OR list_contains($lads, g.lad_code))
    AND ($lad IS NULL OR g.lad_code = $lad)
ORDER BY incidents DESC, g.name ASC;
