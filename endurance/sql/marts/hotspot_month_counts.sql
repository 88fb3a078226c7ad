-- Off-road-bike incidents and shareable intelligence per named hotspot per month.
CREATE OR REPLACE TABLE marts.hotspot_month_counts AS
WITH months AS (
    SELECT DISTINCT month FROM staging.events
    WHERE month IS NOT NULL
),

counts AS (
    SELECT
        h.hotspot_id, e.month,
        count(*) FILTER (WHERE e.category = 'off_road_bike') AS off_road_bike_incidents,
        count(*) FILTER (WHERE e.category = 'community_intelligence' AND e.shareable)
            AS intelligence_reports
    FROM staging.event_hotspots AS h
    INNER JOIN staging.events AS e USING (event_id)
    GROUP BY ALL
)

SELECT
    g.hotspot_id, g.name, g.lad_code, m.month,
    coalesce(c.off_road_bike_incidents, 0) AS off_road_bike_incidents,
    coalesce(c.intelligence_reports, 0) AS intelligence_reports
FROM geo.hotspots AS g
CROSS JOIN months AS m
LEFT JOIN counts AS c USING (hotspot_id, month)
ORDER BY g.hotspot_id, m.month;
