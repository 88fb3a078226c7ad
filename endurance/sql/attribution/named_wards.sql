-- Reports with no point that name exactly one ward of vintage $vintage get that ward.
INSERT OR IGNORE INTO staging.event_wards
SELECT i.event_id, $vintage, min(w.ward_code), min(w.lad_code), 'named', 0.0
FROM staging.stg_intelligence_reports AS i
JOIN geo.wards AS w ON w.vintage = $vintage AND lower(w.ward_name) = lower(i.ward_name)
WHERE i.x IS NULL AND i.ward_name IS NOT NULL
GROUP BY i.event_id
HAVING count(*) = 1;
