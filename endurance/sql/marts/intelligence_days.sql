-- Community intelligence received per day, by channel, 3x5x2 grading and how precisely
-- it could be placed: counts only. Narrative, subject, VRM and phone stay restricted.
CREATE OR REPLACE TABLE marts.intelligence_days AS
SELECT
    received_at::DATE AS day, channel, source_evaluation, intelligence_assessment,
    handling_code, location_precision, count(*)::INTEGER AS reports
FROM staging.stg_intelligence_reports
GROUP BY ALL
ORDER BY ALL;
