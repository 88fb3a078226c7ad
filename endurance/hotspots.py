"""Hotspot analysis of one reporting period, from the warehouse into the marts.

:func:`analyse_period` reads the incidents up to the period's end, runs every method of
:mod:`endurance.analysis` on them and replaces the period's rows in six marts, in one
transaction, checking them (``endurance/sql/checks/hotspots.sql``) before it commits:

``marts.density_grid``
    Where the risk grid lies, which method drew it, and how well the method selection
    predicted (nested PAI against the naive baseline) over the months before (one row).
``marts.density_cells``
    Risk (expected incidents per km² in the month after the period), raw count,
    hotspot flag and Gi* class of every study cell that has some risk or a significant
    class.
``marts.hotspot_areas``
    Hotspot cells dissolved into named areas (1 = most incidents), with change against
    the previous period and the same period last year, trend, peak days and hours.
``marts.ward_analysis``
    Every ward of the boundary vintage: counts, change, Gi* and trend.
``marts.temporal_profile``
    Hour of day by day of week (Europe/London), overall and per hotspot area.
``marts.method_backtest``
    Every candidate method's and the selection procedure's scores, month by month
    (stream ``incidents``; :func:`endurance.backtests.backtest_stream` writes it for any
    stream).

The map's surface
    Every candidate of :mod:`endurance.analysis.forecast` is backtested on all loaded
    history up to the period's end (:mod:`endurance.analysis.selection`); the one with
    the best mean PAI over the most recent scored months is fitted on that history and
    forecasts the month after the period. Its top cells are the hotspot cells. No month
    after the period is read.

What is counted
    Linked incidents (``staging.linked_incidents``): off-road-bike incidents and
    shareable intelligence reports, each incident counted once however many ways it was
    reported, at its representative's point and time: the unit of the council ward
    counts (``marts.ward_month_counts.linked_incidents``). The grid methods use the
    incidents with a point; the ward figures are those ward counts themselves.

Analysis areas
    Each period is analysed per analysis area (:class:`endurance.forces.AnalysisArea`):
    every loaded force's area, and the joint operation of them all when there are
    several. The area's rows of each mart carry its key (``analysis_area``). The study
    area is the union of the area's police force areas: the grid covers its bounds and
    the study cells are those whose centre lies in it. Its incidents are those
    attributed to those force areas, its wards those of its local authorities, and its
    hotspot areas are named after the gazetteer places that lie in it.

Defaults and overrides (keyword arguments of :func:`analyse_period`)
    ``cell_m=100`` (about a street block); ``coverage=0.05``: hotspot cells are the
    cells of highest risk covering 5 % of the study area; ``window=6``: the selection
    looks back over six scored months.

Gi* is computed on the period's raw counts (cells: queen contiguity, wards: polygons
that touch), with p-values by randomization (see :mod:`endurance.analysis.gistar`)
adjusted by Benjamini-Hochberg. Change uses the conditional binomial test, trends
Mann-Kendall on the monthly counts of the period.
"""

from __future__ import annotations

import json
import math
import time
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

import duckdb
import geopandas as gpd
import numpy as np
import pandas as pd
import shapely
from shapely.geometry.base import BaseGeometry

from endurance import DISPLAY_CRS, PROJECT_CRS, warehouse
from endurance._checks import run_checks
from endurance.analysis.change import change_test, compare_periods, relative_change
from endurance.analysis.density import DEFAULT_CELL_M, HotspotArea, dissolve_hotspots, hotspot_cells
from endurance.analysis.forecast import DEFAULT_CANDIDATES, EventHistory, Method, method_from_name
from endurance.analysis.gistar import area_weights, getis_ord_gi_star, grid_gi_star
from endurance.analysis.grid import DensityGrid, count_grid
from endurance.analysis.selection import NESTED, SELECTION_WINDOW, Backtest, backtest
from endurance.analysis.temporal import peak_days, peak_hours, temporal_profile
from endurance.analysis.trend import mann_kendall, trend_label
from endurance.backtests import DEFAULT_COVERAGE, check_linked, replace_backtest, study_area_of
from endurance.forces import AnalysisArea, analysis_area, analysis_areas
from endurance.geography.official import loaded_forces
from endurance.periods import Period, add_months
from endurance.warehouse import quote_table, transaction

