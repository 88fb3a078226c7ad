-- The period's hotspot areas of one analysis area (dissolved top-density cells, named
-- after the gazetteer place or ward they fall in) with counts, change, trend and peak
-- times for popups; optionally only those touching one local authority.
SELECT
    area_id, name, ward_names, area_km2, incidents,
    previous, change_previous, p_previous,
    last_year, change_last_year, p_last_year,
    trend, peak_days, peak_hours,
    marts.map_geojson(geom_4326) AS geometry
FROM marts.hotspot_areas
WHERE
    analysis_area = $area AND period = $period
    AND ($lad IS NULL OR list_contains(string_split(lad_codes, ', '), $lad))
ORDER BY area_id;
