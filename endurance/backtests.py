"""Backtests of the hotspot methods on a stream of events held in the warehouse.

A backtest asks how well each candidate method of :mod:`endurance.analysis.forecast`
would have predicted, had it been used: for every month that can be scored, each method
is fitted on the months before it only and its top cells (``coverage`` of the study
area) are scored on the incidents of that month (hit rate, PAI); the nested selection
procedure is scored beside them, so its figure never sees the month it is judged on
(:mod:`endurance.analysis.selection` does the arithmetic; this module reads the events
and stores the scores).

A stream is what is counted: ``incidents`` (linked off-road-bike incidents and
shareable intelligence) or ``policeuk_asb`` (police.uk antisocial behaviour). Scores go
to ``marts.method_backtest``, one set of rows per stream, months reported on, coverage,
cell size and selection window; rerunning a backtest replaces its rows. The study area
is a police force area, loaded with the official boundaries.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

import duckdb
import pandas as pd
import shapely
from shapely.geometry.base import BaseGeometry

from endurance import warehouse
from endurance.analysis.density import DEFAULT_CELL_M
from endurance.analysis.forecast import DEFAULT_CANDIDATES, EventHistory
from endurance.analysis.selection import SELECTION_WINDOW, Backtest, backtest, scorable_months
from endurance.forces import AnalysisArea, analysis_area, profiles_in_use
from endurance.geography import ensure_official_layers, official
from endurance.geography.official import loaded_forces
from endurance.periods import Period, add_months
from endurance.settings import Settings
from endurance.warehouse import transaction

#: Default share of the study area flagged as hotspot cells.
DEFAULT_COVERAGE = 0.05
#: The event streams a backtest can be run on: what each counts, from the warehouse.
STREAMS = {
    "incidents": (
        "linked off-road-bike incidents and shareable intelligence",
        "SELECT x, y, strftime(month, '%Y-%m') AS month FROM staging.linked_incidents"
        " WHERE x IS NOT NULL AND month < ?::DATE",
    ),
    "policeuk_asb": (
        "police.uk antisocial behaviour",
        "SELECT x, y, strftime(month, '%Y-%m') AS month FROM staging.events"
        " WHERE category = 'asb_context' AND x IS NOT NULL AND month < ?::DATE",
    ),
}


def backtest_stream(
    con: duckdb.DuckDBPyConnection,
    stream: str,
    *,
    first: str | None = None,
    last: str | None = None,
    coverage: float = DEFAULT_COVERAGE,
    cell_m: float = DEFAULT_CELL_M,
    area: str | None = None,
) -> tuple[Backtest, str]:
    """Backtest every candidate on one stream of the warehouse and store the scores.

    Parameters
    ----------
    stream
        A key of :data:`STREAMS`: ``incidents`` or ``policeuk_asb``.
    first, last
        The months to report on (``YYYY-MM``): the scorable months from ``first`` to
        ``last``; with ``last`` alone, the :data:`SELECTION_WINDOW` most recent scorable
        months up to it; with neither, the most recent of all. No month after ``last`` is read.
        Every method of :data:`DEFAULT_CANDIDATES` is scored.
    coverage, cell_m
        As for :func:`endurance.hotspots.analyse_period`.
    area
        The analysis area whose grid the stream is scored on: a loaded force's key, or
        ``joint``; default the widest (:func:`endurance.forces.analysis_area`).

    Returns
    -------
    tuple
        The :class:`~endurance.analysis.selection.Backtest` and the label under which its
        rows were stored in ``marts.method_backtest`` (the months reported on).
    """
    if stream not in STREAMS:
        raise ValueError(f"stream must be one of {', '.join(STREAMS)}, got {stream!r}")
    if stream == "incidents":
        check_linked(con)
    scored = analysis_area(area, loaded_forces(con))
    study_area = study_area_of(con, scored)
    if first and last and last < first:
        raise ValueError(f"the months to report on end ({last}) before they start ({first})")
    upto = add_months(last, 1) if last else "9999-12"
    frame = con.execute(STREAMS[stream][1], [f"{upto}-01"]).df()
    if frame.empty:
        raise LookupError(
            f"the warehouse holds no located {STREAMS[stream][0]} to backtest: load some with "
            "`endurance ingest` and run `endurance attribute`"
        )
    events = EventHistory(frame["x"], frame["y"], frame["month"], extent=study_area.bounds, cell_m=cell_m)
    evaluate = [m for m in scorable_months(events) if m >= first] if first else None
    tested = backtest(
        events,
        study=events.layout.mask_within(study_area),
        evaluate=evaluate,
        candidates=DEFAULT_CANDIDATES,
        window=SELECTION_WINDOW,
        coverage=coverage,
    )
    if not tested.evaluated:
        asked = " to ".join(dict.fromkeys(m for m in (first, last) if m)) or "the warehouse"
        held = f"{events.months[0]} to {events.months[-1]}, {len(events.months)} months with data"
        raise LookupError(
            f"no month in {asked} can be scored: a month needs {STREAMS[stream][0]} in it and in "
            f"some month before it (held: {held})"
        )
    with transaction(con):
        label = replace_backtest(con, stream, tested, cell_m, area=scored.key)
    return tested, label


def record_backtest(
    settings: Settings,
    stream: str,
    *,
    first: str | None = None,
    last: str | None = None,
    coverage: float = DEFAULT_COVERAGE,
    cell_m: float = DEFAULT_CELL_M,
    area: str | None = None,
) -> dict[str, Any]:
    """Run :func:`backtest_stream` on the settings' warehouse and record it in the run ledger.

    The official boundaries are loaded first (from ``settings.geodata_dir``, else the
    other routes of :func:`endurance.geography.resolve_geodata_dir`) when the warehouse
    holds none yet, as after loading police.uk files alone.

    Returns :meth:`Backtest.report` with the ``stream``, the ``period`` label its rows
    are stored under in ``marts.method_backtest``, ``cell_m``, the analysis ``area`` and the ``run_id``.
    """
    options = {"from": first, "to": last, "coverage": coverage, "cell_m": cell_m, "area": area}
    record = warehouse.RunRecord(
        flow="cli-backtest", settings=settings.describe(), parameters={"stream": stream, **options}
    )
    with warehouse.connect(settings.db_path) as con, warehouse.recording(con, record):
        ensure_official_layers(con, env_dir=settings.geodata_dir, forces=profiles_in_use(settings))
        area = analysis_area(area, loaded_forces(con)).key
        tested, label = backtest_stream(
            con, stream, first=first, last=last, coverage=coverage, cell_m=cell_m, area=area
        )
        report = tested.report()
        record.counts["backtest"] = {
            "period": label,
            "selected": report["selected"]["method"],
            "nested_pai": report["selected"]["pai"],
            "naive_pai": report["naive"]["pai"],
        }
    return {
        "stream": stream,
        "period": label,
        "cell_m": cell_m,
        "area": area,
        "run_id": record.run_id,
        **report,
    }


def backtest_label(tested: Backtest) -> str:
    """Return the label a backtest's rows are stored under: the months it reports on."""
    if not tested.evaluated:
        return "none"
    return Period(tested.evaluated[0], tested.evaluated[-1]).label