#: A ward is listed for a hotspot area when they overlap by at least this much (a tenth of a cell).
MIN_WARD_OVERLAP_M2 = 1_000.0
#: The marts written, in the order they are replaced.
TABLES = (
    "density_grid",
    "density_cells",
    "hotspot_areas",
    "ward_analysis",
    "temporal_profile",
)


@dataclass(frozen=True)
class _Incidents:
    """Located linked incidents: point, month (``YYYY-MM``) and local time."""

    x: np.ndarray
    y: np.ndarray
    month: np.ndarray
    occurred_at: pd.Series

    def within(self, period: Period) -> _Incidents:
        keep = (self.month >= period.start) & (self.month <= period.end)
        return _Incidents(self.x[keep], self.y[keep], self.month[keep], self.occurred_at[keep])


@dataclass(frozen=True)
class _Wards:
    """The wards of one vintage, with polygons keyed by display name."""

    table: pd.DataFrame  # ward_code, ward_name, lad_code, lad_name, name (unique), geometry
    vintage: str

    def by_name(self) -> dict[str, BaseGeometry]:
        return dict(zip(self.table["name"], self.table["geometry"], strict=True))

    def by_code(self) -> dict[str, BaseGeometry]:
        return dict(zip(self.table["ward_code"], self.table["geometry"], strict=True))


def analyse_period(
    con: duckdb.DuckDBPyConnection,
    period: Period,
    *,
    vintage: str,
    cell_m: float = DEFAULT_CELL_M,
    coverage: float = DEFAULT_COVERAGE,
    window: int = SELECTION_WINDOW,
    candidates: tuple[Method, ...] = DEFAULT_CANDIDATES,
    area: AnalysisArea | None = None,
) -> dict[str, Any]:
    """Analyse one period's incidents in one analysis area and replace its rows in the hotspot marts.

    Parameters
    ----------
    con
        The warehouse, with events attributed and linked and the marts built.
    period
        The reporting period.
    vintage
        Ward boundary vintage for the ward figures and the wards hotspot areas are
        named after.
    cell_m, coverage, window
        Grid cell size (metres), share of the study area flagged, and scored months each
        method selection looks back over; see the module notes.
    candidates
        The methods the map's surface is chosen from, simplest first.
    area
        The force area or the joint operation analysed (:func:`analysis_areas_loaded`);
        default the widest: the joint operation when several forces are loaded.

    Returns
    -------
    dict
        A summary for the run record: incidents, hotspot areas and the top names, hot
        Gi* cells, the selected method and the selection's nested PAI against naive.
    """
    started = time.perf_counter()
    _check_ready(con, vintage)
    area = area or analysis_area(None, loaded_forces(con))
    study_area = study_area_of(con, area)
    wards = _wards(con, vintage, area)
    history = _incidents(con, period.end, area)
    months = len(period.months)
    recent = history.within(Period(min(period.shifted(-months).start, period.shifted(-12).start), period.end))
    current = history.within(period)

    events = EventHistory(history.x, history.y, history.month, extent=study_area.bounds, cell_m=cell_m)
    study = events.layout.mask_within(study_area)
    tested = backtest(events, study=study, candidates=candidates, window=window, coverage=coverage)
    forecast = add_months(period.end, 1)
    risk = tested.selected.fit(events, forecast)
    layout = events.layout
    grid = DensityGrid(
        layout.x0,
        layout.y0,
        layout.cell_m,
        risk / layout.cell_area_km2,
        _bandwidth(tested.selected) or 0.0,
        "expected incidents per km² per month",
    )
    counts = count_grid(current.x, current.y, grid)
    flagged = hotspot_cells(grid, coverage=coverage, study_mask=study)
    gi_z, gi_p, gi_class = _cell_gi_star(counts, study)
    places = _gazetteer(con, study_area)
    areas = dissolve_hotspots(grid, flagged, places=places, wards=wards.by_name(), rank_by=counts)
    area_of = _area_of_incidents(grid, areas, recent)

    tables = {
        "density_grid": _density_grid_frame(period, grid, study, flagged, current, history, tested, vintage),
        "density_cells": _density_cells_frame(period, grid, counts, study, flagged, gi_z, gi_p, gi_class),
        "hotspot_areas": _hotspot_areas_frame(period, areas, recent, area_of, wards),
        "ward_analysis": _ward_analysis_frame(con, period, wards, _areas_by_ward(areas, wards)),
        "temporal_profile": _temporal_frame(period, current, area_of[_in(recent.month, period)], len(areas)),
    }
    with transaction(con):
        _replace(con, area, period, tables)
        replace_backtest(con, "incidents", tested, cell_m, area=area.key)
    accuracy = map_accuracy(con, period, area.key)
    return {
        "area": area.key,
        "period": period.label,
        "vintage": vintage,
        "incidents": int(current.x.size),
        "hotspots": len(areas),
        "top": [area.name for area in areas[:3]],
        "hot_cells": int(np.isin(gi_class, ["hot_99", "hot_95", "hot_90"]).sum()),
        "method": tested.selected.name,
        "accuracy": accuracy,
        "seconds": round(time.perf_counter() - started, 2),
    }


