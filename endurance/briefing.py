"""The tasking briefing pack: one self-contained page per meeting, with a PDF and a PNG.

A multi-agency tasking meeting decides where patrols, barriers and the Rural Task Force
go next. The pack puts on one page what that decision needs, in the order the meeting
reads it:

1. the headline: off-road-bike incidents in the period against the previous period
   and the same period last year, month by month;
2. the top hotspots (``marts.hotspot_areas``) with their change, trend and peak times;
3. when incidents happen: a day-of-week by hour-of-day table for patrol timing;
4. the hotspot map (a PNG of the map, with the interactive HTML map beside the pack);
5. the busiest wards with change, Gi* class, designation and named hotspots;
6. enforcement outcomes since the last meeting (counts by type, repeat s.59);
7. community intelligence received, by grading (counts only, handling code P unless
   sharing C-coded items is configured);
8. data quality: files loaded, rejected rows by reason, the unlocated share;
9. how well the previous map predicted: its Predictive Accuracy Index against the
   naive baseline.

Everything comes from marts and the operations ledger, which hold counts, never
personal data or intelligence text; every text value is escaped by the template.

Analysis areas
    A pack covers one analysis area (:class:`endurance.forces.AnalysisArea`): a force
    area, or the joint operation of every force loaded. Its hotspots, timing, wards and
    map's accuracy are the area's own analysis (``analysis_area`` of the marts); its
    headline counts the wards of the area's local authorities. Outcomes, intelligence,
    the monthly chart and the unlocated shares count the events placed in the area:
    attributed to one of its force areas (where they happened, whichever force reported
    them), or, for a report with no point, naming one of its wards. An event no force
    area holds (no location, or beyond every force area loaded) belongs to no one force:
    only the widest pack (the joint operation, or the only force) counts it, so with one
    force loaded the pack counts exactly what it did before there were areas. Files
    loaded and rejected rows are not split by force (a file may hold both forces' rows):
    every pack gives the warehouse's figures, and says so when several forces are loaded.

The *period* is the twelve whole months up to the last complete month before the
meeting (or the latest month with incidents, when data lag behind). "Since the last
meeting" means from the previous meeting's day (by default a week earlier) up to the
day before this one.
"""

from __future__ import annotations

import base64
import json
import tempfile
from dataclasses import dataclass, field, replace
from datetime import date, timedelta
from pathlib import Path
from typing import Any

import duckdb
import jinja2
import pandas as pd

from endurance import _browser, _publish, analysis, freshness, hotspots, maps, marts, warehouse
from endurance._errors import ArgumentError, NotLoadedError
from endurance._publish import Stamp
from endurance.forces import AnalysisArea, analysis_area, analysis_areas, area_suffix
from endurance.geography.official import loaded_forces
from endurance.grading import CHANNELS, INTELLIGENCE_ASSESSMENT, SOURCE_EVALUATION
from endurance.periods import Period
from endurance.sources.outcomes import OUTCOME_TYPES

TEMPLATES = Path(__file__).parent / "templates"
WEEKDAYS = ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun")
#: How many hotspots and wards the pack lists.
TOP_HOTSPOTS = 5
TOP_WARDS = 15


@dataclass(frozen=True)
class Meeting:
    """A tasking meeting: its day, the previous meeting's day and the months analysed."""

    day: date
    since: date
    period: Period

    @property
    def last_28_days(self) -> date:
        """The first day of the 28 days up to the meeting (the meeting day not included)."""
        return self.day - timedelta(days=28)


def _month(d: date) -> str:
    return f"{d.year:04d}-{d.month:02d}"


def _add_months(month: str, n: int) -> str:
    year, mon = map(int, month.split("-"))
    index = year * 12 + mon - 1 + n
    return f"{index // 12:04d}-{index % 12 + 1:02d}"


