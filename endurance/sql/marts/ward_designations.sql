-- Ward designations (Strengthen, Support, Sustain) with their periods, per vintage.
-- effective_to is the last day in force (inclusive); NULL means still in force.
CREATE OR REPLACE TABLE marts.ward_designations AS
WITH designations AS (
    SELECT vintage, ward_code, designation, effective_from, effective_to
    FROM geo.ward_designations
)

SELECT vintage, ward_code, designation, effective_from, effective_to
FROM designations
ORDER BY vintage, ward_code, effective_from;