def replace_backtest(
    con: duckdb.DuckDBPyConnection, stream: str, tested: Backtest, cell_m: float, *, area: str
) -> str:
    """Replace one backtest's rows in ``marts.method_backtest`` (inside the caller's transaction)."""
    label = backtest_label(tested)
    key = [area, stream, label, tested.coverage, cell_m, tested.window]
    con.execute(
        "DELETE FROM marts.method_backtest WHERE analysis_area = ? AND stream = ? AND period = ?"
        " AND coverage = ? AND cell_m = ? AND selection_window = ?",
        key,
    )
    frame = tested.scores.copy()
    frame["in_summary"] = frame["scored_month"].isin(tested.evaluated)
    frame["scored_month"] = pd.to_datetime(frame["scored_month"] + "-01").dt.date
    frame.insert(0, "selection_window", tested.window)
    frame.insert(0, "cell_m", cell_m)
    frame.insert(0, "coverage", tested.coverage)
    frame.insert(0, "period", label)
    frame.insert(0, "stream", stream)
    frame.insert(0, "analysis_area", area)
    frame["computed_at"] = datetime.now()
    warehouse.insert_frame(con, "marts.method_backtest", frame)
    return label


def study_area_of(con: duckdb.DuckDBPyConnection, area: AnalysisArea) -> BaseGeometry:
    """Return the study area of the grid methods in ``area``: its police force areas (British National Grid).

    Raises
    ------
    LookupError
        When a force area of ``area`` is not loaded.
    """
    return shapely.union_all([official.force_area(con, code) for code in area.force_codes])


def check_linked(con: duckdb.DuckDBPyConnection) -> None:
    """Raise LookupError when an incident or shareable report is not linked yet.

    ``endurance attribute`` links them.
    """
    unlinked = con.execute(
        "SELECT count(*) FROM staging.events AS e ANTI JOIN staging.event_groups AS g USING (event_id)"
        " WHERE e.category = 'off_road_bike' OR (e.category = 'community_intelligence' AND e.shareable)"
    ).fetchone()
    if unlinked and unlinked[0]:
        raise LookupError(
            f"{unlinked[0]} incident(s) are not linked yet: run `endurance attribute` first (it links them)"
        )
