-- Checks of the marts (endurance/sql/marts), run after every build, before it commits.
-- Each check is one query returning the rows that break it, under a header line
-- "-- check <name>: <message>"; any row is a failure (endurance._checks).

-- check ward_crosswalk_shares: ward_crosswalk shares of each ward add up to 1
SELECT from_vintage, from_ward_code, to_vintage FROM marts.ward_crosswalk
GROUP BY ALL
HAVING abs(sum(share_of_from) - 1) > 1e-9;

-- check ward_month_counts_unique: ward_month_counts has one row per vintage, ward and month
SELECT vintage, ward_code, month FROM marts.ward_month_counts
GROUP BY ALL
HAVING count(*) > 1;

-- check ward_month_counts_codes: ward_month_counts ward codes are GSS ward codes
SELECT ward_code FROM marts.ward_month_counts
WHERE NOT regexp_matches(ward_code, '^[EW]05[0-9]{6}$');

-- check incidents_attributed: every located off-road-bike incident has a ward row per vintage
SELECT e.event_id, g.vintage FROM staging.events AS e
CROSS JOIN (SELECT DISTINCT vintage FROM geo.wards) AS g
ANTI JOIN staging.event_wards AS w ON e.event_id = w.event_id AND g.vintage = w.vintage
WHERE e.x IS NOT NULL AND e.category = 'off_road_bike';

-- check ward_counts_reconcile: ward counts add up to the attributed incidents
SELECT m.vintage FROM (
    SELECT vintage, sum(off_road_bike_incidents) AS n FROM marts.ward_month_counts
    GROUP BY 1
) AS m INNER JOIN (
    SELECT w.vintage, count(*) AS n FROM staging.event_wards AS w
    INNER JOIN staging.events AS e USING (event_id)
    WHERE e.category = 'off_road_bike' AND w.ward_code IS NOT NULL
    GROUP BY 1
) AS a USING (vintage)
WHERE m.n <> a.n;

-- check ward_designations_valid: ward_designations name loaded wards and never overlap for one ward
SELECT d.vintage, d.ward_code, d.effective_from FROM marts.ward_designations AS d
WHERE NOT EXISTS (
    SELECT 1 FROM geo.wards AS w
    WHERE w.vintage = d.vintage AND w.ward_code = d.ward_code
)
OR EXISTS (
    SELECT 1 FROM marts.ward_designations AS o
    WHERE
        o.vintage = d.vintage AND o.ward_code = d.ward_code AND o.effective_from > d.effective_from
        AND (d.effective_to IS NULL OR o.effective_from <= d.effective_to)
);
