"""Tasking-meeting hotspot maps: one self-contained HTML file per period, and its PNG.

What the map shows, bottom to top:

- **Wards** of the stated boundary vintage shaded by off-road-bike incidents, with the
  change against the previous period and the same period last year (and whether it is
  significant), the ward's Gi* class and trend in the tooltip.
- **Hotspot risk**: the surface of the hotspot analysis, expected incidents per km² in
  the month after the period on a grid in British National Grid metres, drawn by the
  method that predicted best in a backtest (``endurance.analysis.selection``), as one
  image warped to the web map (see ``endurance._grid_layers``). Its colours are fixed
  multiples of the hotspot threshold, so the map means the same at every zoom; the
  cells at or above the threshold are the hotspot cells.
- **Gi* hot and cold spots**: cells where Getis-Ord Gi* finds a significant cluster
  after false-discovery-rate control, at 99, 95 and 90 % (off by default).
- **Hotspot areas**: the hotspot cells dissolved into named areas, outlined by trend,
  with a popup of count, change, trend and peak days and hours.
- **Gazetteer places**, the force outlines, and two incident layers built from counts
  per 100 m cell (never a point or a narrative): clustered counts, and a Leaflet.heat
  layer for exploration, off by default because its look changes with zoom.

Analysis areas
    A map is of one analysis area (:class:`endurance.forces.AnalysisArea`): a force
    area, or the joint operation of every loaded force; by default the widest loaded
    (the joint operation, or the only force). Every layer drawn from the hotspot marts
    reads that area's rows (``analysis_area``), so a force's map shows its own grid,
    hotspot areas and ward analysis. Its wards, gazetteer places and outlines are those
    of the area's local authorities and force areas; its incident cells those that the
    attribution rule places in them (the widest area keeps every cell, as a map of one
    force always has). A map may be narrowed to one local authority of its area. The
    widest area's map keeps the file name it had before there were several forces;
    a force's map among several ends in its key (:func:`map_file_name`).

A title block gives the period, sources, boundary vintage, generation time and run, the
method drawing the surface in plain words and why it was chosen: the Predictive
Accuracy Index of the selection, tested month by month without seeing the month
scored, against the naive baseline; the protective marking is printed at the top and
bottom. All text is escaped.

The file needs no network: Leaflet and its plugins are inlined from the pinned npm
packages and no background tiles are used unless ``online_tiles=True``. Its size is
bounded by the aggregates it holds (wards, hotspot areas, one image set by the grid,
one count per occupied 100 m cell), not by the number of incidents.
"""

from __future__ import annotations

import html
import json
import logging
from collections.abc import Collection, Iterable, Sequence
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

import duckdb
import folium
import numpy as np
import shapely
from numpy.typing import NDArray

from endurance import (
    _assets,
    _browser,
    _grid_layers,
    _leaflet,
    _map_page,
    _publish,
    forces,
    freshness,
    hotspots,
    marts,
    warehouse,
)
from endurance._errors import AnalysisMissingError, NoDataError
from endurance._grid import Grid
from endurance._leaflet import MAX_ZOOM
from endurance._publish import Stamp, check_writable
from endurance.forces import AnalysisArea
from endurance.geography.attribution import SNAP_TOLERANCE_M
from endurance.periods import Period
from endurance.settings import Settings
from endurance.warehouse import sql_text

log = logging.getLogger(__name__)

#: Heat layer colours from sparse (yellow) to dense (dark red).
HEAT_GRADIENT = {0.2: "#ffffb2", 0.45: "#fecc5c", 0.7: "#fd8d3c", 0.85: "#f03b20", 1.0: "#bd0026"}


@dataclass(frozen=True)
class MapResult:
    """Where the map was written and what it shows."""

    path: Path
    bytes: int
    self_contained: bool
    layers: tuple[str, ...]
    incidents: int
    lad_code: str | None = None
    png: Path | None = None
    analysed: bool = False
    area: str | None = None


# --------------------------------------------------------------------------- reading the marts


@dataclass(frozen=True)
class _Density:
    grid: Grid
    method_label: str
    forecast_month: str
    coverage: float
    threshold_km2: float | None
    incidents: int
    cols: np.ndarray
    rows: np.ndarray
    density: np.ndarray
    gi_class: np.ndarray


def _rows(con: duckdb.DuckDBPyConnection, name: str, params: dict[str, Any]) -> list[dict[str, Any]]:
    return warehouse.records(con.execute(sql_text(f"maps/{name}.sql"), params))