def plan_meeting(
    con: duckdb.DuckDBPyConnection, day: date, *, since: date | None = None, months: int = 12
) -> Meeting:
    """Work out the period and the "since the last meeting" window for a meeting day.

    Parameters
    ----------
    day
        The meeting's date.
    since
        The previous meeting's date; default a week before ``day``.
    months
        Length of the analysed period in whole months.
    """
    if months < 1:
        raise ArgumentError(f"months must be at least 1, got {months}")
    since = since or day - timedelta(days=7)
    if since >= day:
        raise ArgumentError(f"the previous meeting ({since}) must be before this one ({day})")
    last_complete = _month(day.replace(day=1) - timedelta(days=1))
    row = con.execute(
        "SELECT max(month) FROM marts.event_months WHERE category = 'off_road_bike' AND events > 0"
    ).fetchone()
    if row is None or row[0] is None:
        raise NotLoadedError("no off-road-bike incidents are in the marts: run the pipeline first")
    end = min(last_complete, _month(row[0]))
    return Meeting(day=day, since=since, period=Period(_add_months(end, 1 - months), end))


# --------------------------------------------------------------------------- sections


@dataclass
class BriefingData:
    """Everything the pack shows, as plain values for the template."""

    meeting: Meeting
    area: AnalysisArea
    vintage: str
    headline: dict[str, Any]
    monthly: list[tuple[str, int]]
    hotspots: list[dict[str, Any]]
    profile: list[list[int]]
    peak_windows: list[str]
    wards: list[dict[str, Any]]
    outcomes: list[dict[str, Any]]
    repeat_s59_since: int
    intelligence: dict[str, Any]
    quality: dict[str, Any]
    pai: dict[str, Any] | None
    sources: list[str] = field(default_factory=list)
    #: Whether the warehouse serves several forces: the pack then names what it leaves out.
    several_forces: bool = False


@dataclass(frozen=True)
class _Scope:
    """The analysis area a pack covers, among those of the forces loaded."""

    area: AnalysisArea
    areas: tuple[AnalysisArea, ...]

    @property
    def widest(self) -> bool:
        """Whether the area covers every force loaded (the joint operation, or the only force)."""
        return self.area.key == self.areas[-1].key

    def params(self, *, everything: bool | None = None) -> dict[str, Any]:
        """Return the parameters of :data:`_PLACED` (``everything``: count events placed nowhere too)."""
        return {
            "everything": self.widest if everything is None else everything,
            "force_codes": list(self.area.force_codes),
            "lad_codes": list(self.area.lad_codes),
        }


#: Whether event ``{event_id}`` counts in an area's pack: every event in the widest pack,
#: else those attributed to one of its force areas or, with no point, naming one of its wards.
_PLACED = """(
    $everything OR {event_id} IN (
        SELECT event_id FROM staging.event_force_areas WHERE list_contains($force_codes, pfa_code)
        UNION
        SELECT event_id FROM staging.event_wards
        WHERE method = 'named' AND list_contains($lad_codes, lad_code)
    )
)"""


def _scope(con: duckdb.DuckDBPyConnection, area: str | None) -> _Scope:
    """Return analysis area ``area`` of the loaded forces (``None``: the widest), checked.

    Raises
    ------
    ArgumentError
        When the loaded forces have no such area (the message lists those there are).
    """
    loaded = loaded_forces(con)
    return _Scope(analysis_area(area, loaded), analysis_areas(loaded))


def _incidents(con: duckdb.DuckDBPyConnection, period: Period, vintage: str, area: AnalysisArea) -> int:
    # The same figure, from the same query, as the map's title (marts.period_incidents).
    return marts.period_incidents(con, period, vintage, lad_codes=area.lad_codes)


def _headline(
    con: duckdb.DuckDBPyConnection, meeting: Meeting, vintage: str, scope: _Scope
) -> dict[str, Any]:
    period = meeting.period
    incidents = _incidents(con, period, vintage, scope.area)
    previous = _incidents(con, period.previous(), vintage, scope.area)
    last_year = _incidents(con, period.year_earlier(), vintage, scope.area)
    row = con.execute(
        "SELECT count(*) FILTER (WHERE incidents > 0)::INTEGER FROM marts.ward_analysis"
        " WHERE analysis_area = ? AND period = ? AND vintage = ?",
        [scope.area.key, period.label, vintage],
    ).fetchone()
    wards = row[0] if row else 0
    return {
        "incidents": incidents,
        "previous": previous,
        "last_year": last_year,
        "change_previous": analysis.relative_change(incidents, previous),
        "change_last_year": analysis.relative_change(incidents, last_year),
        "wards_with_incidents": wards,
    }


