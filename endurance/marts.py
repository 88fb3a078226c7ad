"""Build the marts: the only tables maps and exports read.

Each mart is one ``.sql`` file under ``endurance/sql/marts`` named after the table it
builds; they are rebuilt whole after every load (they are small: wards x months).
Checks declared beside them run after every build and fail loudly.
"""

from __future__ import annotations

import duckdb

from endurance import freshness
from endurance.periods import Period
from endurance.warehouse import quote_table, sql_text, transaction

#: What every output drawn from a warehouse holding a synthetic (demo) row says.
SYNTHETIC_LABEL = "SYNTHETIC DEMO DATA: not real incidents"

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


def build_marts(con: duckdb.DuckDBPyConnection, *, run_id: str | None = None) -> dict[str, int]:
    """Rebuild every mart in one transaction, run the checks, and return row counts.

    The checks run before the commit: marts that fail them are not kept. ``run_id`` names
    the run in the record of what the marts were built from (``endurance.freshness``).
    """
    inputs = freshness.current(con)
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
        freshness.record(con, "marts", inputs, run_id=run_id)
    counts = {}
    for name in MARTS:
        row = con.execute(f"SELECT count(*) FROM {quote_table('marts.' + name)}").fetchone()  # noqa: S608
        counts[name] = int(row[0]) if row else 0
    return counts


# --------------------------------------------------------------------------- what outputs count


def months_with_incidents(con: duckdb.DuckDBPyConnection, vintage: str) -> set[str]:
    """Months (YYYY-MM) with at least one off-road-bike incident loaded: the months a period may cover."""
    rows = con.execute(
        "SELECT strftime(month, '%Y-%m') FROM marts.ward_month_counts WHERE vintage = ?"
        " GROUP BY month HAVING sum(off_road_bike_incidents) > 0",
        [vintage],
    ).fetchall()
    return {r[0] for r in rows}


def no_incidents_message(period: Period, loaded: set[str]) -> str | None:
    """Why nothing can be published for ``period`` (no month of it holds an incident), or None."""
    if any(month in loaded for month in period.months):
        return None
    span = f"{min(loaded)} to {max(loaded)}" if loaded else "none"
    return f"no off-road-bike incidents are loaded for {period.describe()}; months with incidents: {span}"


def period_incidents(
    con: duckdb.DuckDBPyConnection, period: Period, vintage: str, *, lad_code: str | None = None
) -> int:
    """Incidents in a period: the one figure every output gives for it.

    Linked incidents (off-road-bike incidents and shareable intelligence reports, each
    incident counted once however many ways it was reported) placed in a ward of
    ``vintage`` (at a point, or a report naming the ward), in the period's months;
    optionally in one local authority. The briefing's headline, the map's title and the
    hotspot analysis's ward figures are all this number.
    """
    start, stop = period.bounds
    row = con.execute(
        "SELECT coalesce(sum(linked_incidents), 0)::BIGINT FROM marts.ward_month_counts"
        " WHERE vintage = ? AND month >= ?::DATE AND month < ?::DATE AND (? IS NULL OR lad_code = ?)",
        [vintage, start, stop, lad_code, lad_code],
    ).fetchone()
    return int(row[0]) if row else 0


def synthetic_label(con: duckdb.DuckDBPyConnection) -> str | None:
    """The synthetic-data label when the warehouse holds any current file from the demo, else None."""
    row = con.execute(
        "SELECT count(*) FROM ops.files AS f JOIN ops.synthetic_files AS s USING (sha256)"
        " WHERE f.superseded_by IS NULL AND f.rows_staged > 0"
    ).fetchone()
    return SYNTHETIC_LABEL if row and row[0] else None


def data_label(con: duckdb.DuckDBPyConnection, given: str | None = None) -> str | None:
    """The label an output carries: ``given``, and the synthetic label whenever synthetic rows are held."""
    synthetic = synthetic_label(con)
    if synthetic is None or (given and "SYNTHETIC" in given.upper()):
        return given
    return f"{synthetic} ({given})" if given else synthetic
