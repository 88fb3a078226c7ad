"""Council ward summaries: per local authority and force-wide, as CSV, XLSX and GeoPackage.

Each row is an electoral ward of the stated boundary vintage with, for a period:

- **off-road-bike incidents**, the headline figure: control-room incidents classified as
  off-road-bike incidents, every call counted, as in the operation's published figures
  (3,911 reports in the twelve months to October 2017). It is what the change against
  the previous period and the same period last year, and the ward's rank, are about;
- **linked incidents**: the same incidents and the shared community intelligence with
  each incident counted once however many ways it was reported (``endurance.linking``),
  kept beside the headline as the de-duplicated picture;
- community intelligence reports (handling code P; C as well only where
  ``Settings.share_handling_c`` records an information-sharing agreement), s.59
  warnings and seizures, deliberate secondary fires, and police.uk antisocial
  behaviour reports for context;
- the named hotspots in the ward, the hotspot areas of the period's tasking map lying in
  it (drawn by the method that predicted best in a backtest, ``endurance.analysis``), and
  its Strengthen/Support/Sustain designation.

Authority total rows follow each authority's wards; the force-wide file ends with the
force total. Every count column goes through disclosure control over the whole
force-wide table at once (``endurance.privacy.suppress_groups``), so a ward shows the
same cell in its authority's file and in the force-wide file and no combination of the
files gives a suppressed count back. Derived figures reveal nothing more: a change is
shown only where both counts it subtracts are shown, and ranks order only wards whose
count is shown (and above zero), so a rank cannot narrow a suppressed count down.

The table is built once (``build_ward_summary``) and each format writes the same cells:
CSV (UTF-8 with a byte-order mark, for Excel), XLSX (formatted header, frozen panes,
numbers as numbers and suppressed cells as text, a Notes sheet) and GeoPackage (ward
polygons in British National Grid, suppressed cells NULL and named in ``not_shown``).
Text cells are neutralised against formula injection in every format.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, replace
from datetime import datetime
from pathlib import Path

import duckdb
import geopandas as gpd
import shapely

from endurance import PROJECT_CRS, _tabular, freshness, hotspots, marts, warehouse
from endurance._errors import ExportError, NotLoadedError
from endurance._tabular import Cell, Column
from endurance.forces import DEFAULT_PROFILES, JOINT, AnalysisArea, ForceProfile, force_of_lad
from endurance.geography.official import loaded_forces
from endurance.periods import Period, latest_period
from endurance.privacy import SECONDARY, SharingRules, neutralise_formula, suppress_groups
from endurance.settings import Settings
from endurance.warehouse import sql_text

FORMATS = ("csv", "xlsx", "gpkg")
#: Scope name of the force-wide file (all local authorities), used in its file name.
FORCE_SCOPE = "force"
#: Shown where a comparison period is not fully covered by the loaded data.
NOT_AVAILABLE = "[x]"

COLUMNS: tuple[Column, ...] = (
    Column(
        "row_type",
        "text",
        "ward: one electoral ward; authority total: all wards of the local authority; "
        "force total: all wards of every local authority in the table.",
        15,
    ),
    Column("ward_code", "text", "ONS GSS code of the electoral ward (E05...); empty in total rows.", 11),
    Column("ward_name", "text", "Ward name as published by ONS for the boundary vintage.", 30),
    Column("lad_code", "text", "ONS code of the local authority (E06...).", 11),
    Column("lad_name", "text", "Local authority name.", 22),
    Column(
        "boundary_vintage",
        "text",
        "Ward boundaries the figures are attributed to (ONS Wards, December of that year).",
        9,
    ),
    Column("period_from", "text", "First month of the reporting period (YYYY-MM).", 9),
    Column("period_to", "text", "Last month of the reporting period (YYYY-MM), inclusive.", 9),
    Column(
        "previous_period",
        "text",
        "The months compared in previous_period_incidents: as many months as the period, just before it.",
        19,
    ),
    Column(
        "last_year_period",
        "text",
        "The months compared in same_period_last_year_incidents: the period's months a year earlier.",
        19,
    ),
    Column(
        "off_road_bike_incidents",
        "count",
        "Headline figure. Control-room incidents in the period classified as off-road-bike incidents "
        "(closed as a section 59 warning or seizure, or an off-road bike named in the log), by the ward "
        "they were located in. Every call counts, as in the operation's published figures.",
    ),
    Column("previous_period_incidents", "count", "off_road_bike_incidents in previous_period."),
    Column(
        "change_vs_previous_period",
        "change",
        "off_road_bike_incidents minus previous_period_incidents. [c] where either count is suppressed "
        "(so the change cannot give a suppressed count back); [x] where the previous period is not fully "
        "covered by the loaded data.",
    ),
    Column("same_period_last_year_incidents", "count", "off_road_bike_incidents in last_year_period."),
    Column(
        "change_vs_same_period_last_year",
        "change",
        "off_road_bike_incidents minus same_period_last_year_incidents; [c] and [x] as for "
        "change_vs_previous_period.",
    ),
    Column(
        "rank_in_lad",
        "rank",
        "Position of the ward by off_road_bike_incidents among the authority's wards whose count is shown "
        "and above zero (1 = most; ties share a rank). Wards with a suppressed count or none are not "
        "ranked (empty), so a rank cannot narrow a suppressed count down.",
        9,
    ),
    Column(
        "rank_in_force",
        "rank",
        "As rank_in_lad, among the wards of every local authority in the force area.",
        9,
    ),
    Column(
        "linked_incidents",
        "count",
        "Off-road-bike incidents and shared community intelligence reports with each incident counted "
        "once however many ways it was reported (repeat calls, a call and a resident's report), placed "
        "in the ward of the incident's earliest control-room record: the de-duplicated picture.",
    ),
    Column(
        "intelligence_reports",
        "count",
        "Community intelligence reports (residents, councillors, partners) located in the ward, counting "
        "the handling codes in intelligence_handling. Counts only: no intelligence content leaves the "
        "police.",
    ),
    Column(
        "s59_warnings",
        "count",
        "Section 59 (Police Reform Act 2002) warnings recorded in the period where they were given; "
        "outcomes recorded without a location are not counted.",
    ),
    Column("s59_seizures", "count", "Vehicles seized under section 59, counted like s59_warnings."),
    Column(
        "deliberate_secondary_fires",
        "count",
        "Secondary fires (grass, heath, moorland, refuse, derelict vehicles) recorded as started "
        "deliberately by the fire and rescue service of the ward's force area.",
    ),
    Column(
        "policeuk_asb_reports",
        "count",
        "Antisocial behaviour reports published on data.police.uk (all antisocial behaviour, not only "
        "off-road bikes), for context.",
    ),
    Column(
        "hotspots",
        "text",
        "Named hotspots of the operation's gazetteer lying at least partly (over 1 ha) in the ward.",
        30,
    ),
    Column(
        "tasking_hotspots",
        "text",
        "Hotspot areas of the tasking map for the period lying at least partly (0.1 ha) in the ward: the "
        "cells of highest predicted risk for the month after the period, by the method that predicted "
        "best over recent months (see Notes, Tasking hotspots).",
        30,
    ),
    Column(
        "designation",
        "text",
        "Neighbourhood-policing designation (Strengthen, Support or Sustain) in force on the last day of "
        "the period; empty when none is loaded.",
        12,
    ),
    Column(
        "intelligence_handling",
        "text",
        "Handling codes counted in intelligence_reports and linked_incidents: P (lawful sharing "
        "permitted), or P and C where an information-sharing agreement is configured "
        "(ENDURANCE_SHARE_HANDLING_C).",
        11,
    ),
    Column(
        "produced_by_run", "text", "The pipeline run that wrote this file (ops.runs in the warehouse).", 14
    ),
    Column(
        "data_label",
        "text",
        "SYNTHETIC DEMO DATA when the warehouse the figures come from holds synthetic (demo) rows; "
        "empty for real data.",
        14,
    ),
)
COLUMN_NAMES = [c.name for c in COLUMNS]
COUNT_COLUMNS = [c.name for c in COLUMNS if c.kind == "count"]
TEXT_COLUMNS = [c.name for c in COLUMNS if c.kind == "text"]
#: Change columns: (name, comparison count column).
CHANGES = {
    "change_vs_previous_period": "previous_period_incidents",
    "change_vs_same_period_last_year": "same_period_last_year_incidents",
}


def sources(forces: Sequence[ForceProfile]) -> tuple[str, ...]:
    """Return where a summary's figures come from, naming the ``forces`` whose wards it covers."""
    police = " and ".join(force.name for force in forces)
    fire = " and ".join(force.fire_service for force in forces)
    places = ", ".join(f"geodata/{force.gazetteer.name}" for force in forces if force.gazetteer)
    return (
        f"Off-road-bike incidents: {police} command-and-control incident logs.",
        f"Community intelligence: reports to {police} graded 3x5x2 (counts only).",
        "s.59 warnings and seizures: enforcement outcomes recorded by the police, councils and housing "
        "providers.",
        f"Deliberate secondary fires: {fire} incident records.",
        "Antisocial behaviour context: data.police.uk street-level crime and ASB.",
        f"Named hotspots: the operation's gazetteer ({places}).",
    )


