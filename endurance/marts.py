"""Build the marts: the only tables maps and exports read.

Each mart is one ``.sql`` file under ``endurance/sql/marts`` named after the table it
builds; they are rebuilt whole after every load (they are small: wards x months).
Checks declared beside them run after every build and fail loudly.
"""

from __future__ import annotations

import duckdb

from endurance.warehouse import quote_table, sql_text, transaction

MARTS = (
    "ward_month_counts",
    "hotspot_month_counts",
    "incident_cells",
    "ward_hotspots",
    "ward_designations",
    "ward_crosswalk",
    "outcome_days",
    "intelligence_days",
    "event_months",
)


class MartCheckError(AssertionError):
    """A mart failed one of its declared checks."""


#: Each check is a query that returns offending rows; any row is a failure.
CHECKS = {
    "ward_crosswalk shares of each ward add up to 1": """
        SELECT from_vintage, from_ward_code, to_vintage FROM marts.ward_crosswalk
        GROUP BY ALL HAVING abs(sum(share_of_from) - 1) > 1e-9""",
    "ward_month_counts has one row per vintage, ward and month": """
        SELECT vintage, ward_code, month FROM marts.ward_month_counts
        GROUP BY ALL HAVING count(*) > 1""",
    "ward_month_counts ward codes are GSS ward codes": """
        SELECT ward_code FROM marts.ward_month_counts
        WHERE NOT regexp_matches(ward_code, '^[EW]05[0-9]{6}$')""",
    "every located off-road-bike incident has a ward row per vintage": """
        SELECT e.event_id, g.vintage FROM staging.events AS e
        CROSS JOIN (SELECT DISTINCT vintage FROM geo.wards) AS g
        ANTI JOIN staging.event_wards AS w ON w.event_id = e.event_id AND w.vintage = g.vintage
        WHERE e.x IS NOT NULL AND e.category = 'off_road_bike'""",
    "ward counts add up to the attributed incidents": """
        SELECT m.vintage FROM (
            SELECT vintage, sum(off_road_bike_incidents) AS n FROM marts.ward_month_counts GROUP BY 1
        ) AS m JOIN (
            SELECT w.vintage, count(*) AS n FROM staging.event_wards AS w
            JOIN staging.events AS e USING (event_id)
            WHERE e.category = 'off_road_bike' AND w.ward_code IS NOT NULL GROUP BY 1
        ) AS a USING (vintage) WHERE m.n <> a.n""",
    "ward_designations name loaded wards and never overlap for one ward": """
        SELECT d.vintage, d.ward_code, d.effective_from FROM marts.ward_designations AS d
        WHERE NOT EXISTS (
            SELECT 1 FROM geo.wards AS w WHERE w.vintage = d.vintage AND w.ward_code = d.ward_code)
           OR EXISTS (
            SELECT 1 FROM marts.ward_designations AS o
            WHERE o.vintage = d.vintage AND o.ward_code = d.ward_code AND o.effective_from > d.effective_from
              AND (d.effective_to IS NULL OR o.effective_from <= d.effective_to))""",
}


def build_marts(con: duckdb.DuckDBPyConnection) -> dict[str, int]:
    """Rebuild every mart in one transaction, run the checks, and return row counts."""
    with transaction(con):
        for name in MARTS:
            con.execute(sql_text(f"marts/{name}.sql"))
    failures = []
    for label, query in CHECKS.items():
        offending = con.execute(query).fetchmany(5)
        if offending:
            failures.append(f"{label}: e.g. {offending}")
    if failures:
        raise MartCheckError("mart checks failed:\n" + "\n".join(failures))
    counts = {}
    for name in MARTS:
        row = con.execute(f"SELECT count(*) FROM {quote_table('marts.' + name)}").fetchone()  # noqa: S608
        counts[name] = int(row[0]) if row else 0
    return counts