def _read_density(con: duckdb.DuckDBPyConnection, period: Period, area: str) -> _Density:
    grid = con.execute(
        "SELECT origin_x, origin_y, cell_m, nx, ny, method_label, strftime(forecast_month, '%Y-%m'),"
        " coverage, threshold_km2, incidents FROM marts.density_grid WHERE analysis_area = ? AND period = ?",
        [area, period.label],
    ).fetchone()
    if grid is None:
        raise AnalysisMissingError(
            f"no hotspot analysis for {period.label} of analysis area {area!r} in marts.density_grid: run "
            "endurance.hotspots.analyse_period for it (the nightly flow and `endurance map` do)"
        )
    cells = con.execute(
        'SELECT col, "row", density_km2, gi_class FROM marts.density_cells'
        " WHERE analysis_area = ? AND period = ?",
        [area, period.label],
    ).fetchnumpy()
    return _Density(
        grid=Grid(float(grid[0]), float(grid[1]), float(grid[2]), int(grid[3]), int(grid[4])),
        method_label=str(grid[5]),
        forecast_month=str(grid[6]),
        coverage=float(grid[7]),
        threshold_km2=float(grid[8]) if grid[8] else None,
        incidents=int(grid[9] or 0),
        cols=np.asarray(cells["col"], dtype=np.int64),
        rows=np.asarray(cells["row"], dtype=np.int64),
        density=np.asarray(cells["density_km2"], dtype=float),
        gi_class=np.asarray(cells["gi_class"], dtype=object),
    )


# --------------------------------------------------------------------------- what a map covers


@dataclass(frozen=True)
class _Area:
    """What a map covers: one analysis area, all of it or one of its local authorities.

    ``lads`` lists the authorities whose wards and places are drawn, ``None`` for every
    one loaded (the widest area, as a map of one force always was). ``box`` and ``keep``
    crop the density image and choose the cells that belong to the map; ``None`` when
    nothing is left out.
    """

    analysis: AnalysisArea
    several: bool  # more than one analysis area is loaded: titles name the area
    lads: tuple[str, ...] | None
    lad_code: str | None
    lad_name: str | None
    box: _grid_layers.BngBox | None
    keep: _grid_layers.PixelMask | None


def lad_codes(con: duckdb.DuckDBPyConnection, vintage: str) -> dict[str, str]:
    """Return the local authorities that have wards of ``vintage``: code to name."""
    rows = con.execute(
        "SELECT DISTINCT lad_code, lad_name FROM geo.wards WHERE vintage = ? ORDER BY lad_code", [vintage]
    ).fetchall()
    return {code: name for code, name in rows}


def map_area(
    con: duckdb.DuckDBPyConnection, vintage: str, *, area: str | None, lad_code: str | None
) -> AnalysisArea:
    """Return the analysis area a map of ``area``, or of local authority ``lad_code``, is of.

    ``area`` ``None``: the area of the force holding ``lad_code`` when it is given, else
    the widest loaded (the joint operation, or the only force).

    Raises
    ------
    ValueError
        When ``lad_code`` has no wards of ``vintage`` (listing those that do), or lies
        outside ``area`` (naming both).
    ArgumentError
        When the loaded forces have no area ``area`` (listing those there are).
    """
    widest = hotspots.analysis_areas_loaded(con)[-1]
    if lad_code is None:
        return forces.analysis_area(area, widest.forces)
    known = lad_codes(con, vintage)
    if lad_code not in known:
        listed = ", ".join(f"{code} ({name})" for code, name in known.items())
        raise ValueError(f"unknown local authority {lad_code!r} for {vintage} wards; valid codes: {listed}")
    holder = forces.force_of_lad(lad_code, widest.forces)
    chosen = forces.analysis_area(area if area is not None or holder is None else holder.key, widest.forces)
    if holder is not None and lad_code not in chosen.lad_codes:
        raise ValueError(
            f"local authority {lad_code} ({known[lad_code]}) is not in analysis area {chosen.key!r} "
            f"({chosen.label}): it is in {holder.key!r}; map it with that area or none"
        )
    return chosen


def _area(
    con: duckdb.DuckDBPyConnection, vintage: str, lad_code: str | None, area: str | None = None
) -> _Area:
    """Resolve what the map covers, and the test "does this point belong to it" used for cells and pixels.

    A point belongs to the map's authorities when their wards hold it, or, when no ward
    holds it (a beach seaward of the clipped coastline), when the nearest authority
    within the attribution snapping distance is one of them: the rule events are
    attributed by.
    """
    chosen = map_area(con, vintage, area=area, lad_code=lad_code)
    areas = hotspots.analysis_areas_loaded(con)
    several = len(areas) > 1
    if lad_code is not None:
        box, keep = _belonging(con, vintage, (lad_code,))
        return _Area(
            chosen, several, chosen.lad_codes, lad_code, lad_codes(con, vintage)[lad_code], box, keep
        )
    if chosen.key == areas[-1].key:
        return _Area(chosen, several, None, None, None, None, None)
    box, keep = _belonging(con, vintage, chosen.lad_codes)
    return _Area(chosen, several, chosen.lad_codes, None, None, box, keep)


