-- Off-road-bike incidents per 100 m cell over the period: the clustered incident
-- layer and the exploration heat layer. Counts per cell only, never a point.
SELECT cell_x, cell_y, lat, lon, sum(incidents)::INTEGER AS incidents
FROM marts.incident_cells
WHERE month >= $start::DATE AND month < $after::DATE
GROUP BY ALL
ORDER BY cell_x, cell_y;
