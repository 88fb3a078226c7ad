-- One row per ward of a boundary vintage, for a council ward summary: its counts for
-- the period, its off-road-bike incidents in the period before and the same period a
-- year earlier, its named hotspots, the tasking map's hotspot areas in it, and its
-- designation on the period's last day.
-- Reads marts only. Parameters: vintage; period (the label the analysis marts use);
-- start/after (first day of the period and of
-- the month after it), and the same for previous_* and year_* ; share_c (count
-- intelligence with handling code C too: a configured information-sharing agreement); joint
-- (the key of the joint operation's analysis area, endurance.forces.JOINT).
WITH wards AS (
    SELECT DISTINCT ward_code, ward_name, lad_code, lad_name
    FROM marts.ward_month_counts
    WHERE vintage = $vintage
),

sums AS (
    SELECT
        ward_code,
        sum(off_road_bike_incidents) FILTER (WHERE month >= $start::DATE AND month < $after::DATE)
            AS off_road_bike_incidents,
        sum(off_road_bike_incidents)
        FILTER (WHERE month >= $previous_start::DATE AND month < $previous_after::DATE)
            AS previous_period_incidents,
        sum(off_road_bike_incidents) FILTER (WHERE month >= $year_start::DATE AND month < $year_after::DATE)
            AS same_period_last_year_incidents,
        sum(CASE WHEN $share_c THEN linked_incidents_with_c ELSE linked_incidents END)
        FILTER (WHERE month >= $start::DATE AND month < $after::DATE) AS linked_incidents,
        sum(intelligence_reports + CASE WHEN $share_c THEN intelligence_reports_c ELSE 0 END)
        FILTER (WHERE month >= $start::DATE AND month < $after::DATE) AS intelligence_reports,
        sum(s59_warnings) FILTER (WHERE month >= $start::DATE AND month < $after::DATE) AS s59_warnings,
        sum(s59_seizures) FILTER (WHERE month >= $start::DATE AND month < $after::DATE) AS s59_seizures,
        sum(deliberate_fires) FILTER (WHERE month >= $start::DATE AND month < $after::DATE)
            AS deliberate_secondary_fires,
        sum(policeuk_asb_reports) FILTER (WHERE month >= $start::DATE AND month < $after::DATE)
            AS policeuk_asb_reports
    FROM marts.ward_month_counts
    WHERE vintage = $vintage
    GROUP BY ward_code
),

in_force AS (  -- the designation on the last day of the period
    SELECT ward_code, designation
    FROM marts.ward_designations
    WHERE
        vintage = $vintage AND effective_from < $after::DATE
        AND (effective_to IS NULL OR effective_to >= $after::DATE - INTERVAL 1 DAY)
)

SELECT
    w.ward_code, w.ward_name, w.lad_code, w.lad_name,
    coalesce(s.off_road_bike_incidents, 0)::INTEGER AS off_road_bike_incidents,
    coalesce(s.previous_period_incidents, 0)::INTEGER AS previous_period_incidents,
    coalesce(s.same_period_last_year_incidents, 0)::INTEGER AS same_period_last_year_incidents,
    coalesce(s.linked_incidents, 0)::INTEGER AS linked_incidents,
    coalesce(s.intelligence_reports, 0)::INTEGER AS intelligence_reports,
    coalesce(s.s59_warnings, 0)::INTEGER AS s59_warnings,
    coalesce(s.s59_seizures, 0)::INTEGER AS s59_seizures,
    coalesce(s.deliberate_secondary_fires, 0)::INTEGER AS deliberate_secondary_fires,
    coalesce(s.policeuk_asb_reports, 0)::INTEGER AS policeuk_asb_reports,
    coalesce(h.hotspot_names, '') AS hotspots,
    coalesce(a.hotspot_areas, '') AS tasking_hotspots,
    coalesce(d.designation, '') AS designation
FROM wards AS w
LEFT JOIN sums AS s USING (ward_code)
LEFT JOIN marts.ward_hotspots AS h ON h.vintage = $vintage AND w.ward_code = h.ward_code
LEFT JOIN marts.ward_analysis AS a  -- the ward's own force's analysis: every area but the joint one
    ON
        a.analysis_area <> $joint AND a.period = $period AND a.vintage = $vintage
        AND w.ward_code = a.ward_code
LEFT JOIN in_force AS d ON w.ward_code = d.ward_code
ORDER BY w.lad_code, w.ward_name, w.ward_code;