def _monthly(con: duckdb.DuckDBPyConnection, meeting: Meeting, scope: _Scope) -> list[tuple[str, int]]:
    start, after = meeting.period.bounds
    # The rows marts.event_months counts, read per event to keep those of the area.
    query = f"""
        SELECT strftime(month, '%Y-%m'), count(*)::INTEGER FROM staging.events
        WHERE category = 'off_road_bike' AND month >= $start::DATE AND month < $after::DATE
          AND {_PLACED.format(event_id="event_id")}
        GROUP BY 1
    """  # noqa: S608 (only the fixed event-id column is formatted in; values are bound)
    counts = dict(con.execute(query, {"start": start, "after": after, **scope.params()}).fetchall())
    return [(month, int(counts.get(month, 0))) for month in meeting.period.months]


def _chart_data_uri(counts: list[tuple[str, int]], title: str, width: int, height: int) -> str:
    series = pd.Series([n for _, n in counts], index=[m for m, _ in counts], dtype=float)
    with tempfile.TemporaryDirectory() as tmp:
        png = analysis.monthly_chart_png(
            series, Path(tmp) / "chart.png", title=title, width_px=width, height_px=height
        )
        return "data:image/png;base64," + base64.b64encode(png.read_bytes()).decode("ascii")


def _hotspots(con: duckdb.DuckDBPyConnection, meeting: Meeting, scope: _Scope) -> list[dict[str, Any]]:
    rows = warehouse.records(
        con.execute(
            "SELECT area_id, name, ward_names, area_km2, incidents, previous, last_year, change_previous,"
            " p_previous, change_last_year, p_last_year, trend, peak_days, peak_hours, monthly"
            " FROM marts.hotspot_areas WHERE analysis_area = ? AND period = ? ORDER BY area_id LIMIT ?",
            [scope.area.key, meeting.period.label, TOP_HOTSPOTS],
        )
    )
    months = meeting.period.months
    for row in rows:
        monthly = [int(n) for n in json.loads(row.pop("monthly") or "[]")]
        row["chart"] = _chart_data_uri(list(zip(months, monthly, strict=False)), row["name"], 360, 150)
    return rows


def _profile(
    con: duckdb.DuckDBPyConnection, meeting: Meeting, scope: _Scope
) -> tuple[list[list[int]], list[str]]:
    """Incidents by hour (rows 0-23) and weekday (columns Mon-Sun), and the busiest windows."""
    table = [[0] * 7 for _ in range(24)]
    for dow, hour, n in con.execute(
        "SELECT day_of_week, hour, incidents FROM marts.temporal_profile"
        " WHERE analysis_area = ? AND period = ? AND scope = 'all'",
        [scope.area.key, meeting.period.label],
    ).fetchall():
        table[hour][dow] = int(n)
    # Busiest four-hour windows on each weekday, best three overall.
    windows = []
    for dow in range(7):
        for start in range(0, 21):
            windows.append((sum(table[h][dow] for h in range(start, start + 4)), dow, start))
    windows.sort(key=lambda w: (-w[0], w[1], w[2]))
    peaks = [f"{WEEKDAYS[d]} {s:02d}:00-{s + 4:02d}:00 ({n} incidents)" for n, d, s in windows[:3] if n > 0]
    return table, peaks


