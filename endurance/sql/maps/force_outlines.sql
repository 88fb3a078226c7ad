-- The outline of each police force area a map covers.
SELECT pfa_name AS name, marts.map_geojson(geom_4326) AS geometry
FROM geo.force_areas
WHERE list_contains($codes, pfa_code)
ORDER BY pfa_code;