LICENCES = (
    "Ward boundaries: Source: Office for National Statistics licensed under the Open Government Licence "
    "v3.0. Contains OS data (c) Crown copyright and database right.",
    "data.police.uk: Contains public sector information licensed under the Open Government Licence v3.0.",
)


@dataclass(frozen=True)
class WardSummary:
    """A suppressed ward summary table, ready for every format.

    ``rows`` hold the published cells by column name: ``int`` for a number shown,
    ``str`` for text and for markers (``<5``, ``[c]``, ``[x]``, or empty ranks).
    """

    scope: str  # a local authority code, or FORCE_SCOPE
    scope_name: str
    rows: list[dict[str, Cell]]
    period: Period
    vintage: str
    threshold: int
    run_id: str
    share_handling_c: bool
    previous_covered: bool
    year_earlier_covered: bool
    months_with_incidents: int
    tasking: str = ""
    data_label: str | None = None  # set when the warehouse holds synthetic (demo) rows
    forces: tuple[ForceProfile, ...] = DEFAULT_PROFILES  # the forces whose wards the rows cover

    @property
    def stem(self) -> str:
        """File name without suffix, e.g. ``E06000001_2025-01_to_2025-12``."""
        return f"{self.scope}_{self.period.label}"

    def for_lad(self, lad_code: str) -> WardSummary:
        """Return the rows of one local authority (its wards and its total), cells unchanged."""
        rows = [r for r in self.rows if r["lad_code"] == lad_code and r["row_type"] != "force total"]
        if not rows:
            raise ExportError(f"no wards of local authority {lad_code!r} in the summary")
        mine = tuple(force for force in self.forces if lad_code in force.lad_codes) or self.forces
        return replace(self, scope=lad_code, scope_name=str(rows[0]["lad_name"]), rows=rows, forces=mine)