def _belonging(
    con: duckdb.DuckDBPyConnection, vintage: str, codes: Collection[str]
) -> tuple[_grid_layers.BngBox, _grid_layers.PixelMask]:
    """Return the bounds of authorities ``codes`` (with the snapping margin) and the test of belonging."""
    outlines = {
        row["lad_code"]: shapely.from_wkb(bytes(row["geometry"]))
        for row in _rows(con, "lad_outlines", {"vintage": vintage})
    }
    mine = [g for code, g in outlines.items() if code in codes]
    if not mine:
        raise LookupError(f"no wards of vintage {vintage!r} are loaded in {', '.join(codes)}")
    target = shapely.union_all(mine)
    others = [g for code, g in outlines.items() if code not in codes]
    land = shapely.union_all(list(outlines.values()))
    near = target.buffer(SNAP_TOLERANCE_M)
    for geometry in (target, land, near):
        shapely.prepare(geometry)

    def keep(x: np.ndarray, y: np.ndarray) -> np.ndarray:
        inside: NDArray[np.bool_] = shapely.contains_xy(target, x, y)
        shore: NDArray[np.bool_] = ~inside & shapely.contains_xy(near, x, y)
        shore[shore] &= ~shapely.contains_xy(land, x[shore], y[shore])
        if shore.any():
            points = shapely.points(x[shore], y[shore])
            distance = shapely.distance(target, points)
            theirs = np.min([shapely.distance(g, points) for g in others], axis=0) if others else np.inf
            shore[shore] = distance <= theirs
        return inside | shore

    xmin, ymin, xmax, ymax = near.bounds
    return (xmin, ymin, xmax, ymax), keep


def _listing(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, list | tuple):
        return ", ".join(str(v) for v in value)
    return str(value)


def _escaped(record: dict[str, Any]) -> dict[str, Any]:
    """Escape every text value: tooltips and popups insert them as HTML."""
    return {k: html.escape(v) if isinstance(v, str) else v for k, v in record.items()}


def _features(records: Iterable[dict[str, Any]]) -> dict[str, Any]:
    features = []
    for record in records:
        props = dict(record)
        geometry = props.pop("geometry")
        features.append(
            {
                "type": "Feature",
                "geometry": json.loads(geometry)
                if isinstance(geometry, str)
                else shapely.geometry.mapping(geometry),
                "properties": _escaped(props),
            }
        )
    return {"type": "FeatureCollection", "features": features}


def _heat_saturation(cells: list[list[float]]) -> float:
    """Incidents at which the heat layer saturates: the 90th percentile of ~600 m squares.

    Leaflet.heat sums the weights of nearby points; scaling its top colour to a high
    percentile of local sums keeps a few busy streets from washing out every hotspot
    and keeps scattered single incidents faint.
    """
    squares: dict[tuple[int, int], float] = {}
    for lat, lon, n in cells:
        key = (int(lat / 0.0054), int(lon / 0.0093))  # about 600 m x 600 m at 54.6 N
        squares[key] = squares.get(key, 0) + n
    ordered = sorted(squares.values())
    return float(max(1, ordered[int(0.9 * (len(ordered) - 1))])) if ordered else 1.0


# --------------------------------------------------------------------------- layers


@dataclass(frozen=True)
class _LayerNames:
    density: str = "Hotspot risk (expected incidents per km²)"
    gistar: str = "Gi* hot and cold spots (cells)"
    areas: str = "Hotspot areas (named)"
    places: str = "Gazetteer places"
    cells: str = "Incidents per 100 m square (clustered)"
    heat: str = "Incident heat (exploration: changes with zoom)"

    @staticmethod
    def wards(vintage: str) -> str:
        return f"Wards ({vintage}): incidents and change"

    @staticmethod
    def force(area: AnalysisArea) -> str:
        """Name the outline layer: ``Durham force area``, ``Cleveland and Durham force areas``."""
        return f"{area.name} force area{'s' if len(area.forces) > 1 else ''}"


LAYER_NAMES = _LayerNames()


def _density_layer(
    fmap: folium.Map, density: _Density, area: _Area
) -> tuple[folium.raster_layers.ImageOverlay, list[float]]:
    """Add the risk surface as one warped, classed, semi-transparent image."""
    threshold = density.threshold_km2 or 0.0
    breaks = [step * threshold for step in _map_page.DENSITY_STEPS] if threshold > 0 else [np.inf]
    raster = _grid_layers.class_raster(
        density.grid, density.cols, density.rows, _grid_layers.classify(density.density, breaks)
    )
    picture = _grid_layers.overlay(
        density.grid, raster, _map_page.DENSITY_COLOURS, box=area.box, keep=area.keep
    )
    log.info("density image %d x %d px, %d bytes", picture.width, picture.height, len(picture.png))
    image = folium.raster_layers.ImageOverlay(
        picture.data_uri,
        bounds=[list(picture.bounds[0]), list(picture.bounds[1])],
        name=LAYER_NAMES.density,
        pane="density",
        pixelated=False,
        alt="Predicted risk of off-road-bike incidents",
    )
    image.add_to(fmap)
    return image, breaks if threshold > 0 else []