def map_accuracy(
    con: duckdb.DuckDBPyConnection, period: Period, area: str | None = None
) -> dict[str, Any] | None:
    """Return the method the period's map of ``area`` is drawn with and how well its selection predicted.

    ``area`` is an analysis area's key (default the widest loaded: :func:`area_key`).

    Keys: ``method``, ``label`` (plain words), ``forecast_month``, ``coverage``,
    ``backtest_from``, ``backtest_to`` (``YYYY-MM``), ``months``, ``window``, and the mean
    PAI and hit rate over those months of the selection procedure, nested
    (``nested_pai``, ``nested_hit_rate``), of the naive baseline (``naive_pai``,
    ``naive_hit_rate``) and of the selected method itself (``method_pai``); ``by_month``
    lists each month's chosen method and PAI beside naive's. None when the period was
    not analysed; the figures are None when no month could be scored.
    """
    area = area_key(con, area)
    row = con.execute(
        "SELECT method, method_label, strftime(forecast_month, '%Y-%m'), coverage,"
        " strftime(backtest_from, '%Y-%m'), strftime(backtest_to, '%Y-%m'), backtest_months,"
        " nested_pai, nested_hit_rate, naive_pai, naive_hit_rate, method_pai, selection_window, cell_m"
        " FROM marts.density_grid WHERE analysis_area = ? AND period = ?",
        [area, period.label],
    ).fetchone()
    if row is None:
        return None
    keys = (
        "method", "label", "forecast_month", "coverage", "backtest_from", "backtest_to", "months",
        "nested_pai", "nested_hit_rate", "naive_pai", "naive_hit_rate", "method_pai", "window", "cell_m",
    )  # fmt: skip
    found = dict(zip(keys, row, strict=True))
    found["by_month"] = []
    if found["backtest_from"]:
        label = Period(found["backtest_from"], found["backtest_to"]).label
        months = con.execute(
            "SELECT strftime(n.scored_month, '%Y-%m'), n.selected_method, n.incidents, n.pai, b.pai"
            " FROM marts.method_backtest AS n JOIN marts.method_backtest AS b USING"
            " (analysis_area, stream, period, coverage, cell_m, selection_window, scored_month)"
            " WHERE n.analysis_area = ? AND n.stream = 'incidents' AND n.period = ? AND n.coverage = ?"
            " AND n.cell_m = ? AND n.selection_window = ? AND n.method = ? AND b.family = 'naive'"
            " AND n.in_summary ORDER BY 1",
            [area, label, found["coverage"], found["cell_m"], found["window"], NESTED],
        ).fetchall()
        found["by_month"] = [
            {"month": m, "method": _plain(name), "incidents": n, "pai": pai, "naive_pai": naive}
            for m, name, n, pai, naive in months
        ]
    return found


