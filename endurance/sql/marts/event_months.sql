-- Events per month, source and category, with how many could not be placed on the map:
-- the data-quality figures of the tasking briefing.
CREATE OR REPLACE TABLE marts.event_months AS
SELECT
    month, source, category, count(*)::INTEGER AS events,
    count(*) FILTER (WHERE x IS NULL)::INTEGER AS unlocated
FROM staging.events
WHERE month IS NOT NULL
GROUP BY ALL
ORDER BY ALL;