def _geojson(
    fmap: folium.Map,
    records: list[dict[str, Any]],
    *,
    name: str,
    tooltip: list[tuple[str, str]],
    popup: list[tuple[str, str]] | None = None,
    **options: Any,
) -> folium.GeoJson:
    """Add a GeoJSON layer of ``records`` (text escaped) with a tooltip and optional popup; return it.

    ``tooltip`` and ``popup`` list ``(property, label)`` pairs. A layer with no features
    is still added, so it is listed in the layer control on every map.
    """
    layer = folium.GeoJson(_features(records), name=name, **options)
    if records:
        labels = [(field, html.escape(label)) for field, label in tooltip]
        folium.GeoJsonTooltip(fields=[f for f, _ in labels], aliases=[a for _, a in labels]).add_to(layer)
        if popup:
            labels = [(field, html.escape(label)) for field, label in popup]
            folium.GeoJsonPopup(fields=[f for f, _ in labels], aliases=[a for _, a in labels]).add_to(layer)
    layer.add_to(fmap)
    return layer


def _gistar_layer(fmap: folium.Map, density: _Density, area: _Area) -> folium.GeoJson:
    """Add significant Gi* cells, dissolved per class, coloured hot to cold (off by default)."""
    centres_x = density.grid.origin_x + (density.cols + 0.5) * density.grid.cell_m
    centres_y = density.grid.origin_y + (density.rows + 0.5) * density.grid.cell_m
    mine = area.keep(centres_x, centres_y) if area.keep else np.ones(density.cols.size, dtype=bool)
    records = []
    for gi_class, (colour, label) in _map_page.GI_CLASSES.items():
        chosen = (density.gi_class == gi_class) & mine
        if chosen.any():
            shape = _grid_layers.dissolve_cells(density.grid, density.cols[chosen], density.rows[chosen])
            records.append({"label": label, "colour": colour, "cells": int(chosen.sum()), "geometry": shape})
    return _geojson(
        fmap,
        records,
        name=LAYER_NAMES.gistar,
        tooltip=[("label", "Getis-Ord Gi*"), ("cells", "Cells")],
        show=False,
        pane="density",
        style_function=lambda f: {
            "fillColor": f["properties"]["colour"],
            "fillOpacity": 0.6,
            "color": f["properties"]["colour"],
            "weight": 0.5,
        },
    )


def _change_fields(row: dict[str, Any]) -> dict[str, str]:
    return {
        "previous": _map_page.change_text(
            row["incidents"], row["previous"], row["change_previous"], row["p_previous"]
        ),
        "last_year": _map_page.change_text(
            row["incidents"], row["last_year"], row["change_last_year"], row["p_last_year"]
        ),
        "trend": _map_page.TRENDS.get(row["trend"], _map_page.TRENDS["none"])[1],
    }


_CHANGE_LABELS = [
    ("previous", "Change on previous period"),
    ("last_year", "Change on same period last year"),
]


def _ward_layer(
    fmap: folium.Map, wards: list[dict[str, Any]], vintage: str, period: Period
) -> tuple[folium.GeoJson, list[int]]:
    """Add the ward choropleth; return it and its class breaks for the legend."""
    records = [
        {
            "ward_name": w["ward_name"],
            "lad_name": w["lad_name"],
            "ward_code": w["ward_code"],
            "incidents": int(w["incidents"]),
            **_change_fields(w),
            "gi": _map_page.GI_CLASSES.get(w["gi_class"], ("", _map_page.NOT_SIGNIFICANT))[1],
            "geometry": w["geometry"],
        }
        for w in wards
    ]
    breaks = _map_page.ward_breaks([r["incidents"] for r in records])
    layer = _geojson(
        fmap,
        records,
        name=LAYER_NAMES.wards(vintage),
        tooltip=[
            ("ward_name", "Ward"),
            ("lad_name", "Local authority"),
            ("ward_code", "Code"),
            ("incidents", f"Incidents {_map_page.months(period)}"),
            *_CHANGE_LABELS,
            ("gi", "Getis-Ord Gi* (wards)"),
            ("trend", "Monthly trend"),
        ],
        style_function=lambda f: {
            "fillColor": _map_page.ward_colour(f["properties"]["incidents"], breaks),
            "color": "#667",
            "weight": 0.8,
            "fillOpacity": 0.35,
        },
        highlight_function=lambda f: {"weight": 2.5, "color": "#000"},
    )
    return layer, breaks


def _area_layer(fmap: folium.Map, areas: list[dict[str, Any]], period: Period) -> folium.GeoJson:
    """Add the named hotspot areas, outlined by trend, with a popup each."""
    records = [
        {
            "name": a["name"],
            "incidents": int(a["incidents"]),
            **_change_fields(a),
            "colour": _map_page.TRENDS.get(a["trend"], _map_page.TRENDS["none"])[0],
            "peak_days": _listing(a["peak_days"]) or "-",
            "peak_hours": _listing(a["peak_hours"]) or "-",
            "wards": _listing(a["ward_names"]),
            "area": f"{a['area_km2']:.2f} km²",
            "geometry": a["geometry"],
        }
        for a in areas
    ]
    heading = [("name", "Hotspot area"), ("incidents", f"Incidents {_map_page.months(period)}")]
    return _geojson(
        fmap,
        records,
        name=LAYER_NAMES.areas,
        tooltip=heading,
        popup=[
            *heading,
            *_CHANGE_LABELS,
            ("trend", "Trend"),
            ("peak_days", "Peak days"),
            ("peak_hours", "Peak hours"),
            ("wards", "Wards"),
            ("area", "Area"),
        ],
        pane="outlines",
        style_function=lambda f: {
            "color": f["properties"]["colour"],
            "weight": 2.5,
            "fillColor": f["properties"]["colour"],
            "fillOpacity": 0.04,
        },
        highlight_function=lambda f: {"weight": 4},
    )