# --- building the table -------------------------------------------------------------


def _ward_rows(
    con: duckdb.DuckDBPyConnection, period: Period, vintage: str, share_handling_c: bool
) -> list[dict[str, object]]:
    """Return one unsuppressed row per ward of ``vintage``, ordered by authority and name."""
    start, after = period.bounds
    previous_start, previous_after = period.previous().bounds
    year_start, year_after = period.year_earlier().bounds
    cursor = con.execute(
        sql_text("exports/ward_summary.sql"),
        {
            "vintage": vintage,
            "start": start,
            "after": after,
            "previous_start": previous_start,
            "previous_after": previous_after,
            "year_start": year_start,
            "year_after": year_after,
            "share_c": share_handling_c,
            "period": period.label,
            "joint": JOINT,
        },
    )
    return warehouse.records(cursor)


def ward_summary_rows(
    con: duckdb.DuckDBPyConnection,
    lad_code: str,
    period: Period,
    vintage: str,
    *,
    share_handling_c: bool = False,
) -> list[dict[str, object]]:
    """Return one row per ward of ``lad_code`` with its counts, unsuppressed (police use only)."""
    return [r for r in _ward_rows(con, period, vintage, share_handling_c) if r["lad_code"] == lad_code]


def _cell(shown: str) -> Cell:
    return int(shown) if shown.isdigit() else shown


