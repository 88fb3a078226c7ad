-- Reports with no point that name exactly one ward of vintage $vintage get that ward.
INSERT OR IGNORE INTO staging.event_wards
SELECT
    i.event_id, $vintage AS vintage, min(w.ward_code) AS ward_code, min(w.lad_code) AS lad_code,
    'named' AS method, 0.0 AS distance_m
FROM staging.stg_intelligence_reports AS i
INNER JOIN geo.wards AS w ON w.vintage = $vintage AND lower(w.ward_name) = lower(i.ward_name)
WHERE i.x IS NULL AND i.ward_name IS NOT NULL
GROUP BY i.event_id
HAVING count(*) = 1;