def _places_layer(fmap: folium.Map, places: list[dict[str, Any]], period: Period) -> folium.GeoJson:
    return _geojson(
        fmap,
        places,
        name=LAYER_NAMES.places,
        tooltip=[
            ("name", "Gazetteer place"),
            ("incidents", f"Incidents {_map_page.months(period)}"),
            ("intelligence", "Intelligence reports (P)"),
            ("concern", "Concern"),
        ],
        pane="outlines",
        style_function=lambda f: {"color": "#5b2a86", "weight": 1.5, "dashArray": "6 4", "fill": False},
    )


def _incident_layers(fmap: folium.Map, cells: list[list[float]]) -> None:
    """Add the clustered cell counts and the exploration heat layer (off by default)."""
    data = _leaflet.CellCounts(cells)
    data.add_to(fmap)
    _leaflet.ClusterLayer(data, name=LAYER_NAMES.cells, show=False).add_to(fmap)
    _leaflet.HeatLayer(
        data,
        name=LAYER_NAMES.heat,
        show=False,
        radius=14,
        blur=12,
        minOpacity=0.05,
        saturation=_heat_saturation(cells),
        gradient=HEAT_GRADIENT,
    ).add_to(fmap)


# --------------------------------------------------------------------------- the map


def build_hotspot_map(  # noqa: PLR0913 (the eight arguments a map always took, and its area)
    con: duckdb.DuckDBPyConnection,
    path: Path,
    *,
    period: Period,
    vintage: str,
    stamp: Stamp,
    online_tiles: bool = False,
    tiles: str | None = None,
    lad_code: str | None = None,
    area: str | None = None,
) -> MapResult:
    """Write the hotspot map of one analysis area for ``period`` to ``path`` and return what it holds.

    Parameters
    ----------
    con
        The warehouse, with marts built and the period analysed
        (``endurance.hotspots.analyse_period``).
    path
        The HTML file to write; its folder is created.
    period
        Whole months to map.
    vintage
        Ward boundary vintage to shade and name (stated on the map).
    stamp
        The run that produced the map and when, printed in the title block; its
        protective marking, printed at the top and bottom (empty for none); and its data
        label, shown prominently (e.g. "SYNTHETIC DEMO DATA", also set whenever the
        warehouse holds synthetic rows).
    online_tiles
        Add OpenStreetMap background tiles (needs internet when the map is opened).
    tiles
        A tile server's URL template (``https://tiles.example/{z}/{x}/{y}.png``), such as
        the force's own: its tiles are the background (only where it can be reached).
    lad_code
        Map one local authority only: its wards, zoomed to it, and the incidents,
        density and hotspots within it.
    area
        The analysis area mapped: a loaded force's key (``cleveland``, ``durham``) or
        ``joint``. ``None``: the force holding ``lad_code`` when it is given, else the
        widest loaded (the joint operation, or the only force).

    Raises
    ------
    AnalysisMissingError
        If the period has not been analysed in the area.
    ValueError
        If ``lad_code`` is not an authority with wards of ``vintage`` (the message lists
        them) or lies outside ``area``; if the loaded forces have no area ``area``
        (``ArgumentError``, listing those there are).
    """
    scope = _area(con, vintage, lad_code, area)  # a bad area or authority is refused first
    _check_publishable(con, period, vintage)
    # A warehouse with demo rows says so on every map.
    stamp = replace(stamp, data_label=marts.data_label(con, stamp.data_label))
    data = _gather(con, period, vintage, scope)
    inline = _assets.assets_available()
    if not inline:
        log.warning("npm map assets not installed; %s will load Leaflet from CDN links", path)
    fmap = _base_map(data.bounds, online_tiles=online_tiles, tiles=tiles)
    drawn = _add_layers(fmap, data, period, vintage, scope)
    title = _title_lines(con, data, period, vintage, scope, stamp)
    _add_page(fmap, title, drawn, data.density, vintage, marking=stamp.marking, inline=inline)
    _write_map(fmap, path, inline=inline)
    return MapResult(
        path, path.stat().st_size, inline, drawn.layers, data.incidents, lad_code, area=scope.analysis.key
    )


@dataclass(frozen=True)
class _PeriodData:
    """What a map of one period and area draws, read from the marts."""

    density: _Density
    wards: list[dict[str, Any]]
    areas: list[dict[str, Any]]
    places: list[dict[str, Any]]
    cells: list[list[float]]  # [lat, lon, incidents] per occupied 100 m cell
    incidents: int
    outline: list[dict[str, Any]]  # name and GeoJSON of each force area covered
    bounds: list[list[float]]


