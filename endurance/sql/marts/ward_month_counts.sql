-- Counts per ward (every vintage), per month, with zeros for quiet wards.
-- Intelligence counts only items whose handling code permits sharing (P).
-- linked_incidents counts incidents once however many ways they were reported
-- (endurance/linking.py): each group of linked events is placed by its representative.
CREATE OR REPLACE TABLE marts.ward_month_counts AS
WITH months AS (
    SELECT DISTINCT month FROM staging.events WHERE month IS NOT NULL
),
counts AS (
    SELECT w.vintage, w.ward_code, e.month,
           count(*) FILTER (WHERE e.category = 'off_road_bike') AS off_road_bike_incidents,
           count(*) FILTER (WHERE e.category = 'community_intelligence' AND e.shareable)
               AS intelligence_reports,
           count(*) FILTER (WHERE e.category = 'asb_context') AS policeuk_asb_reports
    FROM staging.event_wards AS w
    JOIN staging.events AS e USING (event_id)
    WHERE w.ward_code IS NOT NULL
    GROUP BY ALL
),
linked AS (
    SELECT w.vintage, w.ward_code, e.month, count(DISTINCT g.group_id) AS linked_incidents
    FROM (SELECT DISTINCT g.group_id FROM staging.event_groups AS g
          JOIN staging.events AS e USING (event_id)
          WHERE e.category = 'off_road_bike' OR (e.category = 'community_intelligence' AND e.shareable)) AS g
    JOIN staging.events AS e ON e.event_id = g.group_id
    JOIN staging.event_wards AS w ON w.event_id = g.group_id
    WHERE w.ward_code IS NOT NULL
    GROUP BY ALL
)
SELECT g.vintage, g.ward_code, g.ward_name, g.lad_code, g.lad_name, m.month,
       coalesce(c.off_road_bike_incidents, 0) AS off_road_bike_incidents,
       coalesce(c.intelligence_reports, 0) AS intelligence_reports,
       coalesce(c.policeuk_asb_reports, 0) AS policeuk_asb_reports,
       coalesce(l.linked_incidents, 0) AS linked_incidents
FROM geo.wards AS g
CROSS JOIN months AS m
LEFT JOIN counts AS c USING (vintage, ward_code, month)
LEFT JOIN linked AS l USING (vintage, ward_code, month)
ORDER BY g.vintage, g.lad_code, g.ward_code, m.month;
