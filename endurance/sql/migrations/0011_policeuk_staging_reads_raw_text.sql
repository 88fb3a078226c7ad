-- police.uk staging stops copying the text it does not change. Every staged row's text
-- columns (Crime ID, Reported by, Falls within, Location, LSOA code and name, outcome,
-- Context) are exactly its raw row's, so writing them to both layers wrote a national
-- download twice. The staging table keeps what loading computes (the key, typed month
-- and type, coordinates in both systems, the repair flag) and staging.stg_policeuk_street
-- becomes a view that reads the text from the raw row, with the same columns as before.
-- The events view reads the table, which holds every column it needs.
DROP VIEW staging.events;

CREATE TABLE staging.stg_policeuk_street_typed (
    event_id VARCHAR NOT NULL,               -- 'PUK:' || Crime ID, or a stable hash for ASB rows
    file_sha256 VARCHAR NOT NULL, row_number INTEGER NOT NULL,  -- the raw row
    month DATE NOT NULL, crime_type VARCHAR NOT NULL,
    lon DOUBLE, lat DOUBLE, x DOUBLE, y DOUBLE, coordinate_repair VARCHAR
);
INSERT INTO staging.stg_policeuk_street_typed
SELECT event_id, file_sha256, row_number, month, crime_type, lon, lat, x, y, coordinate_repair
FROM staging.stg_policeuk_street;
DROP TABLE staging.stg_policeuk_street;

CREATE VIEW staging.stg_policeuk_street AS
SELECT t.event_id, t.file_sha256, t.row_number, nullif(trim(r.crime_id), '') AS crime_id, t.month,
       r.reported_by, r.falls_within, t.lon, t.lat, t.x, t.y, t.coordinate_repair,
       r.location, r.lsoa_code, r.lsoa_name, t.crime_type, r.last_outcome_category, r.context
FROM staging.stg_policeuk_street_typed AS t
JOIN raw.policeuk_street AS r USING (file_sha256, row_number);

-- Every staged event from every source, in one shape, for attribution and marts (as
-- declared in 0007, police.uk rows now read from the table).
-- No free text and no personal data: those stay in the *_restricted tables.
CREATE VIEW staging.events AS
WITH incidents AS (
    SELECT event_id, 'incident_log' AS source,
           CASE WHEN is_off_road_bike THEN 'off_road_bike' ELSE 'other_incident' END AS category,
           created_at AS occurred_at, date_trunc('month', created_at)::DATE AS month,
           x, y, lon, lat, TRUE AS shareable
    FROM staging.stg_incident_log_incidents
),
intelligence AS (
    SELECT event_id, 'intelligence' AS source, 'community_intelligence' AS category,
           received_at AS occurred_at, date_trunc('month', received_at)::DATE AS month,
           x, y, lon, lat, handling_code = 'P' AS shareable
    FROM staging.stg_intelligence_reports
),
policeuk AS (
    SELECT event_id, 'policeuk' AS source,
           CASE WHEN crime_type = 'Anti-social behaviour' THEN 'asb_context'
                ELSE 'crime_context' END AS category,
           NULL::TIMESTAMP AS occurred_at, month,
           x, y, lon, lat, TRUE AS shareable
    FROM staging.stg_policeuk_street_typed
),
fire AS (
    SELECT event_id, 'fire' AS source,
           CASE WHEN is_deliberate_secondary THEN 'deliberate_fire' ELSE 'other_fire' END AS category,
           called_at AS occurred_at, date_trunc('month', called_at)::DATE AS month,
           x, y, lon, lat, TRUE AS shareable
    FROM staging.stg_fire_incidents
),
outcomes AS (
    SELECT event_id, 'outcomes' AS source, outcome_kind AS category,
           outcome_at AS occurred_at, date_trunc('month', outcome_at)::DATE AS month,
           x, y, lon, lat, TRUE AS shareable
    FROM staging.stg_enforcement_outcomes
)
SELECT * FROM incidents
UNION ALL SELECT * FROM intelligence
UNION ALL SELECT * FROM policeuk
UNION ALL SELECT * FROM fire
UNION ALL SELECT * FROM outcomes;
