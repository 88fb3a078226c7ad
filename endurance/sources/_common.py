"""Plumbing shared by every source: records, locating points, and building rejects.

A source module describes its columns and turns a frame of text cells into staged
rows plus rejects (``stage``); ``_readers`` turns files into such frames and
``_loading`` writes them, the same way for every source.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Protocol

import duckdb
import numpy as np
import pandas as pd
import shapely
from pyproj import Transformer

from endurance import DISPLAY_CRS, PROJECT_CRS
from endurance.geography.official import force_area

DATE_FORMATS = "ISO 8601 or dd/mm/yyyy HH:MM"
#: Coordinate columns as the sources' files head them, and their raw column names.
POINT_COLUMNS = {
    "Easting": "easting",
    "Northing": "northing",
    "Latitude": "latitude",
    "Longitude": "longitude",
}
LATLON_COLUMNS = {"Latitude": "latitude", "Longitude": "longitude"}

_TO_BNG = Transformer.from_crs(DISPLAY_CRS, PROJECT_CRS, always_xy=True)
_TO_WGS = Transformer.from_crs(PROJECT_CRS, DISPLAY_CRS, always_xy=True)


@dataclass(frozen=True)
class Reject:
    """One row that cannot be staged, and why."""

    row_number: int
    field: str
    reason: str
    message: str


@dataclass
class Staged:
    """What a source's ``stage`` returns for one file."""

    rows: pd.DataFrame  # one row per staged entity, with event_id
    restricted: pd.DataFrame | None = None  # free text kept apart, keyed by event_id
    rejects: list[Reject] = field(default_factory=list)


@dataclass(frozen=True)
class AreaCheck:
    """The force area grown by a buffer: points outside it are rejected or repaired."""

    polygon: shapely.Geometry
    buffer_m: float

    def contains(self, x: np.ndarray, y: np.ndarray) -> np.ndarray:
        ok = np.isfinite(x) & np.isfinite(y)
        inside = np.zeros(len(x), dtype=bool)
        inside[ok] = shapely.contains_xy(self.polygon, x[ok], y[ok])
        return inside

    @classmethod
    def from_warehouse(
        cls, con: duckdb.DuckDBPyConnection, pfa_codes: Sequence[str], *, buffer_m: float = 2000.0
    ) -> AreaCheck:
        """Build the check from the force areas ``pfa_codes`` (the forces in use), joined."""
        areas = [force_area(con, pfa_code) for pfa_code in pfa_codes]
        polygon = shapely.buffer(areas[0] if len(areas) == 1 else shapely.union_all(areas), buffer_m)
        shapely.prepare(polygon)
        return cls(polygon, buffer_m)


@dataclass
class Context:
    """What ``stage`` may consult: the area check, the load time, the gazetteer."""

    area: AreaCheck
    now: datetime
    places: dict[str, tuple[str, str]] = field(default_factory=dict)  # lower name -> (kind, id)
    synthetic: frozenset[str] = frozenset()  # sha256 of the demo's synthetic files (SYNTHETIC.sha256)


class Source(Protocol):
    """What a source module provides."""

    NAME: str
    COLUMNS: dict[str, str]  # header in the file -> raw column name
    RAW_TABLE: str
    STAGING_TABLE: str
    RESTRICTED_TABLE: str | None

    def stage(self, frame: pd.DataFrame, ctx: Context) -> Staged: ...


@dataclass
class FileLoad:
    """The reconciled outcome of loading one file."""

    path: str
    source: str
    sha256: str
    status: str  # loaded | already_loaded
    rows_in: int = 0
    staged: int = 0
    rejected: int = 0
    duplicate: int = 0
    unlocated: int = 0
    repaired: int = 0
    rejects_by_reason: dict[str, int] = field(default_factory=dict)
    superseded: list[str] = field(default_factory=list)  # sha256 of earlier issues replaced

    @property
    def reconciles(self) -> bool:
        return self.rows_in == self.staged + self.rejected + self.duplicate

    def summary(self) -> str:
        """Describe the load in one line for a log: its outcome and how its rows add up."""
        return (
            f"{Path(self.path).name} ({self.source}): {self.status}; in {self.rows_in} = staged {self.staged}"
            f" + rejected {self.rejected} + duplicate {self.duplicate}; unlocated {self.unlocated},"
            f" repaired {self.repaired}; rejects {self.rejects_by_reason}"
        )


def to_float(series: pd.Series) -> tuple[np.ndarray, np.ndarray]:
    """Parse text to floats; return the values and a mask of cells that were not numbers."""
    stripped = series.fillna("").str.strip()
    values = pd.to_numeric(stripped, errors="coerce").to_numpy(dtype=float)
    bad = (stripped != "") & ~np.isfinite(values)
    return values, bad