def _difference(current: Cell, comparison: Cell) -> Cell:
    """Return ``current - comparison`` of two shown counts; n/a or suppressed when either is not a number."""
    if comparison == NOT_AVAILABLE:
        return NOT_AVAILABLE
    if isinstance(current, int) and isinstance(comparison, int):
        return current - comparison
    return SECONDARY


def _force_key(lad_code: str) -> str:
    """Return the key of the force whose area holds the authority; empty for an unknown authority."""
    force = force_of_lad(lad_code)
    return force.key if force else ""


def _ranks(rows: list[dict[str, Cell]], key: str) -> None:
    """Rank rows by shown, non-zero headline counts within ``key`` (1 = most, ties share).

    ``rank_in_lad`` ranks within the ward's authority, ``rank_in_force`` within its force area.
    """
    groups: dict[Cell, list[dict[str, Cell]]] = {}
    for row in rows:
        groups.setdefault(
            row["lad_code"] if key == "rank_in_lad" else _force_key(str(row["lad_code"])), []
        ).append(row)
    for members in groups.values():
        shown = sorted(
            (v for r in members if isinstance(v := r["off_road_bike_incidents"], int) and v > 0),
            reverse=True,
        )
        for row in members:
            value = row["off_road_bike_incidents"]
            row[key] = shown.index(value) + 1 if isinstance(value, int) and value > 0 else ""


def _suppressed_columns(
    wards: list[dict[str, object]], lads: list[str], threshold: int
) -> dict[str, tuple[list[list[str]], list[str], str]]:
    """Per count column: shown ward cells by authority, authority totals, force total."""
    result = {}
    for column in COUNT_COLUMNS:
        groups = [[int(w[column]) for w in wards if w["lad_code"] == lad] for lad in lads]  # type: ignore[call-overload]
        table = suppress_groups(groups, threshold)
        result[column] = ([g.cells for g in table.groups], [g.total for g in table.groups], table.total)
    return result


def _table_rows(
    wards: list[dict[str, object]],
    *,
    threshold: int,
    common: dict[str, Cell],
    not_covered: set[str],
) -> list[dict[str, Cell]]:
    """Lay out ward rows, authority totals and the force total with published cells."""
    lads = list(dict.fromkeys(str(w["lad_code"]) for w in wards))
    shown = _suppressed_columns(wards, lads, threshold)
    rows: list[dict[str, Cell]] = []
    for g, lad in enumerate(lads):
        members = [w for w in wards if w["lad_code"] == lad]
        for i, ward in enumerate(members):
            rows.append(
                {
                    "row_type": "ward",
                    **{k: str(ward[k]) for k in ("ward_code", "ward_name", "lad_code", "lad_name")},
                    **common,
                    "hotspots": str(ward["hotspots"]),
                    "tasking_hotspots": str(ward["tasking_hotspots"]),
                    "designation": str(ward["designation"]),
                    **{c: _cell(shown[c][0][g][i]) for c in COUNT_COLUMNS},
                }
            )
        lad_name = str(members[0]["lad_name"])
        rows.append(
            {
                "row_type": "authority total",
                "ward_code": "",
                "ward_name": f"Total: {lad_name}",
                "lad_code": lad,
                "lad_name": lad_name,
                **common,
                "hotspots": "",
                "tasking_hotspots": "",
                "designation": "",
                **{c: _cell(shown[c][1][g]) for c in COUNT_COLUMNS},
            }
        )
    rows.append(
        {
            "row_type": "force total",
            "ward_code": "",
            "ward_name": "Total: all local authorities",
            "lad_code": "",
            "lad_name": "",
            **common,
            "hotspots": "",
            "tasking_hotspots": "",
            "designation": "",
            **{c: _cell(shown[c][2]) for c in COUNT_COLUMNS},
        }
    )
    for row in rows:
        for name in not_covered:
            row[name] = NOT_AVAILABLE
        for change, comparison in CHANGES.items():
            row[change] = _difference(row["off_road_bike_incidents"], row[comparison])
    ward_rows = [r for r in rows if r["row_type"] == "ward"]
    _ranks(ward_rows, "rank_in_lad")
    _ranks(ward_rows, "rank_in_force")
    for row in rows:
        row.setdefault("rank_in_lad", "")
        row.setdefault("rank_in_force", "")
        for name in TEXT_COLUMNS:
            row[name] = neutralise_formula(str(row[name]))
    return [{name: row[name] for name in COLUMN_NAMES} for row in rows]


