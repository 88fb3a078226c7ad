"""Build the marts: the only tables maps and exports read.

Each mart is one ``.sql`` file under ``endurance/sql/marts`` named after the table it
builds; they are rebuilt whole after every load (they are small: wards x months).
Checks declared beside them (``endurance/sql/checks/marts.sql``) run after every build
and fail loudly.
"""

from __future__ import annotations

from collections.abc import Iterable

import duckdb

from endurance import freshness
from endurance._checks import run_checks
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


def build_marts(con: duckdb.DuckDBPyConnection, *, run_id: str | None = None) -> dict[str, int]:
    """Rebuild every mart in one transaction, run the checks, and return row counts.

    The checks run before the commit: marts that fail them are not kept
    (:class:`~endurance._errors.CheckFailedError`). ``run_id`` names
    the run in the record of what the marts were built from (``endurance.freshness``).
    """
    inputs = freshness.current(con)
    with transaction(con):
        for name in MARTS:
            con.execute(sql_text(f"marts/{name}.sql"))
        run_checks(con, "marts", heading="mart checks failed")
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
    con: duckdb.DuckDBPyConnection, period: Period, vintage: str, *, lad_codes: Iterable[str] | None = None
) -> int:
    """Incidents in a period: the one figure every output gives for it.

    Linked incidents (off-road-bike incidents and shareable intelligence reports, each
    incident counted once however many ways it was reported) placed in a ward of
    ``vintage`` (at a point, or a report naming the ward), in the period's months;
    optionally in some local authorities only (one authority's map, one force's pack).
    The briefing's headline, the map's title and the hotspot analysis's ward figures are
    all this number.
    """
    start, stop = period.bounds
    codes = None if lad_codes is None else list(lad_codes)
    row = con.execute(
        "SELECT coalesce(sum(linked_incidents), 0)::BIGINT FROM marts.ward_month_counts"
        " WHERE vintage = ? AND month >= ?::DATE AND month < ?::DATE"
        " AND (?::VARCHAR[] IS NULL OR list_contains(?::VARCHAR[], lad_code))",
        [vintage, start, stop, codes, codes],
    ).fetchone()
    return int(row[0]) if row else 0


def synthetic_label(con: duckdb.DuckDBPyConnection) -> str | None:
    """Return the synthetic-data label when the warehouse holds any current file from the demo, else None."""
    row = con.execute(
        "SELECT count(*) FROM ops.files AS f JOIN ops.synthetic_files AS s USING (sha256)"
        " WHERE f.superseded_by IS NULL AND f.rows_staged > 0"
    ).fetchone()
    return SYNTHETIC_LABEL if row and row[0] else None


def data_label(con: duckdb.DuckDBPyConnection, given: str | None = None) -> str | None:
    """Return the label an output carries: ``given``, and the synthetic label if synthetic rows are held."""
    synthetic = synthetic_label(con)
    if synthetic is None or (given and "SYNTHETIC" in given.upper()):
        return given
    return f"{synthetic} ({given})" if given else synthetic