def _gather(con: duckdb.DuckDBPyConnection, period: Period, vintage: str, area: _Area) -> _PeriodData:
    """Read the area's density, wards, hotspot areas, places, cell counts and force outlines."""
    start, after = period.bounds
    key, lads, lad = area.analysis.key, area.lads and list(area.lads), area.lad_code
    density = _read_density(con, period, key)
    wards = _rows(
        con, "wards", {"area": key, "period": period.label, "vintage": vintage, "lads": lads, "lad": lad}
    )
    if not wards:
        raise LookupError(f"no wards of vintage {vintage!r} are loaded in the {area.analysis.label}")
    areas = _rows(con, "hotspot_areas", {"area": key, "period": period.label, "lad": lad})
    places = _rows(con, "places", {"start": start, "after": after, "lads": lads, "lad": lad})
    cell_rows = _rows(con, "incident_cells", {"start": start, "after": after})
    if area.keep is not None and cell_rows:
        x = np.array([c["cell_x"] for c in cell_rows], dtype=float)
        y = np.array([c["cell_y"] for c in cell_rows], dtype=float)
        cell_rows = [c for c, kept in zip(cell_rows, area.keep(x, y), strict=True) if kept]
    cells = [[round(c["lat"], 4), round(c["lon"], 4), int(c["incidents"])] for c in cell_rows]
    outline = _rows(con, "force_outlines", {"codes": list(area.analysis.force_codes)})
    return _PeriodData(
        density=density,
        wards=wards,
        areas=areas,
        places=places,
        cells=cells,
        incidents=sum(c[2] for c in cells),
        outline=outline,
        bounds=_ward_bounds(wards),
    )


def _base_map(bounds: list[list[float]], *, online_tiles: bool, tiles: str | None = None) -> folium.Map:
    """Start the map fitted to ``bounds``, with its panes and, if asked, background tiles."""
    fmap = _leaflet.Map(
        location=[(bounds[0][0] + bounds[1][0]) / 2, (bounds[0][1] + bounds[1][1]) / 2],
        tiles=None,
        control_scale=True,
    )
    _leaflet.View(bounds, html.escape(_map_page.ATTRIBUTION)).add_to(fmap)
    if online_tiles:
        folium.TileLayer("OpenStreetMap", name="OpenStreetMap (online)").add_to(fmap)
    if tiles:
        folium.TileLayer(
            tiles,
            attr="Background: force tile server",
            name="Background map (tile server)",
            max_zoom=MAX_ZOOM,
        ).add_to(fmap)
    # Panes: ward fills lowest, the density image and Gi* cells above them, outlines on
    # top. The upper panes let the mouse through to the wards except on their shapes.
    folium.map.CustomPane("density", z_index=410, pointer_events=False).add_to(fmap)
    folium.map.CustomPane("outlines", z_index=450, pointer_events=False).add_to(fmap)
    return fmap


@dataclass(frozen=True)
class _Drawn:
    """The layers added to a map, bottom to top, and the class breaks its legend shows."""

    layers: tuple[str, ...]
    ward_breaks: list[int]
    density_breaks: list[float]


def _add_layers(fmap: folium.Map, data: _PeriodData, period: Period, vintage: str, area: _Area) -> _Drawn:
    """Add every layer, bottom to top, then the layer control, the labels and the drawn-mark."""
    wards, ward_breaks = _ward_layer(fmap, data.wards, vintage, period)
    image, density_breaks = _density_layer(fmap, data.density, area)
    gistar = _gistar_layer(fmap, data.density, area)
    areas = _area_layer(fmap, data.areas, period)
    places = _places_layer(fmap, data.places, period)
    _force_layer(fmap, data.outline, LAYER_NAMES.force(area.analysis))
    _incident_layers(fmap, data.cells)
    folium.LayerControl(collapsed=True).add_to(fmap)
    legend_layers = {"density": image, "wards": wards, "areas": areas, "gistar": gistar, "places": places}
    _leaflet.PageBehaviour(
        legend_layers, _map_page.labels(data.wards, data.areas), fold_below=_map_page.FOLD_BELOW
    ).add_to(fmap)
    _leaflet.ReadyMark(image).add_to(fmap)
    layers = (
        LAYER_NAMES.wards(vintage),
        LAYER_NAMES.density,
        LAYER_NAMES.gistar,
        LAYER_NAMES.areas,
        LAYER_NAMES.places,
        LAYER_NAMES.force(area.analysis),
        LAYER_NAMES.cells,
        LAYER_NAMES.heat,
    )
    return _Drawn(layers, ward_breaks, density_breaks)


def _force_layer(fmap: folium.Map, outline: list[dict[str, Any]], name: str) -> None:
    """Add the outline of each force area the map covers."""
    _geojson(
        fmap,
        outline,
        name=name,
        tooltip=[("name", "Police force area")],
        pane="outlines",
        style_function=lambda f: {"color": "#1f3b73", "weight": 2, "fill": False},
    )


