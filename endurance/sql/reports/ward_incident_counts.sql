-- Off-road-bike incidents per ward of one vintage over a period, every ward listed
-- (zeros included), grouped by local authority: the figures of the run's table artifact.
-- Parameters: vintage, first day of the period, first day after it.
SELECT lad_code, lad_name, ward_code, ward_name,
       sum(off_road_bike_incidents)::INTEGER AS off_road_bike_incidents
FROM marts.ward_month_counts
WHERE vintage = ? AND month >= ?::DATE AND month < ?::DATE
GROUP BY lad_code, lad_name, ward_code, ward_name
ORDER BY lad_name, ward_name, ward_code