def build_ward_summary(
    con: duckdb.DuckDBPyConnection,
    *,
    period: Period,
    vintage: str,
    threshold: int,
    run_id: str,
    share_handling_c: bool = False,
) -> WardSummary:
    """Build the force-wide ward summary for ``period``, suppressed; slice it with ``for_lad``.

    Raises
    ------
    ExportError
        No wards of ``vintage`` are in the marts, or no off-road-bike incident is loaded
        for any month of ``period``.
    """
    wards = _ward_rows(con, period, vintage, share_handling_c)
    if not wards:
        raise ExportError(f"no wards of vintage {vintage!r} in the marts; build the marts first")
    loaded = marts.months_with_incidents(con, vintage)
    refusal = marts.no_incidents_message(period, loaded)
    if refusal:
        raise ExportError(refusal)
    label = marts.data_label(con)
    previous_covered = set(period.previous().months) <= loaded
    year_covered = set(period.year_earlier().months) <= loaded
    common: dict[str, Cell] = {
        "boundary_vintage": vintage,
        "period_from": period.start,
        "period_to": period.end,
        "previous_period": period.previous().describe(),
        "last_year_period": period.year_earlier().describe(),
        "intelligence_handling": "P and C" if share_handling_c else "P",
        "produced_by_run": run_id,
        "data_label": label or "",
    }
    not_covered = {
        column
        for column, is_covered in (
            ("previous_period_incidents", previous_covered),
            ("same_period_last_year_incidents", year_covered),
        )
        if not is_covered
    }
    rows = _table_rows(wards, threshold=threshold, common=common, not_covered=not_covered)
    return WardSummary(
        scope=FORCE_SCOPE,
        scope_name="All local authorities",
        rows=rows,
        period=period,
        vintage=vintage,
        threshold=threshold,
        run_id=run_id,
        share_handling_c=share_handling_c,
        previous_covered=previous_covered,
        year_earlier_covered=year_covered,
        months_with_incidents=sum(month in loaded for month in period.months),
        tasking=_tasking_note(con, period),
        data_label=label,
        forces=loaded_forces(con),
    )


def _tasking_note(con: duckdb.DuckDBPyConnection, period: Period) -> str:
    """How the tasking maps' hotspot areas were drawn, and how well their methods predicted."""
    areas = [area for area in hotspots.analysis_areas_loaded(con) if len(area.forces) == 1]
    notes = [_tasking_note_of(con, period, area) for area in areas]
    if len(notes) == 1:
        return notes[0]
    return "Each ward's tasking hotspots are those of its own force's map. " + " ".join(
        f"{area.name}: {note}" for area, note in zip(areas, notes, strict=True)
    )


def _tasking_note_of(con: duckdb.DuckDBPyConnection, period: Period, area: AnalysisArea) -> str:
    accuracy = hotspots.map_accuracy(con, period, area.key)
    if accuracy is None:
        return "The period has not been analysed, so no tasking hotspot areas are given."
    drawn = (
        f"The hotspot areas of the tasking map for {period.describe()}: the cells of highest predicted "
        f"risk for {accuracy['forecast_month']}, covering {accuracy['coverage']:.0%} of the force area, "
        f"drawn with {accuracy['label']}."
    )
    if accuracy["nested_pai"] is None:
        return drawn + " Too little history to test the method against later months yet."
    return drawn + (
        f" It predicted best of the methods tried over {accuracy['backtest_from']} to "
        f"{accuracy['backtest_to']}: choosing each month's method from earlier months only, the hotspots "
        f"had a Predictive Accuracy Index of {accuracy['nested_pai']:.1f} (share of the next month's "
        f"incidents caught over share of the area flagged), against {accuracy['naive_pai']:.1f} for the "
        "busiest cells of the last 3 months."
    )