def _title_lines(
    con: duckdb.DuckDBPyConnection,
    data: _PeriodData,
    period: Period,
    vintage: str,
    area: _Area,
    stamp: Stamp,
) -> list[str]:
    """Write the title block's lines: what, where, how many, which method, sources, provenance."""
    density = data.density
    located = "" if area.lad_code else f", {density.incidents:,} of them at a point in density and areas"
    # One force loaded: the title names no force, as it always has.
    where = f", {area.lad_name}" if area.lad_name else f", {area.analysis.label}" if area.several else ""
    analysed = _incidents_in(con, period, vintage, area)  # as the briefing says
    covered = "the force area" if len(area.analysis.forces) == 1 else "the force areas"
    reported = " and ".join(force.name for force in area.analysis.forces)
    threshold = (
        f" (at least {_map_page.number(density.threshold_km2)} expected incidents per km²)"
        if density.threshold_km2
        else ""
    )
    return [
        f"Operation Endurance: off-road bike hotspots{where}, {period.start} to {period.end}",
        *([stamp.data_label] if stamp.data_label else []),
        f"{analysed:,} incidents (off-road-bike incidents and shareable intelligence reports, each "
        f"incident counted once) in the wards{located}; {data.incidents:,} control-room incidents in "
        "the counts per 100 m square. No incident point is in this file.",
        f"Risk for {density.forecast_month} on {density.grid.cell_m:.0f} m cells (British National Grid): "
        f"{density.method_label}. Hotspot areas: the cells of highest risk covering "
        f"{density.coverage:.0%} of {covered}{threshold}.".replace("%", " %"),
        _map_page.pai_line(
            hotspots.map_accuracy(con, period, area.analysis.key), force_wide=bool(area.lad_code)
        ),
        f"Sources: {reported} incident logs; community intelligence (handling code P); data.police.uk.",
        f"Boundaries: ONS electoral wards, {vintage} vintage; places: project gazetteer.",
        f"Generated {stamp.generated} by run {stamp.run_id}.",
    ]


def _incidents_in(con: duckdb.DuckDBPyConnection, period: Period, vintage: str, area: _Area) -> int:
    """Return the period's incidents in the map's wards: the one figure every output gives for it."""
    lad_codes = (area.lad_code,) if area.lad_code is not None else area.lads
    return marts.period_incidents(con, period, vintage, lad_codes=lad_codes)


def _add_page(
    fmap: folium.Map,
    title: list[str],
    drawn: _Drawn,
    density: _Density,
    vintage: str,
    *,
    marking: str,
    inline: bool,
) -> None:
    """Add the title block, legend and marking to the page, and its title and style."""
    warning = (
        None if inline else "Map libraries are loaded from the internet: run `npm ci` for an offline map."
    )
    root = fmap.get_root()
    assert isinstance(root, folium.Figure)
    for block in (
        _map_page.title_html(title, warning),
        _map_page.legend_html(
            drawn.density_breaks,
            drawn.ward_breaks,
            vintage,
            forecast_month=density.forecast_month,
            method=density.method_label,
        ),
        _map_page.marking_html(marking),
    ):
        root.html.add_child(folium.Element(block))
    page_title = " ".join(part for part in (marking, title[0]) if part)
    root.header.add_child(folium.Element(f"<title>{html.escape(page_title)}</title>"))
    off = "".join(f".endurance-off-{k} .endurance-for-{k}{{display:none}}" for k in _map_page.LEGEND_LAYERS)
    root.header.add_child(folium.Element(f"<style>{_map_page.PAGE_STYLE}{off}</style>"))


def _write_map(fmap: folium.Map, path: Path, *, inline: bool) -> None:
    """Render the page, inline the map libraries when installed, and publish it atomically."""
    text = fmap.get_root().render()
    if inline:
        text = _assets.inline_assets(text)
    _publish.write_text(path, text)  # never a half-written map where a good one was


def _ward_bounds(wards: list[dict[str, Any]]) -> list[list[float]]:
    """``[[south, west], [north, east]]`` of the wards' GeoJSON outlines."""
    shapes = [shapely.geometry.shape(json.loads(w["geometry"])) for w in wards]
    west, south, east, north = shapely.total_bounds(shapes)
    return [[float(south), float(west)], [float(north), float(east)]]


# --------------------------------------------------------------------------- one command


def map_file_name(
    period: Period, area: AnalysisArea, areas: Sequence[AnalysisArea], lad_code: str | None = None
) -> str:
    """Return the file name of the map of ``area`` (or its authority ``lad_code``) among ``areas``.

    ``hotspots_<period>.html`` for the widest area (the name a map of one force always
    had), ``hotspots_<period>_<force key>.html`` for a force's map when several are
    loaded (:func:`endurance.forces.area_suffix`), ``hotspots_<period>_<lad_code>.html``
    for one local authority.
    """
    suffix = f"_{lad_code}" if lad_code else forces.area_suffix(area, areas)
    return f"hotspots_{period.label}{suffix}.html"


