-- GeoJSON for maps: about 5 m of simplification and 1 m of coordinate precision,
-- invisible at the zooms a tasking meeting uses, and it keeps the HTML small.
CREATE OR REPLACE MACRO marts.map_geojson(geom) AS
ST_AsGeoJSON(ST_ReducePrecision(ST_SimplifyPreserveTopology(geom, 0.00005), 0.00001));
