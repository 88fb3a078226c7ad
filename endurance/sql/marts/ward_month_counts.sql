-- Counts per ward (every vintage), per month, with zeros for quiet wards.
-- Intelligence counts only items whose handling code permits sharing (P).
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
)
SELECT g.vintage, g.ward_code, g.ward_name, g.lad_code, g.lad_name, m.month,
       coalesce(c.off_road_bike_incidents, 0) AS off_road_bike_incidents,
       coalesce(c.intelligence_reports, 0) AS intelligence_reports,
       coalesce(c.policeuk_asb_reports, 0) AS policeuk_asb_reports
FROM geo.wards AS g
CROSS JOIN months AS m
LEFT JOIN counts AS c USING (vintage, ward_code, month)
ORDER BY g.vintage, g.lad_code, g.ward_code, m.month;
