-- Each local authority as the union of its wards of one vintage (British National
-- Grid), so a map restricted to one authority agrees with its wards.
SELECT lad_code, any_value(lad_name) AS lad_name, ST_AsWKB(ST_Union_Agg(geom_27700)) AS geometry
FROM geo.wards
WHERE vintage = $vintage
GROUP BY lad_code
ORDER BY lad_code;
