-- An incident-based crosswalk between ward vintages: for every pair of vintages, how the
-- located events of each ward of one vintage fall into the wards of the other. A count
-- published on 2018 wards can be re-expressed on 2024 wards by sharing each 2018 ward's
-- count out by share_of_from (and the reverse). All located events are used, police.uk
-- crime included, because they trace where people live and travel far more densely
-- than off-road-bike incidents alone; the shares are therefore activity-weighted, not
-- area-weighted (compare ../shared/geodata/lookups/ward_2018_to_2024_area_overlap_DERIVED.csv).
CREATE OR REPLACE TABLE marts.ward_crosswalk AS
WITH pairs AS (
    SELECT
        a.vintage AS from_vintage, a.ward_code AS from_ward_code,
        b.vintage AS to_vintage, b.ward_code AS to_ward_code, count(*) AS events
    FROM staging.event_wards AS a
    INNER JOIN staging.event_wards AS b ON a.event_id = b.event_id AND a.vintage <> b.vintage
    WHERE a.ward_code IS NOT NULL AND b.ward_code IS NOT NULL
    GROUP BY ALL
)

SELECT
    p.from_vintage, p.from_ward_code, f.ward_name AS from_ward_name,
    p.to_vintage, p.to_ward_code, t.ward_name AS to_ward_name, p.events,
    p.events / sum(p.events) OVER (PARTITION BY p.from_vintage, p.from_ward_code, p.to_vintage)
        AS share_of_from
FROM pairs AS p
INNER JOIN geo.wards AS f ON p.from_vintage = f.vintage AND p.from_ward_code = f.ward_code
INNER JOIN geo.wards AS t ON p.to_vintage = t.vintage AND p.to_ward_code = t.ward_code
ORDER BY p.from_vintage ASC, p.from_ward_code ASC, p.to_vintage ASC, p.events DESC;
