-- Which named hotspots lie (at least partly) in each ward, per vintage.
CREATE OR REPLACE TABLE marts.ward_hotspots AS
SELECT w.vintage, w.ward_code, string_agg(h.name, '; ' ORDER BY h.name) AS hotspot_names
FROM geo.wards AS w
INNER JOIN geo.hotspots AS h
    ON
        ST_Intersects(w.geom_27700, h.geom_27700)
        AND ST_Area(ST_Intersection(w.geom_27700, h.geom_27700)) > 10000   -- ignore slivers under 1 ha
GROUP BY ALL;
