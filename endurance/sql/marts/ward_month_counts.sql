-- Counts per ward (every vintage), per month, with zeros for quiet wards.
-- intelligence_reports counts only items whose handling code permits sharing (P);
-- intelligence_reports_c counts those shared only with conditions (C), which partner
-- outputs add only where a configured information-sharing agreement allows it.
-- linked_incidents counts incidents once however many ways they were reported
-- (endurance/linking.py): each group of linked events is placed by its representative;
-- linked_incidents_with_c does the same counting C-coded reports too.
-- Enforcement outcomes (s.59 warnings and seizures) and deliberate secondary fires are
-- counted where they were recorded.
CREATE OR REPLACE TABLE marts.ward_month_counts AS
WITH months AS (
    SELECT DISTINCT month FROM staging.events
    WHERE month IS NOT NULL
),

counts AS (
    SELECT
        w.vintage, w.ward_code, e.month,
        count(*) FILTER (WHERE e.category = 'off_road_bike') AS off_road_bike_incidents,
        count(*) FILTER (WHERE e.category = 'community_intelligence' AND e.shareable)
            AS intelligence_reports,
        count(*) FILTER (WHERE e.category = 'community_intelligence' AND NOT e.shareable)
            AS intelligence_reports_c,
        count(*) FILTER (WHERE e.category = 'asb_context') AS policeuk_asb_reports,
        count(*) FILTER (WHERE e.category = 's59_warning') AS s59_warnings,
        count(*) FILTER (WHERE e.category = 's59_seizure') AS s59_seizures,
        count(*) FILTER (WHERE e.category = 'deliberate_fire') AS deliberate_fires
    FROM staging.event_wards AS w
    INNER JOIN staging.events AS e USING (event_id)
    WHERE w.ward_code IS NOT NULL
    GROUP BY ALL
),

counted_groups AS (  -- each group once, with whether it holds anything P-countable
    SELECT
        g.group_id,
        bool_or(e.category = 'off_road_bike' OR (e.category = 'community_intelligence' AND e.shareable))
            AS counts_without_c
    FROM staging.event_groups AS g
    INNER JOIN staging.events AS e USING (event_id)
    WHERE e.category IN ('off_road_bike', 'community_intelligence')
    GROUP BY g.group_id
),

linked AS (
    SELECT
        w.vintage, w.ward_code, e.month,
        count(*) FILTER (WHERE g.counts_without_c) AS linked_incidents,
        count(*) AS linked_incidents_with_c
    FROM counted_groups AS g
    INNER JOIN staging.events AS e ON g.group_id = e.event_id
    INNER JOIN staging.event_wards AS w ON g.group_id = w.event_id
    WHERE w.ward_code IS NOT NULL
    GROUP BY ALL
)

SELECT
    g.vintage, g.ward_code, g.ward_name, g.lad_code, g.lad_name, m.month,
    coalesce(c.off_road_bike_incidents, 0) AS off_road_bike_incidents,
    coalesce(c.intelligence_reports, 0) AS intelligence_reports,
    coalesce(c.policeuk_asb_reports, 0) AS policeuk_asb_reports,
    coalesce(l.linked_incidents, 0) AS linked_incidents,
    coalesce(c.intelligence_reports_c, 0) AS intelligence_reports_c,
    coalesce(l.linked_incidents_with_c, 0) AS linked_incidents_with_c,
    coalesce(c.s59_warnings, 0) AS s59_warnings,
    coalesce(c.s59_seizures, 0) AS s59_seizures,
    coalesce(c.deliberate_fires, 0) AS deliberate_fires
FROM geo.wards AS g
CROSS JOIN months AS m
LEFT JOIN counts AS c USING (vintage, ward_code, month)
LEFT JOIN linked AS l USING (vintage, ward_code, month)
ORDER BY g.vintage, g.lad_code, g.ward_code, m.month;
