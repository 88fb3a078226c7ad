-- Every staged event from every source, in one shape, for attribution and marts.
-- No free text and no personal data: those stay in the *_restricted tables.
-- police.uk rows are read from the typed table, which holds every column needed here.
CREATE OR REPLACE VIEW staging.events AS
WITH incidents AS (
    SELECT
        event_id, 'incident_log' AS source,
        CASE WHEN is_off_road_bike THEN 'off_road_bike' ELSE 'other_incident' END AS category,
        created_at AS occurred_at, date_trunc('month', created_at)::DATE AS month,
        x, y, lon, lat, TRUE AS shareable
    FROM staging.stg_incident_log_incidents
),

intelligence AS (
    SELECT
        event_id, 'intelligence' AS source, 'community_intelligence' AS category,
        received_at AS occurred_at, date_trunc('month', received_at)::DATE AS month,
        x, y, lon, lat, handling_code = 'P' AS shareable
    FROM staging.stg_intelligence_reports
),

policeuk AS (
    SELECT
        event_id, 'policeuk' AS source,
        CASE
            WHEN crime_type = 'Anti-social behaviour' THEN 'asb_context'
            ELSE 'crime_context'
        END AS category,
        NULL::TIMESTAMP AS occurred_at, month,
        x, y, lon, lat, TRUE AS shareable
    FROM staging.stg_policeuk_street_typed
),

fire AS (
    SELECT
        event_id, 'fire' AS source,
        CASE WHEN is_deliberate_secondary THEN 'deliberate_fire' ELSE 'other_fire' END AS category,
        called_at AS occurred_at, date_trunc('month', called_at)::DATE AS month,
        x, y, lon, lat, TRUE AS shareable
    FROM staging.stg_fire_incidents
),

outcomes AS (
    SELECT
        event_id, 'outcomes' AS source, outcome_kind AS category,
        outcome_at AS occurred_at, date_trunc('month', outcome_at)::DATE AS month,
        x, y, lon, lat, TRUE AS shareable
    FROM staging.stg_enforcement_outcomes
)

SELECT * FROM incidents
UNION ALL
SELECT * FROM intelligence
UNION ALL
SELECT * FROM policeuk
UNION ALL
SELECT * FROM fire
UNION ALL
SELECT * FROM outcomes;