def _wards(
    con: duckdb.DuckDBPyConnection, meeting: Meeting, vintage: str, scope: _Scope
) -> list[dict[str, Any]]:
    _, after = meeting.period.bounds
    return warehouse.records(
        con.execute(
            """
            WITH in_force AS (
                SELECT ward_code, designation FROM marts.ward_designations
                WHERE vintage = ? AND effective_from < ?::DATE
                  AND (effective_to IS NULL OR effective_to >= ?::DATE - INTERVAL 1 DAY)
            )
            SELECT a.ward_name, a.lad_name, a.incidents, a.previous, a.last_year, a.change_previous,
                   a.p_previous, a.gi_class, a.trend, coalesce(d.designation, '') AS designation,
                   coalesce(h.hotspot_names, '') AS hotspots
            FROM marts.ward_analysis AS a
            LEFT JOIN in_force AS d USING (ward_code)
            LEFT JOIN marts.ward_hotspots AS h ON h.vintage = a.vintage AND h.ward_code = a.ward_code
            WHERE a.analysis_area = ? AND a.period = ? AND a.vintage = ? AND a.incidents > 0
            ORDER BY a.incidents DESC, a.ward_name
            LIMIT ?
            """,
            [vintage, after, after, scope.area.key, meeting.period.label, vintage, TOP_WARDS],
        )
    )


def _outcomes(
    con: duckdb.DuckDBPyConnection, meeting: Meeting, scope: _Scope
) -> tuple[list[dict[str, Any]], int]:
    """Outcomes placed in the area by type: since the last meeting, the last 28 days, the period."""
    start, after = meeting.period.bounds
    rows = {
        kind: {"type": kind, "label": label, "since": 0, "last_28_days": 0, "period": 0}
        for kind, label in OUTCOME_TYPES.items()
    }
    repeat_since = 0
    # The rows marts.outcome_days counts, read per event to keep those of the area.
    query = f"""
        WITH outcomes AS (
            SELECT o.outcome_at::DATE AS day, o.outcome_type, coalesce(r.is_repeat_s59, FALSE) AS repeat_s59
            FROM staging.stg_enforcement_outcomes AS o
            LEFT JOIN staging.s59_repeats AS r USING (event_id)
            WHERE {_PLACED.format(event_id="o.event_id")}
        )
        SELECT outcome_type,
               count(*) FILTER (WHERE day >= $since AND day < $day)::INTEGER,
               count(*) FILTER (WHERE day >= $last_28_days AND day < $day)::INTEGER,
               count(*) FILTER (WHERE day >= $start::DATE AND day < $after::DATE)::INTEGER,
               count(*) FILTER (WHERE repeat_s59 AND day >= $since AND day < $day)::INTEGER
        FROM outcomes GROUP BY 1
    """  # noqa: S608 (only the fixed event-id column is formatted in; values are bound)
    params = {
        "since": meeting.since,
        "day": meeting.day,
        "last_28_days": meeting.last_28_days,
        "start": start,
        "after": after,
        **scope.params(),
    }
    for kind, since, last28, period, repeats in con.execute(query, params).fetchall():
        row = rows.setdefault(kind, {"type": kind, "label": kind, "since": 0, "last_28_days": 0, "period": 0})
        row.update(since=since or 0, last_28_days=last28 or 0, period=period or 0)
        repeat_since += repeats or 0
    return list(rows.values()), repeat_since


def _intelligence(
    con: duckdb.DuckDBPyConnection, meeting: Meeting, scope: _Scope, share_c: bool
) -> dict[str, Any]:
    """Intelligence placed in the area by grading and channel, since the last meeting and over the period."""
    codes = ["P", "C"] if share_c else ["P"]
    start, after = meeting.period.bounds
    grid = {(e, a): {"since": 0, "period": 0} for e in SOURCE_EVALUATION for a in INTELLIGENCE_ASSESSMENT}
    channels: dict[str, dict[str, Any]] = {
        c: {"label": label, "since": 0, "period": 0} for c, label in CHANNELS.items()
    }
    # The rows marts.intelligence_days counts, read per report to keep those of the area.
    query = f"""
        WITH reports AS (
            SELECT received_at::DATE AS day, source_evaluation, intelligence_assessment, channel
            FROM staging.stg_intelligence_reports
            WHERE list_contains($codes, handling_code) AND {_PLACED.format(event_id="event_id")}
        )
        SELECT source_evaluation, intelligence_assessment, channel,
               count(*) FILTER (WHERE day >= $since AND day < $day)::INTEGER,
               count(*) FILTER (WHERE day >= $start::DATE AND day < $after::DATE)::INTEGER
        FROM reports GROUP BY ALL
    """  # noqa: S608 (only the fixed event-id column is formatted in; values are bound)
    params = {
        "since": meeting.since,
        "day": meeting.day,
        "start": start,
        "after": after,
        "codes": codes,
        **scope.params(),
    }
    for evaluation, assessment, channel, since, period in con.execute(query, params).fetchall():
        cell = grid.setdefault((evaluation, assessment), {"since": 0, "period": 0})
        cell["since"] += since or 0
        cell["period"] += period or 0
        chan = channels.setdefault(channel, {"label": channel, "since": 0, "period": 0})
        chan["since"] += since or 0
        chan["period"] += period or 0
    return {
        "handling_codes": codes,
        "evaluations": SOURCE_EVALUATION,
        "assessments": INTELLIGENCE_ASSESSMENT,
        "grid": {f"{e}{a}": v for (e, a), v in grid.items()},
        "channels": list(channels.values()),
        "since_total": sum(v["since"] for v in grid.values()),
        "period_total": sum(v["period"] for v in grid.values()),
    }