# --- notes shared by XLSX and GeoPackage --------------------------------------------


def notes(summary: WardSummary) -> list[tuple[str, str]]:
    """Return what a reader needs to use the figures: period, vintage, rules, sources, run."""
    t = summary.threshold
    period = summary.period

    def comparison(p: Period, covered: bool) -> str:
        return p.describe() + (
            "" if covered else f" (not fully covered by loaded data: shown as {NOT_AVAILABLE})"
        )

    return [
        ("Title", "Operation Endurance: off-road motorbike ward summary"),
        *([("Data", summary.data_label)] if summary.data_label else []),
        (
            "Area",
            summary.scope_name if summary.scope == FORCE_SCOPE else f"{summary.scope_name} ({summary.scope})",
        ),
        (
            "Period",
            f"{period.describe()} ({len(period.months)} month(s); {summary.months_with_incidents} with data)",
        ),
        ("Previous period", comparison(period.previous(), summary.previous_covered)),
        ("Same period last year", comparison(period.year_earlier(), summary.year_earlier_covered)),
        ("Boundary vintage", f"{summary.vintage} electoral wards (ONS)"),
        ("Tasking hotspots", summary.tasking),
        (
            "Suppression",
            f"Counts from 1 to {t - 1} are shown as <{t}; zeros are shown as 0. [c] in a ward row is a count "
            f"of at least {t} withheld so that a smaller count cannot be worked out from the totals; [c] in "
            "a total row is a withheld total. Suppression is applied across the force-wide table, so every "
            "file of this run shows the same cells. Changes are shown only where both counts are shown; "
            "ranks order only wards whose count is shown.",
        ),
        (
            "Intelligence",
            "Handling codes counted: "
            + (
                "P and C (C under the configured information-sharing agreement)."
                if summary.share_handling_c
                else "P only (lawful sharing permitted)."
            ),
        ),
        ("Sources", " ".join(sources(summary.forces))),
        ("Licences", " ".join(LICENCES)),
        ("Produced by run", summary.run_id),
        ("Produced at", f"{datetime.now():%Y-%m-%d %H:%M}"),
        ("Markers", f"<{t}: 1 to {t - 1}. [c]: withheld (confidential). [x]: not available."),
    ]


# --- writers ------------------------------------------------------------------------


def write_csv(summary: WardSummary, path: Path) -> Path:
    """Write ``summary`` as CSV, UTF-8 with a byte-order mark so Excel reads it correctly."""
    return _tabular.write_csv(path, COLUMNS, summary.rows)


def write_xlsx(summary: WardSummary, path: Path) -> Path:
    """Write ``summary`` as an Excel workbook: the table (totals bold), then a Notes sheet."""
    return _tabular.write_xlsx(
        path,
        COLUMNS,
        summary.rows,
        sheet="Ward summary",
        notes=notes(summary),
        emphasised=[r["row_type"] != "ward" for r in summary.rows],
        frozen_columns=3,  # row type, ward code and name stay in view
        properties={
            "title": f"Ward summary {summary.scope_name} {summary.period.describe()}",
            "subject": "Operation Endurance: off-road motorbike ward summary",
            "comments": f"Produced by run {summary.run_id}",
        },
    )


