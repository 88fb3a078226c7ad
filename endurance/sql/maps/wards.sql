-- Wards of one boundary vintage with the period's ward analysis of one analysis area,
-- for the map's choropleth: counts, change against the previous period and the same
-- period last year (with p-values), the Gi* class and the trend. Only the wards of the
-- map's local authorities ($lads, NULL for every one; $lad for one). Wards with no
-- analysis row get zero incidents. Outlines simplified by about 5 m (marts.map_geojson).
SELECT
    g.ward_code, g.ward_name, g.lad_code, g.lad_name,
    coalesce(a.incidents, 0) AS incidents,
    a.previous, a.change_previous, a.p_previous,
    a.last_year, a.change_last_year, a.p_last_year,
    coalesce(a.gi_class, 'not_significant') AS gi_class,
    coalesce(a.trend, 'none') AS trend,
    marts.map_geojson(g.geom_4326) AS geometry
FROM geo.wards AS g
LEFT JOIN marts.ward_analysis AS a
    ON
        g.vintage = a.vintage AND g.ward_code = a.ward_code
        AND a.analysis_area = $area AND a.period = $period
WHERE
    g.vintage = $vintage
    AND ($lads IS NULL OR list_contains($lads, g.lad_code))
    AND ($lad IS NULL OR g.lad_code = $lad)
ORDER BY g.ward_code;