#: The event categories whose unlocated share the pack gives.
_QUALITY_CATEGORIES = ["off_road_bike", "community_intelligence", "asb_context"]


def _quality(con: duckdb.DuckDBPyConnection, meeting: Meeting, scope: _Scope) -> dict[str, Any]:
    """Files and rows loaded since the last meeting, rejects by reason, unlocated shares in the area.

    Files and rejects are the warehouse's (a file is not split by force); the events of
    the period are the area's, and a force's pack also counts the events of the period
    no force area holds (``unplaced``: they are in the widest pack only).
    """
    files = warehouse.records(
        con.execute(
            """
            SELECT count(*)::INTEGER AS files, coalesce(sum(rows_in), 0)::INTEGER AS rows_in,
                   coalesce(sum(rows_staged), 0)::INTEGER AS staged,
                   coalesce(sum(rows_rejected), 0)::INTEGER AS rejected,
                   coalesce(sum(rows_duplicate), 0)::INTEGER AS duplicate
            FROM ops.files WHERE loaded_at >= ? AND loaded_at < ?
            """,
            [meeting.since, meeting.day],
        )
    )[0]
    totals = warehouse.records(
        con.execute(
            "SELECT count(*)::INTEGER AS files, coalesce(sum(rows_in), 0)::INTEGER AS rows_in,"
            " coalesce(sum(rows_staged), 0)::INTEGER AS staged,"
            " coalesce(sum(rows_rejected), 0)::INTEGER AS rejected,"
            " coalesce(sum(rows_duplicate), 0)::INTEGER AS duplicate FROM ops.files"
        )
    )[0]
    # Only the reason code and a count: the raw rows and messages may hold personal data.
    reasons = con.execute(
        "SELECT reason, count(*)::INTEGER FROM ops.rejects GROUP BY 1 ORDER BY 2 DESC, 1"
    ).fetchall()
    start, after = meeting.period.bounds
    period = {"start": start, "after": after, "categories": _QUALITY_CATEGORIES}
    unlocated = warehouse.records(
        con.execute(
            f"""
            SELECT category, count(*)::INTEGER AS events,
                   count(*) FILTER (WHERE x IS NULL)::INTEGER AS unlocated,
                   count(*) FILTER (WHERE x IS NULL) / count(*) AS share
            FROM staging.events
            WHERE month >= $start::DATE AND month < $after::DATE AND list_contains($categories, category)
              AND {_PLACED.format(event_id="event_id")}
            GROUP BY 1 ORDER BY 1
            """,  # noqa: S608 (only the fixed event-id column is formatted in; values are bound)
            {**period, **scope.params()},
        )
    )
    unplaced = 0
    if not scope.widest:
        everywhere = _Scope(scope.areas[-1], scope.areas)
        row = con.execute(
            f"""
            SELECT count(*)::INTEGER FROM staging.events
            WHERE month >= $start::DATE AND month < $after::DATE AND list_contains($categories, category)
              AND NOT {_PLACED.format(event_id="event_id")}
            """,  # noqa: S608 (only the fixed event-id column is formatted in; values are bound)
            {**period, **everywhere.params(everything=False)},
        ).fetchone()
        unplaced = row[0] if row else 0
    return {"since": files, "all": totals, "reasons": reasons, "unlocated": unlocated, "unplaced": unplaced}