def write_gpkg(summary: WardSummary, path: Path, wards: gpd.GeoDataFrame) -> Path:
    """Write ``summary`` as a GeoPackage for QGIS: ward polygons, authority totals, notes.

    ``wards`` holds ``ward_code`` and polygon geometry in EPSG:27700 (``ward_polygons``).
    Layers are named ``ward_summary_<area>_<period>`` and ``authority_totals_<area>_<period>``
    (the force total's shape is every authority together).
    """
    if wards.crs is None or wards.crs.to_string() != PROJECT_CRS:
        raise ExportError(f"ward polygons must be in {PROJECT_CRS}, got {wards.crs}")
    by_code = wards.set_index("ward_code").geometry
    ward_rows = [r for r in summary.rows if r["row_type"] == "ward"]
    missing = sorted({str(r["ward_code"]) for r in ward_rows} - set(by_code.index))
    if missing:
        raise ExportError(f"no polygon for ward(s) {', '.join(missing[:5])} of vintage {summary.vintage}")
    by_lad = {
        lad: shapely.union_all([by_code[str(r["ward_code"])] for r in ward_rows if r["lad_code"] == lad])
        for lad in dict.fromkeys(r["lad_code"] for r in ward_rows)
    }
    total_rows = [r for r in summary.rows if r["row_type"] != "ward"]
    layers = [
        _tabular.Layer(
            f"ward_summary_{summary.stem}", ward_rows, [by_code[str(r["ward_code"])] for r in ward_rows]
        ),
        _tabular.Layer(
            f"authority_totals_{summary.stem}",
            total_rows,
            [
                by_lad[r["lad_code"]]
                if r["row_type"] == "authority total"
                else shapely.union_all(list(by_lad.values()))
                for r in total_rows
            ],
        ),
    ]
    description = (
        f"Operation Endurance ward summary, {summary.scope_name}, {summary.period.describe()}, "
        f"{summary.vintage} wards; produced by run {summary.run_id}. Counts 1-{summary.threshold - 1} "
        "and secondary suppressions are NULL and named in not_shown; see the notes table."
    )
    return _tabular.write_gpkg(
        path, COLUMNS, layers, crs=PROJECT_CRS, notes=notes(summary), description=description
    )


def ward_polygons(con: duckdb.DuckDBPyConnection, vintage: str) -> gpd.GeoDataFrame:
    """Ward polygons of ``vintage`` in British National Grid, for the GeoPackage."""
    frame = con.execute(
        "SELECT ward_code, ST_AsWKB(geom_27700) AS wkb FROM geo.wards WHERE vintage = ? ORDER BY ward_code",
        [vintage],
    ).df()
    return gpd.GeoDataFrame(
        {"ward_code": frame["ward_code"]},
        geometry=gpd.GeoSeries.from_wkb([bytes(b) for b in frame["wkb"]], crs=PROJECT_CRS),
    )


# --- the entry point ----------------------------------------------------------------


def local_authorities(con: duckdb.DuckDBPyConnection, vintage: str) -> dict[str, str]:
    """Local authority codes and names with wards of ``vintage`` in the marts."""
    built = con.execute(
        "SELECT 1 FROM information_schema.tables"
        " WHERE table_schema = 'marts' AND table_name = 'ward_month_counts'"
    ).fetchone()
    if not built:  # a warehouse with boundaries only: nothing to export, and says so in one line
        raise NotLoadedError(
            "no ward counts are built yet: load incidents and run `endurance attribute` "
            "(or `endurance run`) first"
        )
    rows = con.execute(
        "SELECT DISTINCT lad_code, lad_name FROM marts.ward_month_counts WHERE vintage = ? ORDER BY 1",
        [vintage],
    ).fetchall()
    return dict(rows)


def check_formats(formats: Sequence[str]) -> tuple[str, ...]:
    """Return ``formats`` lower-cased and de-duplicated, or fail naming the valid ones."""
    wanted = tuple(dict.fromkeys(f.strip().lower() for f in formats if f.strip()))
    unknown = [f for f in wanted if f not in FORMATS]
    if unknown or not wanted:
        raise ExportError(
            f"unknown export format {', '.join(map(repr, unknown)) or '(none given)'}; "
            f"valid formats: {', '.join(FORMATS)}"
        )
    return wanted


def _check_lad(lad: str, lads: dict[str, str]) -> None:
    if lad not in lads:
        valid = ", ".join(f"{code} ({name})" for code, name in lads.items())
        raise ExportError(f"unknown local authority {lad!r}; valid: {valid}, or all")