def bng_from_lonlat(lon: np.ndarray, lat: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    x, y = _TO_BNG.transform(lon, lat)
    return np.asarray(x, dtype=float), np.asarray(y, dtype=float)


def lonlat_from_bng(x: np.ndarray, y: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    lon, lat = _TO_WGS.transform(x, y)
    return np.asarray(lon, dtype=float), np.asarray(lat, dtype=float)


@dataclass
class Located:
    """Coordinates resolved for a batch of rows, with what was repaired or refused."""

    x: np.ndarray
    y: np.ndarray
    lon: np.ndarray
    lat: np.ndarray
    repair: np.ndarray  # object array: None or a repair code
    outside: np.ndarray  # bool: coordinates given but outside the area, unrepairable
    missing: np.ndarray  # bool: no coordinates at all

    def columns(self) -> dict[str, np.ndarray]:
        """Return the staged point columns: lon, lat, x, y and the repair code."""
        return {"lon": self.lon, "lat": self.lat, "x": self.x, "y": self.y, "coordinate_repair": self.repair}


def locate(
    area: AreaCheck,
    *,
    lat: np.ndarray | None = None,
    lon: np.ndarray | None = None,
    easting: np.ndarray | None = None,
    northing: np.ndarray | None = None,
) -> Located:
    """Resolve each row's point from lat/lon and/or easting/northing, repairing mix-ups.

    Tries, per row and in order: the columns as labelled; latitude and longitude
    swapped; British National Grid figures typed into the lat/lon columns; lat/lon
    typed into the easting/northing columns. The first reading that falls inside the
    force area (plus its buffer) wins, and any reading but the first is recorded as a
    repair. Rows whose figures fit none are marked ``outside``.
    """
    n = len(lat if lat is not None else easting)  # type: ignore[arg-type]
    nan = np.full(n, np.nan)
    lat = nan if lat is None else lat
    lon = nan if lon is None else lon
    easting = nan if easting is None else easting
    northing = nan if northing is None else northing

    has_ll = np.isfinite(lat) & np.isfinite(lon)
    has_en = np.isfinite(easting) & np.isfinite(northing)
    x, y = nan.copy(), nan.copy()
    repair = np.full(n, None, dtype=object)
    done = np.zeros(n, dtype=bool)

    def attempt(mask: np.ndarray, cx: np.ndarray, cy: np.ndarray, code: str | None) -> None:
        todo = mask & ~done
        if not todo.any():
            return
        inside = np.zeros(n, dtype=bool)
        inside[todo] = area.contains(cx[todo], cy[todo])
        x[inside], y[inside] = cx[inside], cy[inside]
        repair[inside] = code
        done[inside] = True

    with np.errstate(invalid="ignore"):
        looks_ll = has_ll & (np.abs(lat) <= 90) & (np.abs(lon) <= 180)
        looks_ll_swapped = has_ll & (np.abs(lon) <= 90) & (np.abs(lat) <= 180)
        looks_en_ll = has_en & (np.abs(northing) <= 90) & (np.abs(easting) <= 180)
    bx, by = nan.copy(), nan.copy()
    bx[looks_ll], by[looks_ll] = bng_from_lonlat(lon[looks_ll], lat[looks_ll])
    attempt(has_en, easting, northing, None)
    attempt(looks_ll, bx, by, None)
    sx, sy = nan.copy(), nan.copy()
    sx[looks_ll_swapped], sy[looks_ll_swapped] = bng_from_lonlat(lat[looks_ll_swapped], lon[looks_ll_swapped])
    attempt(looks_ll_swapped, sx, sy, "latlon_swapped")
    attempt(has_ll, lon, lat, "bng_in_latlon_columns")
    attempt(has_ll, lat, lon, "bng_in_latlon_columns")
    ex, ey = nan.copy(), nan.copy()
    ex[looks_en_ll], ey[looks_en_ll] = bng_from_lonlat(easting[looks_en_ll], northing[looks_en_ll])
    attempt(looks_en_ll, ex, ey, "latlon_in_bng_columns")
    ex2, ey2 = nan.copy(), nan.copy()
    ex2[looks_en_ll], ey2[looks_en_ll] = bng_from_lonlat(northing[looks_en_ll], easting[looks_en_ll])
    attempt(looks_en_ll, ex2, ey2, "latlon_in_bng_columns")

    out_lon, out_lat = nan.copy(), nan.copy()
    if done.any():
        out_lon[done], out_lat[done] = lonlat_from_bng(x[done], y[done])
    missing = ~has_ll & ~has_en
    return Located(x, y, out_lon, out_lat, repair, ~done & ~missing, missing)


def parse_timestamps(series: pd.Series) -> pd.Series:
    """Parse ISO 8601 or UK ``dd/mm/yyyy HH:MM`` date-times; NaT where neither fits."""
    text = series.fillna("").str.strip()
    iso = pd.to_datetime(text, format="ISO8601", errors="coerce")
    uk = pd.to_datetime(text, format="%d/%m/%Y %H:%M", errors="coerce")
    uk_seconds = pd.to_datetime(text, format="%d/%m/%Y %H:%M:%S", errors="coerce")
    parsed = iso.fillna(uk).fillna(uk_seconds)
    if getattr(parsed.dt, "tz", None) is not None:
        parsed = parsed.dt.tz_convert("Europe/London").dt.tz_localize(None)
    return parsed


def rejects_where(
    mask: np.ndarray | pd.Series, rows: pd.Series, field: str, reason: str, message: str | pd.Series
) -> list[Reject]:
    """Build one ``Reject`` per row selected by ``mask``."""
    mask = np.asarray(mask, dtype=bool)
    numbers = rows.to_numpy()[mask]
    if isinstance(message, pd.Series):
        texts = message.to_numpy()[mask]
        return [Reject(int(r), field, reason, str(t)) for r, t in zip(numbers, texts, strict=True)]
    return [Reject(int(r), field, reason, message) for r in numbers]


def date_rejects(
    text: pd.Series, parsed: pd.Series, rows: pd.Series, field: str, now: datetime, *, expected: str
) -> list[Reject]:
    """Reject dates that did not parse (``bad_date``) or lie after ``now`` (``future_date``)."""
    shown = field + " " + text.fillna("").map(repr)
    rejects = rejects_where(parsed.isna(), rows, field, "bad_date", shown + f" is not {expected}")
    future = parsed.notna() & (parsed > pd.Timestamp(now))
    return rejects + rejects_where(future, rows, field, "future_date", shown + " is in the future")


def code_rejects(
    values: pd.Series, allowed: Iterable[str], rows: pd.Series, field: str, reason: str
) -> list[Reject]:
    """Reject non-empty values outside ``allowed`` (empty ones are a separate check)."""
    allowed = list(allowed)
    bad = (values != "") & ~values.isin(allowed)
    message = field + " " + values.map(repr) + " is not one of " + ", ".join(allowed)
    return rejects_where(bad, rows, field, reason, message)


def coordinate_rejects(
    frame: pd.DataFrame,
    fields: dict[str, str],
    not_number: np.ndarray,
    located: Located,
    rows: pd.Series,
) -> list[Reject]:
    """Reject rows whose coordinates are not numbers, or lie outside the force area however read.

    ``fields`` maps each header name to its raw column.
    """
    shown = pd.Series("", index=frame.index)
    for i, (header, column) in enumerate(fields.items()):
        shown = shown + ("" if i == 0 else ", ") + header + " " + frame[column].fillna("").map(repr)
    first = next(iter(fields))
    rejects = rejects_where(not_number, rows, first, "bad_coordinate", shown + ": not all numbers")
    return rejects + rejects_where(
        located.outside & ~not_number,
        rows,
        first,
        "outside_area",
        shown + ": outside the force area (and its buffer), even read swapped or in the other"
        " coordinate system",
    )


@dataclass
class Placed:
    """Each row's point, which rows' coordinates are not numbers, and the rejects of coordinates."""

    located: Located
    not_number: np.ndarray
    rejects: list[Reject]

    def unlocatable(self, described: pd.Series, rows: pd.Series, field: str, message: str) -> list[Reject]:
        """Reject rows with no coordinates and nothing in ``described`` to place them by.

        A row whose coordinates are not numbers is already rejected for that
        (``bad_coordinate``); the rest are ``missing_location``, named by ``field``.
        """
        no_point = self.located.missing & ~self.not_number & (described == "")
        return rejects_where(no_point, rows, field, "missing_location", message)


def place(frame: pd.DataFrame, area: AreaCheck, rows: pd.Series, fields: dict[str, str]) -> Placed:
    """Read the coordinate columns ``fields`` names, locate each row, and reject bad coordinates.

    ``fields`` maps header names to raw columns, drawn from ``POINT_COLUMNS`` (a source
    with latitude and longitude only passes ``LATLON_COLUMNS``); rejects name the first.
    """
    figures: dict[str, np.ndarray] = {}
    not_number = np.zeros(len(frame), dtype=bool)
    for column in fields.values():
        figures[column], bad = to_float(frame[column])
        not_number |= bad
    located = locate(
        area,
        lat=figures.get("latitude"),
        lon=figures.get("longitude"),
        easting=figures.get("easting"),
        northing=figures.get("northing"),
    )
    return Placed(located, not_number, coordinate_rejects(frame, fields, not_number, located, rows))


def required_code_rejects(
    values: pd.Series,
    allowed: Iterable[str],
    rows: pd.Series,
    field: str,
    *,
    empty: str = "missing_field",
    unknown: str = "unknown_code",
) -> list[Reject]:
    """Reject empty values (reason ``empty``), then values outside ``allowed`` (reason ``unknown``)."""
    missing = rejects_where(values == "", rows, field, empty, field + " is empty")
    return missing + code_rejects(values, allowed, rows, field, unknown)


def first_reject_per_row(rejects: list[Reject]) -> dict[int, Reject]:
    """Keep one reason per row (the first found): a row is counted once in the quarantine."""
    chosen: dict[int, Reject] = {}
    for reject in rejects:
        chosen.setdefault(reject.row_number, reject)
    return chosen
