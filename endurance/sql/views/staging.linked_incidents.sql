-- One row per linked incident (endurance/linking.py): off-road-bike incidents and
-- shareable intelligence reports, each incident counted once however many ways it was
-- reported, placed and timed by its representative event. The unit of
-- marts.ward_month_counts.linked_incidents and of the hotspot analysis.
CREATE OR REPLACE VIEW staging.linked_incidents AS
WITH counted AS (
    SELECT DISTINCT g.group_id
    FROM staging.event_groups AS g
    INNER JOIN staging.events AS e USING (event_id)
    WHERE e.category = 'off_road_bike' OR (e.category = 'community_intelligence' AND e.shareable)
)

SELECT c.group_id AS incident_id, r.source, r.category, r.occurred_at, r.month, r.x, r.y, r.lon, r.lat
FROM counted AS c
INNER JOIN staging.events AS r ON c.group_id = r.event_id;
