"""Attribute staged events to wards (every loaded vintage) and named hotspots.

Each located event gets exactly one ward per boundary vintage; the rules (interior
first, then the lowest GSS code on shared edges and overlaps, then the nearest ward
within a tolerance for beaches and foreshore, else "outside") are written out in
``endurance/sql/attribution/event_wards.sql``. A report with no point but a named
ward or gazetteer place keeps that precision: it is counted in the ward or hotspot it
names, and no point is made up for it.

Attribution is incremental: only events not yet attributed in a vintage are
processed, so a nightly run costs what arrived that night. ``full=True`` rebuilds.
The joins run in DuckDB's spatial extension, whose spatial join builds an R-tree over
the ward polygons.
"""

from __future__ import annotations

from dataclasses import dataclass

import duckdb

from endurance.geography import ward_vintages
from endurance.warehouse import sql_text, transaction

#: Default distance (metres) within which a point outside every ward is snapped to the
#: nearest one: wide enough for Cleveland's beaches at low tide, narrow enough to
#: refuse points out at sea or across the force boundary.
SNAP_TOLERANCE_M = 400.0


@dataclass(frozen=True)
class AttributionSummary:
    """How many events each rule placed, per vintage, after the run."""

    by_vintage_method: dict[tuple[str, str], int]
    hotspot_links: int

    def describe(self) -> dict[str, object]:
        return {
            "event_wards": {f"{v}:{m}": n for (v, m), n in sorted(self.by_vintage_method.items())},
            "event_hotspots": self.hotspot_links,
        }


def attribute_events(
    con: duckdb.DuckDBPyConnection, *, full: bool = False, tolerance_m: float = SNAP_TOLERANCE_M
) -> AttributionSummary:
    """Attribute every staged event not yet attributed to wards and hotspots.

    Parameters
    ----------
    con
        An open warehouse with geography and staging loaded.
    full
        Drop every existing attribution first and redo all of it.
    tolerance_m
        Snap distance for points outside every ward (see ``SNAP_TOLERANCE_M``).
    """
    vintages = ward_vintages(con)
    if not vintages:
        raise LookupError("no ward boundaries are loaded; load the geography first")
    with transaction(con):
        if full:
            con.execute("DELETE FROM staging.event_hotspots")
            con.execute("DELETE FROM staging.event_wards")
        con.execute(sql_text("attribution/event_hotspots.sql"))
        for vintage in vintages:
            con.execute(
                sql_text("attribution/event_wards.sql"),
                {"vintage": vintage, "tolerance": tolerance_m},
            )
    rows = con.execute("SELECT vintage, method, count(*) FROM staging.event_wards GROUP BY ALL").fetchall()
    links = con.execute("SELECT count(*) FROM staging.event_hotspots").fetchone()
    return AttributionSummary({(v, m): n for v, m, n in rows}, int(links[0]) if links else 0)