def export_ward_summaries(
    con: duckdb.DuckDBPyConnection,
    out_dir: Path,
    *,
    period: Period,
    vintage: str,
    sharing: SharingRules,
    run_id: str,
    formats: Sequence[str] = ("csv",),
    lad: str | None = None,
) -> list[Path]:
    """Write ward summaries: one file per local authority and format, and the force-wide file.

    Files are named ``<lad_code>_<period>.<format>`` and ``force_<period>.<format>``, e.g.
    ``E06000001_2025-01_to_2025-12.xlsx``. With ``lad`` set to an authority code (not
    ``"all"``), only that authority's files are written. ``sharing`` sets the suppression
    threshold and the intelligence handling codes counted. ``con`` must be writable when the
    period has not been analysed yet: its tasking hotspot areas come from the analysis.

    Raises
    ------
    ExportError
        An unknown format or local authority (the message lists the valid ones), or
        nothing to export for the period.
    StaleDataError
        When the marts (or the attribution and links they are built from) are older than
        the staged rows they cover; ``run_ward_export`` brings them up to date first.
    """
    wanted = check_formats(formats)
    freshness.require_fresh(con, command="endurance export wards")
    lads = local_authorities(con, vintage)
    if lad not in (None, "all"):
        _check_lad(str(lad), lads)
    if marts.months_with_incidents(con, vintage) & set(period.months):
        # The tasking hotspots column: the period's analysis, made or brought up to date.
        freshness.refresh(con, period=period, vintage=vintage, run_id=run_id)
    summary = build_ward_summary(
        con,
        period=period,
        vintage=vintage,
        threshold=sharing.threshold,
        run_id=run_id,
        share_handling_c=sharing.share_handling_c,
    )
    scopes = (
        [summary.for_lad(code) for code in lads] + [summary]
        if lad in (None, "all")
        else [summary.for_lad(str(lad))]
    )
    polygons = ward_polygons(con, vintage) if "gpkg" in wanted else None
    paths = []
    for scope in scopes:
        for fmt in wanted:
            path = out_dir / f"{scope.stem}.{fmt}"
            if fmt == "csv":
                paths.append(write_csv(scope, path))
            elif fmt == "xlsx":
                paths.append(write_xlsx(scope, path))
            else:
                assert polygons is not None
                paths.append(write_gpkg(scope, path, polygons))
    return paths


@dataclass(frozen=True)
class ExportRun:
    """What one ``endurance export wards`` run wrote."""

    run_id: str
    period: Period
    paths: list[Path]


def run_ward_export(
    settings: Settings,
    *,
    lad: str = "all",
    period: Period | None = None,
    formats: Sequence[str] = FORMATS,
    out_dir: Path | None = None,
) -> ExportRun:
    """Write ward summaries from the warehouse in ``settings``, recorded as a run in ``ops.runs``.

    ``period`` defaults to the latest twelve months with incidents; ``out_dir`` to
    ``$ENDURANCE_OUT/exports``. The run record lists every file with its size and sha256.
    """
    wanted = check_formats(formats)
    if not settings.db_path.exists():
        raise ExportError(
            f"no warehouse at {settings.db_path}; run `endurance run` or `endurance demo` first"
        )
    out = out_dir or settings.exports_dir
    with warehouse.connect(settings.db_path) as con:
        lads = local_authorities(con, settings.output_vintage)
        if lad != "all":
            _check_lad(lad, lads)
        chosen = period or latest_period(con)
        record = warehouse.RunRecord(
            flow="cli-export-wards",
            settings=settings.describe(),
            parameters={"lad": lad, "period": chosen.label, "formats": list(wanted), "out_dir": str(out)},
        )
        with warehouse.recording(con, record):
            # Newly loaded incidents reach the councils' figures: bring the marts up to date first.
            refreshed = freshness.refresh(con, run_id=record.run_id)
            paths = export_ward_summaries(
                con,
                out,
                period=chosen,
                vintage=settings.output_vintage,
                sharing=SharingRules(settings.suppression_threshold, settings.share_handling_c),
                run_id=record.run_id,
                formats=wanted,
                lad=lad,
            )
            record.outputs = [warehouse.output_file(p) for p in paths]
            record.counts = {"period": chosen.label, "files": len(paths), **refreshed}
    return ExportRun(record.run_id, chosen, paths)
