-- Off-road-bike incidents per 100 m British National Grid cell per month: what the
-- map's heat layer draws. Aggregates only: no incident point leaves the warehouse.
CREATE OR REPLACE TABLE marts.incident_cells AS
WITH cells AS (
    SELECT
        floor(x / 100) * 100 + 50 AS cell_x, floor(y / 100) * 100 + 50 AS cell_y,
        month, count(*) AS incidents
    FROM staging.events
    WHERE category = 'off_road_bike' AND x IS NOT NULL
    GROUP BY ALL
)

SELECT
    cell_x, cell_y,
    ST_X(ST_Transform(ST_Point(cell_x, cell_y), 'EPSG:27700', 'EPSG:4326', always_xy := TRUE)) AS lon,
    ST_Y(ST_Transform(ST_Point(cell_x, cell_y), 'EPSG:27700', 'EPSG:4326', always_xy := TRUE)) AS lat,
    month, incidents
FROM cells
ORDER BY month, cell_x, cell_y;
