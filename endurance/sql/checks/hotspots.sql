-- Checks of one period's hotspot analysis in one analysis area (endurance/hotspots.py), run
-- before it commits. Each check is one query returning the rows that break it, under a
-- header line "-- check <name>: <message>"; any row is a failure (endurance._checks).
-- Bound parameters: $area (the analysis area's key), $period (the period's label), $start
-- and $stop (its first day and the first day after it), $lad_codes (the area's local
-- authorities, a list).

-- check temporal_profile_total: temporal_profile 'all' adds up to the incidents
SELECT g.incidents, t.n FROM marts.density_grid AS g
INNER JOIN (
    SELECT analysis_area, period, sum(incidents) AS n FROM marts.temporal_profile
    WHERE scope = 'all'
    GROUP BY 1, 2
) AS t
    USING (analysis_area, period)
WHERE g.analysis_area = $area AND g.period = $period AND g.incidents <> t.n;

-- check temporal_profile_areas: each area's temporal profile adds up to its incidents
SELECT a.area_id FROM marts.hotspot_areas AS a
LEFT JOIN (
    SELECT scope, sum(incidents) AS n FROM marts.temporal_profile
    WHERE analysis_area = $area AND period = $period
    GROUP BY 1
) AS t
    ON t.scope = a.area_id::VARCHAR
WHERE a.analysis_area = $area AND a.period = $period AND coalesce(t.n, -1) <> a.incidents;

-- check area_ids_ordered: area ids run from 1 in order of incidents
SELECT area_id FROM (
    SELECT
        area_id, incidents, row_number() OVER (ORDER BY area_id) AS n,
        lag(incidents) OVER (ORDER BY area_id) AS before
    FROM marts.hotspot_areas
    WHERE analysis_area = $area AND period = $period
) AS areas
WHERE area_id <> n OR incidents > before;

-- check hotspot_cells_held: density_cells hold every hotspot cell
SELECT g.hotspot_cells, c.n FROM marts.density_grid AS g
INNER JOIN (
    SELECT analysis_area, period, count(*) FILTER (WHERE hotspot) AS n FROM marts.density_cells
    GROUP BY 1, 2
) AS c
    USING (analysis_area, period)
WHERE g.analysis_area = $area AND g.period = $period AND g.hotspot_cells <> c.n;

-- check ward_analysis_reconciles: ward_analysis adds up to the ward counts' linked incidents in the area
SELECT a.n AS analysed, m.n AS counted FROM (
    SELECT vintage, sum(incidents) AS n FROM marts.ward_analysis
    WHERE analysis_area = $area AND period = $period
    GROUP BY 1
) AS a
INNER JOIN (
    SELECT vintage, sum(linked_incidents) AS n FROM marts.ward_month_counts
    WHERE month >= $start::DATE AND month < $stop::DATE AND list_contains($lad_codes, lad_code)
    GROUP BY 1
) AS m
    USING (vintage)
WHERE a.n <> m.n;

-- check ward_analysis_complete: ward_analysis holds every ward of its vintage in the area
SELECT w.ward_code FROM geo.wards AS w
INNER JOIN (
    SELECT DISTINCT vintage FROM marts.ward_analysis
    WHERE analysis_area = $area AND period = $period
) AS analysed USING (vintage)
ANTI JOIN (
    SELECT ward_code FROM marts.ward_analysis
    WHERE analysis_area = $area AND period = $period
) AS listed USING (ward_code)
WHERE list_contains($lad_codes, w.lad_code);