def area_map_paths(maps_dir: Path, period: Period, areas: Sequence[AnalysisArea]) -> list[tuple[str, Path]]:
    """Return ``(area key, path)`` of the map of each analysis area, in the order of ``areas``.

    What the nightly flow writes: one map per area of the loaded forces
    (``hotspots.analysis_areas_loaded``), each by :func:`map_file_name` in ``maps_dir``;
    pass the key as ``build_hotspot_map(..., area=key)``.
    """
    return [(area.key, maps_dir / map_file_name(period, area, areas)) for area in areas]


def publish_map(  # noqa: PLR0913 (the eight arguments a map always took, and its area)
    settings: Settings,
    period: Period,
    *,
    lad_code: str | None = None,
    area: str | None = None,
    out: Path | None = None,
    online_tiles: bool = False,
    tiles: str | None = None,
    png: bool = False,
    data_label: str | None = None,
) -> MapResult:
    """Analyse the period if it has not been, write one analysis area's map (and PNG), record the run.

    ``area`` and ``lad_code`` choose what is mapped as in :func:`build_hotspot_map`. The
    map uses the settings' ward vintage and marking; it is written to ``out``, by default
    to ``<maps_dir>/`` named by :func:`map_file_name`. The run is recorded in ``ops.runs``
    as ``cli-map`` and its id printed on the map. ``tiles`` (a tile server's URL template)
    defaults to the settings' (``ENDURANCE_TILES``).
    """
    tiles = tiles or settings.tiles
    vintage = settings.output_vintage
    check_writable(out.parent if out else settings.maps_dir, "--out" if out else "ENDURANCE_OUT")
    with warehouse.connect(settings.db_path) as con:
        chosen = map_area(con, vintage, area=area, lad_code=lad_code)  # refused before minutes of analysis
        name = map_file_name(period, chosen, hotspots.analysis_areas_loaded(con), lad_code)
        path = out or settings.maps_dir / name
        record = warehouse.RunRecord(
            flow="cli-map",
            settings=settings.describe(),
            parameters={
                "period": period.label,
                "area": chosen.key,
                "lad": lad_code,
                "out": str(path),
                "online_tiles": online_tiles,
                "tiles": tiles,
            },
        )
        with warehouse.recording(con, record):
            freshness.refresh(con, run_id=record.run_id)  # newly loaded incidents reach the map
            _refuse_empty(con, period, vintage)  # a period with no data is refused, not mapped empty
            record.counts.update(freshness.refresh(con, period=period, vintage=vintage, run_id=record.run_id))
            result = build_hotspot_map(
                con,
                path,
                period=period,
                vintage=vintage,
                stamp=Stamp(record.run_id, settings.marking, data_label),
                online_tiles=online_tiles,
                tiles=tiles,
                lad_code=lad_code,
                area=chosen.key,
            )
            picture = render_png(path, path.with_suffix(".png")) if png else None
            record.outputs = [warehouse.output_file(p) for p in (path, picture) if p]
    return replace(result, png=picture, analysed=bool(record.counts["analysed"]))


def _check_publishable(con: duckdb.DuckDBPyConnection, period: Period, vintage: str) -> None:
    """Refuse stale derived data, and a period in which no incident is loaded (as the exports do)."""
    freshness.require_fresh(
        con, period=period, vintage=vintage, command=f"endurance map --from {period.start} --to {period.end}"
    )
    _refuse_empty(con, period, vintage)


def _refuse_empty(con: duckdb.DuckDBPyConnection, period: Period, vintage: str) -> None:
    refusal = marts.no_incidents_message(period, marts.months_with_incidents(con, vintage))
    if refusal:
        raise NoDataError(refusal + ": no map is written")


# --------------------------------------------------------------------------- the static PNG


def render_png(
    html_path: Path,
    png_path: Path,
    *,
    width: int = 1600,
    height: int = 1100,
    timeout_s: float = 60.0,
    chromium: Path = _browser.CHROMIUM,
) -> Path:
    """Render a map to a PNG through headless Chromium with the network closed.

    Waits until the page marks the map drawn (``window.__mapReady``), switches it to print
    mode (no zoom buttons or layer control; title block and legend unfolded), then takes a
    screenshot of the whole viewport, title block, legend, labels and marking included.

    Raises
    ------
    BrowserMissingError
        If Chromium (``/usr/bin/chromium``) or Playwright is missing; the message names the fix.
    """
    with _browser.offline_page(width=width, height=height, chromium=chromium) as page:
        page.goto(Path(html_path).resolve().as_uri())
        page.wait_for_function("window.__mapReady !== undefined", timeout=timeout_s * 1000)
        page.evaluate("window.endurancePrint && window.endurancePrint()")  # no controls, all unfolded
        with _publish.publishing(png_path) as partial:
            page.screenshot(path=str(partial), type="png")
    return png_path


__all__ = [
    "LAYER_NAMES",
    "publish_map",
    "MapResult",
    "area_map_paths",
    "build_hotspot_map",
    "lad_codes",
    "map_area",
    "map_file_name",
    "render_png",
]
