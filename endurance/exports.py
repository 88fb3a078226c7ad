"""Council ward summaries: one CSV per local authority for a period.

Each row is a ward of the stated boundary vintage with its off-road-bike incidents,
shareable community intelligence (handling code P), the linked incidents those make
(an event reported several ways counted once: ``endurance.linking``), and
police.uk antisocial behaviour reports for the period, the named hotspots that lie in
it, its neighbourhood-policing designation (Strengthen, Support or Sustain) in force on
the last day of the period (empty when none is loaded), and the run that produced the
file. The last row is the authority's total. Counts go through small-number
suppression (``endurance.privacy``); text cells are neutralised against formula
injection. Files are UTF-8 with a byte-order mark so Excel opens them correctly.
"""

from __future__ import annotations

import csv
from pathlib import Path

import duckdb

from endurance.periods import Period
from endurance.privacy import neutralise_formula, suppress_counts

COUNT_COLUMNS = (
    "off_road_bike_incidents",
    "intelligence_reports",
    "linked_incidents",
    "policeuk_asb_reports",
)
TEXT_COLUMNS = (
    "ward_code",
    "ward_name",
    "lad_code",
    "lad_name",
    "boundary_vintage",
    "period_from",
    "period_to",
    "hotspots",
    "designation",
    "produced_by_run",
)
HEADER = [*TEXT_COLUMNS[:7], *COUNT_COLUMNS, *TEXT_COLUMNS[7:]]


def ward_summary_rows(
    con: duckdb.DuckDBPyConnection, lad_code: str, period: Period, vintage: str
) -> list[dict[str, object]]:
    """Return one unsuppressed row per ward of ``lad_code``, from the marts."""
    start, after = period.bounds
    cursor = con.execute(
        """
        WITH in_force AS (  -- the designation on the last day of the period
            SELECT ward_code, designation FROM marts.ward_designations
            WHERE vintage = ? AND effective_from < ?::DATE
              AND (effective_to IS NULL OR effective_to >= ?::DATE - INTERVAL 1 DAY)
        )
        SELECT m.ward_code, m.ward_name, m.lad_code, m.lad_name,
               sum(m.off_road_bike_incidents)::INTEGER, sum(m.intelligence_reports)::INTEGER,
               sum(m.linked_incidents)::INTEGER, sum(m.policeuk_asb_reports)::INTEGER,
               coalesce(any_value(h.hotspot_names), ''), coalesce(any_value(d.designation), '')
        FROM marts.ward_month_counts AS m
        LEFT JOIN marts.ward_hotspots AS h USING (vintage, ward_code)
        LEFT JOIN in_force AS d USING (ward_code)
        WHERE m.vintage = ? AND m.lad_code = ? AND m.month >= ?::DATE AND m.month < ?::DATE
        GROUP BY m.ward_code, m.ward_name, m.lad_code, m.lad_name
        ORDER BY m.ward_name
        """,
        [vintage, after, after, vintage, lad_code, start, after],
    )
    keys = ["ward_code", "ward_name", "lad_code", "lad_name", *COUNT_COLUMNS, "hotspots", "designation"]
    return [dict(zip(keys, row, strict=True)) for row in cursor.fetchall()]


def write_ward_summary_csv(
    rows: list[dict[str, object]],
    path: Path,
    *,
    period: Period,
    vintage: str,
    threshold: int,
    run_id: str,
) -> Path:
    """Write suppressed ward rows and a total row to ``path`` (UTF-8 with BOM)."""
    columns = {
        c: suppress_counts([int(r[c]) for r in rows], threshold)  # type: ignore[call-overload]
        for c in COUNT_COLUMNS
    }
    path.parent.mkdir(parents=True, exist_ok=True)
    with open(path, "w", newline="", encoding="utf-8-sig") as handle:
        writer = csv.writer(handle)
        writer.writerow(HEADER)
        common = {
            "boundary_vintage": vintage,
            "period_from": period.start,
            "period_to": period.end,
            "produced_by_run": run_id,
        }
        for i, row in enumerate(rows):
            out = {"designation": "", **row, **common, **{c: columns[c].cells[i] for c in COUNT_COLUMNS}}
            writer.writerow(
                [neutralise_formula(str(out[h])) if h in TEXT_COLUMNS else out[h] for h in HEADER]
            )
        lad_name = str(rows[0]["lad_name"]) if rows else ""
        total = {
            **common,
            "ward_code": "TOTAL",
            "ward_name": f"All wards of {lad_name}",
            "lad_code": rows[0]["lad_code"] if rows else "",
            "lad_name": lad_name,
            "hotspots": "",
            "designation": "",
            **{c: columns[c].total for c in COUNT_COLUMNS},
        }
        writer.writerow(
            [neutralise_formula(str(total[h])) if h in TEXT_COLUMNS else total[h] for h in HEADER]
        )
    return path


def export_ward_summaries(
    con: duckdb.DuckDBPyConnection,
    out_dir: Path,
    *,
    period: Period,
    vintage: str,
    threshold: int,
    run_id: str,
) -> list[Path]:
    """Write one ward summary CSV per local authority with wards in ``vintage``.

    Files are named ``<lad_code>_<period>.csv``, e.g. ``E06000001_2025-01_to_2025-12.csv``.
    """
    lads = [
        r[0]
        for r in con.execute(
            "SELECT DISTINCT lad_code FROM marts.ward_month_counts WHERE vintage = ? ORDER BY 1",
            [vintage],
        ).fetchall()
    ]
    if not lads:
        raise LookupError(f"no wards of vintage {vintage!r} in the marts; build the marts first")
    return [
        write_ward_summary_csv(
            ward_summary_rows(con, lad, period, vintage),
            out_dir / f"{lad}_{period.label}.csv",
            period=period,
            vintage=vintage,
            threshold=threshold,
            run_id=run_id,
        )
        for lad in lads
    ]