def _sources(con: duckdb.DuckDBPyConnection) -> list[str]:
    return [r[0] for r in con.execute("SELECT DISTINCT source FROM ops.files ORDER BY 1").fetchall()]


def collect_briefing(
    con: duckdb.DuckDBPyConnection,
    meeting: Meeting,
    *,
    vintage: str,
    area: str | None = None,
    share_c: bool = False,
) -> BriefingData:
    """Read every section of the pack of analysis area ``area`` from the marts and the ledger.

    ``area`` is a force's key or ``joint`` (default: the widest loaded, see
    :func:`endurance.hotspots.area_key`). The hotspot analysis of the area for
    ``meeting.period`` must already be in the marts
    (:func:`endurance.hotspots.analyse_period`); :func:`write_briefing` sees to that.

    Raises
    ------
    ArgumentError
        When the loaded forces have no analysis area ``area`` (the message lists those there are).
    """
    scope = _scope(con, area)
    profile, peaks = _profile(con, meeting, scope)
    outcomes, repeats = _outcomes(con, meeting, scope)
    return BriefingData(
        meeting=meeting,
        area=scope.area,
        vintage=vintage,
        headline=_headline(con, meeting, vintage, scope),
        monthly=_monthly(con, meeting, scope),
        hotspots=_hotspots(con, meeting, scope),
        profile=profile,
        peak_windows=peaks,
        wards=_wards(con, meeting, vintage, scope),
        outcomes=outcomes,
        repeat_s59_since=repeats,
        intelligence=_intelligence(con, meeting, scope, share_c),
        quality=_quality(con, meeting, scope),
        pai=hotspots.map_accuracy(con, meeting.period, scope.area.key),
        sources=_sources(con),
        several_forces=len(scope.areas) > 1,
    )


# --------------------------------------------------------------------------- rendering


def _percent(value: float | None) -> str:
    if value is None or value != value:  # None or NaN
        return "n/a"
    return f"{value:+.0%}"


def _p_value(value: float | None) -> str:
    if value is None or value != value:
        return ""
    return "p < 0.001" if value < 0.001 else f"p = {value:.3f}"


def _environment() -> jinja2.Environment:
    env = jinja2.Environment(
        loader=jinja2.FileSystemLoader(TEMPLATES),
        autoescape=True,  # every value is escaped: names come from files partners supply
        undefined=jinja2.StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
    )
    env.filters["percent"] = _percent
    env.filters["p_value"] = _p_value
    env.filters["capitalize_first"] = lambda text: (
        text[:1].upper() + text[1:]
    )  # "Joint operation (Cleveland ..."
    return env


def _heat_colour(value: int, top: int) -> str:
    if value <= 0 or top <= 0:
        return "#ffffff"
    shades = ("#fff5eb", "#fdd0a2", "#fdae6b", "#fd8d3c", "#e6550d", "#a63603")
    return shades[min(len(shades) - 1, 1 + int((len(shades) - 2) * value / top))]


def render_briefing_html(
    data: BriefingData,
    *,
    stamp: Stamp,
    map_png: Path | None,
    map_html_name: str | None,
) -> str:
    """Return the pack as one self-contained HTML page (images inlined as data URIs)."""
    top = max((max(row) for row in data.profile), default=0)
    map_uri = None
    if map_png is not None:
        map_uri = "data:image/png;base64," + base64.b64encode(Path(map_png).read_bytes()).decode("ascii")
    return (
        _environment()
        .get_template("briefing.html.j2")
        .render(
            d=data,
            marking=stamp.marking,
            run_id=stamp.run_id,
            data_label=stamp.data_label,
            generated_at=stamp.generated,
            weekdays=WEEKDAYS,
            heat=[[_heat_colour(v, top) for v in row] for row in data.profile],
            monthly_chart=_chart_data_uri(data.monthly, "Off-road-bike incidents logged per month", 720, 220),
            map_uri=map_uri,
            map_html_name=map_html_name,
        )
    )