def _plain(name: str) -> str:
    """Return a candidate's description in plain words, or its name when it is no longer a candidate."""
    try:
        return method_from_name(name).describe()
    except ValueError:
        return name


def _bandwidth(method: Method) -> float | None:
    value = method.params.get("bandwidth_m")
    return float(value) if value is not None else None


# --------------------------------------------------------------------------- reading


def _check_ready(con: duckdb.DuckDBPyConnection, vintage: str) -> None:
    vintages = [r[0] for r in con.execute("SELECT DISTINCT vintage FROM geo.wards ORDER BY 1").fetchall()]
    if vintage not in vintages:
        raise LookupError(f"ward vintage {vintage!r} is not loaded; loaded: {vintages or 'none'}")
    built = con.execute(
        "SELECT count(*) FROM information_schema.tables"
        " WHERE table_schema = 'marts' AND table_name = 'ward_month_counts'"
    ).fetchone()
    if not built or not built[0]:
        raise LookupError("marts.ward_month_counts does not exist: build the marts (build_marts) first")
    check_linked(con)


def _gazetteer(con: duckdb.DuckDBPyConnection, study_area: BaseGeometry) -> dict[str, BaseGeometry]:
    """Return the gazetteers' places in the study area: hotspot areas are named after them."""
    rows = con.execute("SELECT name, ST_AsWKB(geom_27700) FROM geo.hotspots ORDER BY name").fetchall()
    places = {name: shapely.from_wkb(bytes(wkb)) for name, wkb in rows}
    return {name: place for name, place in places.items() if place.intersects(study_area)}


def _wards(con: duckdb.DuckDBPyConnection, vintage: str, area: AnalysisArea) -> _Wards:
    table = con.execute(
        "SELECT ward_code, ward_name, lad_code, lad_name, ST_AsWKB(geom_27700) AS wkb FROM geo.wards"
        " WHERE vintage = ? AND list_contains(?, lad_code) ORDER BY ward_code",
        [vintage, list(area.lad_codes)],
    ).df()
    table["geometry"] = shapely.from_wkb([bytes(w) for w in table.pop("wkb")])
    # A ward name used twice in a vintage is told apart by its authority.
    shared = table["ward_name"].duplicated(keep=False)
    table["name"] = table["ward_name"].where(~shared, table["ward_name"] + ", " + table["lad_name"])
    return _Wards(table, vintage)


def _incidents(con: duckdb.DuckDBPyConnection, last: str, area: AnalysisArea) -> _Incidents:
    """Every located linked incident in ``area`` up to the end of month ``last``: all loaded history.

    An incident is in the area when it was attributed to one of its force areas (where
    it happened, whichever force reported it).
    """
    frame = con.execute(
        "SELECT x, y, strftime(month, '%Y-%m') AS month, occurred_at FROM staging.linked_incidents"
        " WHERE x IS NOT NULL AND month < ?::DATE AND incident_id IN (SELECT event_id"
        " FROM staging.event_force_areas WHERE list_contains(?, pfa_code)) ORDER BY incident_id",
        [f"{add_months(last, 1)}-01", list(area.force_codes)],
    ).df()
    return _Incidents(
        frame["x"].to_numpy(dtype=float),
        frame["y"].to_numpy(dtype=float),
        frame["month"].to_numpy(dtype=str),
        frame["occurred_at"].reset_index(drop=True),
    )


def _in(month: np.ndarray, period: Period) -> np.ndarray:
    return (month >= period.start) & (month <= period.end)


def _covered(months: np.ndarray, window: Period) -> bool:
    """Whether every month of ``window`` is among ``months`` (the months holding any incident)."""
    return set(window.months) <= set(months.tolist())


# --------------------------------------------------------------------------- cells


def _gi_class(label: str) -> str:
    """``'hot 99%'`` -> ``'hot_99'``; ``'not significant'`` -> ``'not_significant'``."""
    return label.replace("%", "").replace(" ", "_")


def _cell_gi_star(counts: DensityGrid, study: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Gi* z, adjusted p and class for every cell (NaN and 'not_significant' outside the study area)."""
    z = np.full(counts.shape, np.nan)
    p = np.full(counts.shape, np.nan)
    label = np.full(counts.shape, "not_significant", dtype=object)
    values = counts.values[study]
    if values.size < 2 or np.ptp(values) == 0:
        return z, p, label
    result = grid_gi_star(counts, study)
    z[study] = result.z
    p[study] = result.p_adjusted
    label[study] = [_gi_class(v) for v in result.label]
    return z, p, label


def _lon_lat(x: np.ndarray, y: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    points = gpd.GeoSeries(gpd.points_from_xy(x, y), crs=PROJECT_CRS).to_crs(DISPLAY_CRS)
    return points.x.to_numpy(), points.y.to_numpy()


def _density_grid_frame(
    period: Period,
    grid: DensityGrid,
    study: np.ndarray,
    flagged: np.ndarray,
    current: _Incidents,
    history: _Incidents,
    tested: Backtest,
    vintage: str,
) -> pd.DataFrame:
    ny, nx = grid.shape
    flagged_values = grid.values[flagged]
    method = tested.selected
    evaluated = tested.evaluated
    nested, naive, own = (tested.figure(m) for m in (NESTED, tested.baseline.name, method.name))
    return pd.DataFrame(
        [
            {
                "period": period.label,
                "origin_x": grid.x0,
                "origin_y": grid.y0,
                "cell_m": grid.cell_m,
                "nx": nx,
                "ny": ny,
                "method": method.name,
                "method_family": method.family,
                "method_params": json.dumps(method.params),
                "method_label": method.describe(),
                "bandwidth_m": _bandwidth(method),
                "forecast_month": _first_day(add_months(period.end, 1)),
                "coverage": tested.coverage,
                "threshold_km2": float(flagged_values.min()) if flagged_values.size else math.nan,
                "max_km2": float(grid.values[study].max()) if study.any() else 0.0,
                "incidents": int(current.x.size),
                "history_incidents": int(history.x.size),
                "history_from": _first_day(min(history.month.tolist())) if history.month.size else None,
                "study_cells": int(study.sum()),
                "vintage": vintage,
                "hotspot_cells": int(flagged.sum()),
                "selection_window": tested.window,
                "backtest_from": _first_day(evaluated[0]) if evaluated else None,
                "backtest_to": _first_day(evaluated[-1]) if evaluated else None,
                "backtest_months": len(evaluated),
                "nested_pai": nested["pai"],
                "nested_hit_rate": nested["hit_rate"],
                "naive_pai": naive["pai"],
                "naive_hit_rate": naive["hit_rate"],
                "method_pai": own["pai"],
                "analysed_at": datetime.now(),
            }
        ]
    )


def _first_day(month: str) -> date:
    return date.fromisoformat(f"{month}-01")


def _density_cells_frame(
    period: Period,
    grid: DensityGrid,
    counts: DensityGrid,
    study: np.ndarray,
    flagged: np.ndarray,
    gi_z: np.ndarray,
    gi_p: np.ndarray,
    gi_class: np.ndarray,
) -> pd.DataFrame:
    keep = study & ((grid.values > 0) | (gi_class != "not_significant"))
    rows, cols = np.nonzero(keep)
    cx, cy = grid.centres()
    lon, lat = _lon_lat(cx[keep], cy[keep])
    return pd.DataFrame(
        {
            "period": period.label,
            "col": cols.astype(np.int32),
            "row": rows.astype(np.int32),
            "x": cx[keep],
            "y": cy[keep],
            "lon": lon,
            "lat": lat,
            "density_km2": grid.values[keep],
            "incidents": counts.values[keep].astype(np.int32),
            "hotspot": flagged[keep],
            "gi_z": gi_z[keep],
            "gi_p": gi_p[keep],
            "gi_class": gi_class[keep].astype(str),
        }
    )


# --------------------------------------------------------------------------- areas


def _area_of_incidents(grid: DensityGrid, areas: list[HotspotArea], incidents: _Incidents) -> np.ndarray:
    """Return the area id (1 = first area) holding each incident's cell, 0 for none."""
    nrows, ncols = grid.shape
    area_of_cell = np.zeros(nrows * ncols, dtype=np.int64)
    for number, area in enumerate(areas, start=1):
        area_of_cell[area.cells] = number
    row, col = grid.cell_of(incidents.x, incidents.y)
    inside = row >= 0
    found = np.zeros(incidents.x.size, dtype=np.int64)
    found[inside] = area_of_cell[row[inside] * ncols + col[inside]]
    return found


def _change_and_p_value(current: int, before: int, *, known: bool) -> tuple[float | None, float | None]:
    """Relative change (None when there was nothing before) and the change test's p-value.

    ``known`` is False when the warehouse holds no incidents at all in some month of
    the earlier window: its data do not cover that window, so the count there is not
    comparable and no p-value is given.
    """
    return relative_change(current, before), (change_test(current, before).p_value if known else None)


def _trend(series: list[int]) -> tuple[str, float | None, float | None]:
    """Trend label, Kendall's tau and Mann-Kendall p; 'none' for fewer than three months."""
    if len(series) < 3:
        return "none", None, None
    test = mann_kendall(series)
    tau = test.s / (test.n * (test.n - 1) / 2)
    return trend_label(series), tau, test.p_value


def _ward_overlaps(geometry: BaseGeometry, wards: _Wards) -> pd.DataFrame:
    """Wards a hotspot area overlaps, most overlapped first (the nearest when it overlaps none)."""
    table = wards.table
    overlap = shapely.area(shapely.intersection(table["geometry"].to_numpy(), geometry))
    found = table.assign(overlap=overlap)
    found = found[found["overlap"] >= MIN_WARD_OVERLAP_M2].sort_values(
        ["overlap", "ward_code"], ascending=[False, True]
    )
    if found.empty:
        distance = shapely.distance(table["geometry"].to_numpy(), geometry)
        found = table.iloc[[int(np.argmin(distance))]]
    return found


def _hotspot_areas_frame(
    period: Period, areas: list[HotspotArea], history: _Incidents, area_of: np.ndarray, wards: _Wards
) -> pd.DataFrame:
    months = period.months
    windows = {
        "incidents": period,
        "previous": period.shifted(-len(months)),
        "last_year": period.shifted(-12),
    }
    known = {key: _covered(history.month, w) for key, w in windows.items()}
    geometries = gpd.GeoSeries([a.geometry for a in areas], crs=PROJECT_CRS).to_crs(DISPLAY_CRS)
    rows = []
    for number, (area, geometry) in enumerate(zip(areas, geometries, strict=True), start=1):
        mine = area_of == number
        counted = {key: int((mine & _in(history.month, w)).sum()) for key, w in windows.items()}
        monthly = [int((mine & (history.month == m)).sum()) for m in months]
        trend, tau, mk_p = _trend(monthly)
        profile = temporal_profile(history.occurred_at[mine & _in(history.month, period)])
        overlapping = _ward_overlaps(area.geometry, wards)
        change_previous, p_previous = _change_and_p_value(
            counted["incidents"], counted["previous"], known=known["previous"]
        )
        change_last_year, p_last_year = _change_and_p_value(
            counted["incidents"], counted["last_year"], known=known["last_year"]
        )
        rows.append(
            {
                "period": period.label,
                "area_id": number,
                "name": area.name,
                "named_after": "gazetteer" if area.named_after == "place" else "ward",
                "ward_names": ", ".join(overlapping["ward_name"]),
                "lad_codes": ", ".join(dict.fromkeys(overlapping["lad_code"])),
                "wkb": shapely.to_wkb(geometry),
                "area_km2": area.area_km2,
                **counted,
                "change_previous": change_previous,
                "p_previous": p_previous,
                "change_last_year": change_last_year,
                "p_last_year": p_last_year,
                "trend": trend,
                "mk_tau": tau,
                "mk_p": mk_p,
                "peak_days": peak_days(profile),
                "peak_hours": peak_hours(profile),
                "monthly": json.dumps(monthly),
                "n_cells": area.n_cells,
                "peak_km2": area.peak,
            }
        )
    columns = [
        "period", "area_id", "name", "named_after", "ward_names", "lad_codes", "wkb", "area_km2",
        "incidents", "previous", "last_year", "change_previous", "p_previous", "change_last_year",
        "p_last_year", "trend", "mk_tau", "mk_p", "peak_days", "peak_hours", "monthly", "n_cells", "peak_km2",
    ]  # fmt: skip
    return pd.DataFrame(rows, columns=columns)


# --------------------------------------------------------------------------- wards


def _areas_by_ward(areas: list[HotspotArea], wards: _Wards) -> dict[str, str]:
    """Return the hotspot areas overlapping each ward (in area order), as ``'; '``-joined names."""
    found: dict[str, list[str]] = {}
    for area in areas:
        for code in _ward_overlaps(area.geometry, wards)["ward_code"]:
            found.setdefault(code, []).append(area.name)
    return {code: "; ".join(names) for code, names in found.items()}


def _ward_analysis_frame(
    con: duckdb.DuckDBPyConnection, period: Period, wards: _Wards, areas: dict[str, str]
) -> pd.DataFrame:
    counts = con.execute(
        "SELECT ward_code, strftime(month, '%Y-%m') AS month, linked_incidents AS count"
        " FROM marts.ward_month_counts WHERE vintage = ? AND list_contains(?, ward_code)",
        [wards.vintage, wards.table["ward_code"].tolist()],
    ).df()
    table = wards.table[["ward_code", "ward_name", "lad_code", "lad_name"]].copy()
    compared = compare_periods(counts, period, area="ward_code").set_index("ward_code")
    compared = compared[["current", "previous", "year_ago"]].reindex(table["ward_code"], fill_value=0)
    table["incidents"] = compared["current"].to_numpy(dtype=int)
    table["previous"] = compared["previous"].to_numpy(dtype=int)
    table["last_year"] = compared["year_ago"].to_numpy(dtype=int)
    months_with_data = counts.loc[counts["count"] > 0, "month"].to_numpy(dtype=str)
    windows = {"previous": period.shifted(-len(period.months)), "last_year": period.shifted(-12)}
    for key in ("previous", "last_year"):
        known = _covered(months_with_data, windows[key])
        pairs = zip(table["incidents"], table[key], strict=True)
        changes = [_change_and_p_value(int(c), int(b), known=known) for c, b in pairs]
        table[f"change_{key}"] = [c for c, _ in changes]
        table[f"p_{key}"] = [p for _, p in changes]
    monthly = (
        counts[counts["month"].isin(period.months)]
        .pivot_table(index="ward_code", columns="month", values="count", aggfunc="sum", fill_value=0)
        .reindex(index=table["ward_code"], columns=period.months, fill_value=0)
    )
    trends = [_trend([int(v) for v in monthly.loc[code]]) for code in table["ward_code"]]
    table["trend"] = [t for t, _, _ in trends]
    table["mk_tau"] = [tau for _, tau, _ in trends]
    table["mk_p"] = [p for _, _, p in trends]
    table["gi_z"], table["gi_p"], table["gi_class"] = _ward_gi_star(table, wards)
    table["hotspot_areas"] = [areas.get(code, "") for code in table["ward_code"]]
    table.insert(0, "vintage", wards.vintage)
    table.insert(0, "period", period.label)
    return table


def _ward_gi_star(table: pd.DataFrame, wards: _Wards) -> tuple[np.ndarray, np.ndarray, list[str]]:
    values = table["incidents"].to_numpy(dtype=float)
    if values.size < 2 or np.ptp(values) == 0:
        return np.full(values.size, np.nan), np.full(values.size, np.nan), ["not_significant"] * values.size
    weights = area_weights(wards.by_code())
    ordered = table.set_index("ward_code").loc[list(weights.id_order), "incidents"].to_numpy(dtype=float)
    result = getis_ord_gi_star(ordered, weights, inference="randomization")
    position = {code: k for k, code in enumerate(result.ids)}
    index = [position[code] for code in table["ward_code"]]
    return result.z[index], result.p_adjusted[index], [_gi_class(result.label[k]) for k in index]


# --------------------------------------------------------------------------- time


def _temporal_frame(period: Period, current: _Incidents, area_of: np.ndarray, n_areas: int) -> pd.DataFrame:
    frames = []
    scopes = [("all", np.ones(area_of.size, dtype=bool))]
    scopes += [(str(n), area_of == n) for n in range(1, n_areas + 1)]
    for scope, mine in scopes:
        profile = temporal_profile(current.occurred_at[mine])
        long = profile.to_numpy()  # hours x weekdays
        hour, day = np.meshgrid(np.arange(24), np.arange(7), indexing="ij")
        frames.append(
            pd.DataFrame(
                {
                    "period": period.label,
                    "scope": scope,
                    "day_of_week": day.ravel().astype(np.int32),
                    "hour": hour.ravel().astype(np.int32),
                    "incidents": long.ravel().astype(np.int32),
                }
            )
        )
    return pd.concat(frames, ignore_index=True)


# --------------------------------------------------------------------------- writing


def _replace(
    con: duckdb.DuckDBPyConnection, area: AnalysisArea, period: Period, tables: dict[str, pd.DataFrame]
) -> None:
    """Replace the area's rows of the period in every mart, and check them (in the caller's transaction)."""
    start, stop = period.bounds
    for name in TABLES:
        target = quote_table(f"marts.{name}")
        con.execute(
            f"DELETE FROM {target} WHERE analysis_area = ? AND period = ?",  # noqa: S608 (quoted)
            [area.key, period.label],
        )
        warehouse.insert_frame(con, target, tables[name].assign(analysis_area=area.key))
    run_checks(
        con,
        "hotspots",
        heading=f"hotspot analysis of {period.label} ({area.label}) failed its checks",
        params={
            "area": area.key,
            "period": period.label,
            "start": start,
            "stop": stop,
            "lad_codes": list(area.lad_codes),
        },
    )


def analysis_areas_loaded(con: duckdb.DuckDBPyConnection) -> tuple[AnalysisArea, ...]:
    """Return the analysis areas of the forces whose boundaries the warehouse holds."""
    return analysis_areas(loaded_forces(con))


def area_key(con: duckdb.DuckDBPyConnection, key: str | None) -> str:
    """Return the key of analysis area ``key`` of the loaded forces (``None``: the widest), checked.

    Raises
    ------
    ArgumentError
        When the loaded forces have no such area.
    """
    return analysis_area(key, loaded_forces(con)).key