def render_pack(html_path: Path, png_path: Path, pdf_path: Path) -> None:
    """Render the pack through headless Chromium, offline: the whole page as a PNG and an A4 PDF."""
    with _browser.offline_page(width=1100, height=1400) as page:
        page.goto(Path(html_path).resolve().as_uri(), wait_until="load")
        with _publish.publishing(png_path) as partial:
            page.screenshot(path=str(partial), full_page=True, type="png")
        page.emulate_media(media="print")
        with _publish.publishing(pdf_path) as partial:
            page.pdf(path=str(partial), format="A4", print_background=True, prefer_css_page_size=True)


@dataclass(frozen=True)
class BriefingResult:
    """The files one briefing wrote."""

    html: Path
    pdf: Path | None
    png: Path | None
    map_html: Path
    map_png: Path | None

    def files(self) -> list[Path]:
        """Return the files written, leaving out the PDF and PNGs when they were not made."""
        return [p for p in (self.html, self.pdf, self.png, self.map_html, self.map_png) if p is not None]


def _build_map(
    con: duckdb.DuckDBPyConnection, path: Path, meeting: Meeting, *, vintage: str, stamp: Stamp, area: str
) -> None:
    """Write the hotspot map of analysis area ``area`` the pack shows."""
    maps.build_hotspot_map(con, path, period=meeting.period, vintage=vintage, stamp=stamp, area=area)


def write_briefing(
    con: duckdb.DuckDBPyConnection,
    out_dir: Path,
    meeting: Meeting,
    *,
    vintage: str,
    stamp: Stamp,
    area: str | None = None,
    share_c: bool = False,
    render: bool = True,
) -> BriefingResult:
    """Write the meeting's pack of one analysis area: HTML, its map (HTML and PNG), a PDF and PNG.

    ``area`` is a force's key or ``joint`` (default: the widest loaded). The widest
    area's files are named ``briefing_<day>...``, as before there were several forces; a
    force's, when several are loaded, ``briefing_<day>_<force>...``
    (:func:`endurance.forces.area_suffix`).

    ``con`` must be writable: what the pack reads (attribution, links, marts, the period's
    hotspot analysis) is brought up to date first, each only where it is older than the
    staged rows. ``render=False`` skips Chromium (HTML only, no images of the map). The
    pack and its map carry ``stamp``: the run, its marking and data label.

    Raises
    ------
    ArgumentError
        When the loaded forces have no analysis area ``area`` (before anything is written).
    """
    scope = _scope(con, area)
    # Attribution, links, marts and the period's analysis as the staged rows are now.
    freshness.refresh(con, period=meeting.period, vintage=vintage, run_id=stamp.run_id)
    stamp = replace(stamp, data_label=marts.data_label(con, stamp.data_label))  # demo rows held: it says so
    out_dir.mkdir(parents=True, exist_ok=True)
    stem = f"briefing_{meeting.day.isoformat()}{area_suffix(scope.area, scope.areas)}"
    map_html = out_dir / f"{stem}_map.html"
    _build_map(con, map_html, meeting, vintage=vintage, stamp=stamp, area=scope.area.key)
    map_png = out_dir / f"{stem}_map.png" if render else None
    if map_png is not None:
        maps.render_png(map_html, map_png)
    data = collect_briefing(con, meeting, vintage=vintage, area=scope.area.key, share_c=share_c)
    html_path = out_dir / f"{stem}.html"
    _publish.write_text(
        html_path,
        render_briefing_html(data, stamp=stamp, map_png=map_png, map_html_name=map_html.name),
    )
    pdf = png = None
    if render:
        pdf, png = out_dir / f"{stem}.pdf", out_dir / f"{stem}.png"
        render_pack(html_path, png, pdf)
    return BriefingResult(html=html_path, pdf=pdf, png=png, map_html=map_html, map_png=map_png)
