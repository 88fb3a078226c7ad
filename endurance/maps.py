"""Tasking-meeting hotspot maps: one self-contained Folium HTML file per period.

Layers: a heat layer of off-road-bike incidents aggregated to 100 m grid cells (no
incident point is written to the file), wards of the stated boundary vintage shaded
by incidents with counts in tooltips, the named hotspots from the project gazetteer
with their counts, and the force-area outline. A title block states the period, the
data sources, the boundary vintage, when and by which run the map was made, and any
data label (for example that the data are synthetic).

By default the map needs no network: Leaflet and its plugins are inlined from the
pinned npm packages and no background tiles are used. ``online_tiles=True`` adds
OpenStreetMap tiles for users with internet access.
"""

from __future__ import annotations

import html
import json
import logging
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

import duckdb
import folium
from folium.plugins import HeatMap

from endurance import _assets
from endurance.geography import FORCE_CODE
from endurance.periods import Period

log = logging.getLogger(__name__)

#: Five-class sequential palette (ColorBrewer Blues) for the ward shading: cool colours,
#: so the hot colours of the heat layer stand out on top of it.
PALETTE = ("#eff3ff", "#bdd7e7", "#6baed6", "#3182bd", "#08519c")
#: Heat layer colours from sparse (yellow) to dense (dark red).
HEAT_GRADIENT = {0.2: "#ffffb2", 0.45: "#fecc5c", 0.7: "#fd8d3c", 0.85: "#f03b20", 1.0: "#bd0026"}
ATTRIBUTION = (
    "Contains OS data © Crown copyright and database right 2013–2024. Source: Office for "
    "National Statistics licensed under the Open Government Licence v3.0. Contains public "
    "sector information licensed under the Open Government Licence v3.0 (data.police.uk)."
)


class _Map(folium.Map):
    """A Folium map that links only the pinned Leaflet files (no jQuery, no Bootstrap)."""

    default_js = [(_assets.LEAFLET.name, _assets.LEAFLET.url)]
    default_css = [(_assets.LEAFLET_CSS.name, _assets.LEAFLET_CSS.url)]


class _HeatMap(HeatMap):
    default_js = [(_assets.LEAFLET_HEAT.name, _assets.LEAFLET_HEAT.url)]


@dataclass(frozen=True)
class MapResult:
    """Where the map was written and what it shows."""

    path: Path
    bytes: int
    self_contained: bool
    layers: tuple[str, ...]
    incidents: int


def _feature_collection(rows: list[tuple], keys: list[str]) -> dict:
    features = []
    for row in rows:
        *props, geometry = row
        features.append(
            {
                "type": "Feature",
                "geometry": json.loads(geometry),
                "properties": dict(zip(keys, props, strict=True)),
            }
        )
    return {"type": "FeatureCollection", "features": features}


def _breaks(values: list[int]) -> list[int]:
    ordered = sorted(v for v in values if v > 0)
    if not ordered:
        return [1, 2, 3, 4]
    picks = [ordered[min(len(ordered) - 1, int(len(ordered) * q))] for q in (0.2, 0.4, 0.6, 0.8)]
    return sorted(set(picks))


def _colour(value: int, breaks: list[int]) -> str:
    if value <= 0:
        return "#f7f7f7"
    index = sum(value > b for b in breaks)
    return PALETTE[min(index, len(PALETTE) - 1)]


def _heat_saturation(cells: list[tuple[float, float, int]]) -> float:
    """Incidents at which the heat layer saturates: the 90th percentile of ~600 m squares.

    Leaflet.heat sums the weights of nearby points; scaling its top colour to a high
    percentile of local sums keeps a few busy streets from washing out every hotspot
    and keeps scattered single incidents faint.
    """
    squares: dict[tuple[int, int], int] = {}
    for lat, lon, n in cells:
        key = (int(lat / 0.0054), int(lon / 0.0093))  # about 600 m x 600 m at 54.6 N
        squares[key] = squares.get(key, 0) + n
    ordered = sorted(squares.values())
    return float(max(1, ordered[int(0.9 * (len(ordered) - 1))])) if ordered else 1.0


def _title_html(lines: list[str], warning: str | None) -> str:
    body = "".join(f"<div>{html.escape(line)}</div>" for line in lines[1:])
    warn = f'<div style="color:#b00;font-weight:bold">{html.escape(warning)}</div>' if warning else ""
    return (
        '<div id="endurance-title" style="position:absolute;top:10px;left:55px;z-index:1000;'
        "background:rgba(255,255,255,0.93);padding:8px 12px;border:1px solid #888;"
        'border-radius:4px;font:12px/1.35 sans-serif;max-width:460px">'
        f'<div style="font-size:15px;font-weight:bold">{html.escape(lines[0])}</div>'
        f"{body}{warn}</div>"
    )


def _legend_html(breaks: list[int], vintage: str) -> str:
    edges = [1, *[b + 1 for b in breaks]]
    rows = []
    for i, start in enumerate(edges):
        end = breaks[i] if i < len(breaks) else None
        label = (
            f"{start}–{end}"
            if end is not None and end != start
            else (f"{start}" if end is not None else f"{start} or more")
        )
        rows.append(
            f'<div><span style="display:inline-block;width:14px;height:10px;'
            f'background:{PALETTE[min(i, len(PALETTE) - 1)]};border:1px solid #999">'
            f"</span> {html.escape(label)}</div>"
        )
    return (
        '<div id="endurance-legend" style="position:absolute;bottom:50px;left:10px;z-index:1000;'
        "background:rgba(255,255,255,0.93);padding:6px 10px;border:1px solid #888;"
        'border-radius:4px;font:12px sans-serif">'
        f"<b>Off-road-bike incidents per ward ({html.escape(vintage)} wards)</b>"
        '<div><span style="display:inline-block;width:14px;height:10px;background:#f7f7f7;'
        'border:1px solid #999"></span> 0</div>'
        + "".join(rows)
        + '<div><span style="display:inline-block;width:14px;height:0;border-top:2px dashed #5b2a86">'
        "</span> named hotspot</div>"
        '<div><span style="display:inline-block;width:40px;height:10px;background:linear-gradient('
        'to right,#ffffb2,#fd8d3c,#bd0026)"></span> incident heat: sparse to dense</div></div>'
    )


def build_hotspot_map(
    con: duckdb.DuckDBPyConnection,
    path: Path,
    *,
    period: Period,
    vintage: str,
    run_id: str,
    data_label: str | None = None,
    online_tiles: bool = False,
    generated_at: datetime | None = None,
) -> MapResult:
    """Write the hotspot map for ``period`` to ``path`` and return what it holds.

    Parameters
    ----------
    con
        The warehouse, with marts built.
    path
        The HTML file to write; its folder is created.
    period
        Whole months to map.
    vintage
        Ward boundary vintage to shade and name (stated on the map).
    run_id
        The run that produced the map, printed in the title block.
    data_label
        A line shown prominently, e.g. "SYNTHETIC DEMO DATA".
    online_tiles
        Add OpenStreetMap background tiles (needs internet when the map is opened).
    """
    start, after = period.bounds
    cells = con.execute(
        "SELECT lat, lon, sum(incidents)::INTEGER FROM marts.incident_cells"
        " WHERE month >= ?::DATE AND month < ?::DATE GROUP BY lat, lon",
        [start, after],
    ).fetchall()
    wards = con.execute(
        """
        SELECT g.ward_code, g.ward_name, g.lad_name,
               coalesce(sum(m.off_road_bike_incidents), 0)::INTEGER AS incidents,
               marts.map_geojson(g.geom_4326)
        FROM geo.wards AS g
        LEFT JOIN marts.ward_month_counts AS m
          ON m.vintage = g.vintage AND m.ward_code = g.ward_code
         AND m.month >= ?::DATE AND m.month < ?::DATE
        WHERE g.vintage = ?
        GROUP BY ALL ORDER BY g.ward_code
        """,
        [start, after, vintage],
    ).fetchall()
    if not wards:
        raise LookupError(f"no wards of vintage {vintage!r} are loaded")
    hotspots = con.execute(
        """
        SELECT g.name, g.concern,
               coalesce(sum(m.off_road_bike_incidents), 0)::INTEGER,
               coalesce(sum(m.intelligence_reports), 0)::INTEGER,
               marts.map_geojson(g.geom_4326)
        FROM geo.hotspots AS g
        LEFT JOIN marts.hotspot_month_counts AS m
          ON m.hotspot_id = g.hotspot_id AND m.month >= ?::DATE AND m.month < ?::DATE
        GROUP BY ALL ORDER BY 3 DESC
        """,
        [start, after],
    ).fetchall()
    outline = con.execute(
        "SELECT pfa_name, marts.map_geojson(geom_4326) FROM geo.force_areas WHERE pfa_code = ?",
        [FORCE_CODE],
    ).fetchall()
    bounds = con.execute(
        "SELECT min(ST_YMin(geom_4326)), min(ST_XMin(geom_4326)), max(ST_YMax(geom_4326)),"
        " max(ST_XMax(geom_4326)) FROM geo.wards WHERE vintage = ?",
        [vintage],
    ).fetchone()
    assert bounds is not None

    incidents = sum(c[2] for c in cells)
    inline = _assets.assets_available()
    warning = (
        None if inline else ("Map libraries are loaded from the internet: run `npm ci` for an offline map.")
    )
    if not inline:
        log.warning("npm map assets not installed; %s will load Leaflet from CDN links", path)

    fmap = _Map(
        location=[(bounds[0] + bounds[2]) / 2, (bounds[1] + bounds[3]) / 2],
        zoom_start=11,
        tiles=None,
        control_scale=True,
    )
    fmap.fit_bounds([[bounds[0], bounds[1]], [bounds[2], bounds[3]]])
    if online_tiles:
        folium.TileLayer("OpenStreetMap", name="OpenStreetMap (online)").add_to(fmap)

    layers = []
    ward_fc = _feature_collection(
        [
            (html.escape(code), html.escape(name), html.escape(lad), n, geom)
            for code, name, lad, n, geom in wards
        ],
        ["ward_code", "ward_name", "lad_name", "incidents"],
    )
    breaks = _breaks([w[3] for w in wards])
    ward_layer = f"Wards ({vintage}): incidents"
    folium.GeoJson(
        ward_fc,
        name=ward_layer,
        style_function=lambda f: {
            "fillColor": _colour(f["properties"]["incidents"], breaks),
            "color": "#667",
            "weight": 0.8,
            "fillOpacity": 0.3,
        },
        highlight_function=lambda f: {"weight": 2.5, "color": "#000"},
        tooltip=folium.GeoJsonTooltip(
            fields=["ward_name", "lad_name", "ward_code", "incidents"],
            aliases=["Ward", "Local authority", "Code", f"Incidents {period.label}"],
        ),
    ).add_to(fmap)
    layers.append(ward_layer)

    heat_layer = "Incident heat (100 m cells)"
    _HeatMap(
        [[lat, lon, n] for lat, lon, n in cells],
        name=heat_layer,
        radius=14,
        blur=12,
        min_opacity=0.05,
        max_zoom=11,
        max=_heat_saturation(cells),
        gradient=HEAT_GRADIENT,
    ).add_to(fmap)
    layers.append(heat_layer)

    hotspot_fc = _feature_collection(
        [(html.escape(name), html.escape(concern), n, k, geom) for name, concern, n, k, geom in hotspots],
        ["name", "concern", "incidents", "intelligence"],
    )
    hotspot_layer = "Named hotspots"
    folium.GeoJson(
        hotspot_fc,
        name=hotspot_layer,
        style_function=lambda f: {
            "color": "#5b2a86",
            "weight": 2.5,
            "dashArray": "6 4",
            "fillColor": "#5b2a86",
            "fillOpacity": 0.08,
        },
        tooltip=folium.GeoJsonTooltip(
            fields=["name", "incidents", "intelligence", "concern"],
            aliases=["Hotspot", f"Incidents {period.label}", "Intelligence reports (P)", "Concern"],
        ),
    ).add_to(fmap)
    layers.append(hotspot_layer)

    if outline:
        outline_layer = "Cleveland force area"
        folium.GeoJson(
            _feature_collection([(html.escape(n), g) for n, g in outline], ["name"]),
            name=outline_layer,
            style_function=lambda f: {"color": "#1f3b73", "weight": 2, "fill": False},
        ).add_to(fmap)
        layers.append(outline_layer)

    folium.LayerControl(collapsed=False).add_to(fmap)
    generated = (generated_at or datetime.now()).strftime("%Y-%m-%d %H:%M")
    title = [
        f"Operation Endurance: off-road bike hotspots, {period.start} to {period.end}",
        *([data_label] if data_label else []),
        f"{incidents:,} off-road-bike incidents (control-room logs), mapped as 100 m cells.",
        "Sources: Cleveland Police incident logs; community intelligence (handling code P); data.police.uk.",
        f"Boundaries: ONS electoral wards, {vintage} vintage; hotspots: project gazetteer.",
        f"Generated {generated} by run {run_id}.",
    ]
    root = fmap.get_root()
    assert isinstance(root, folium.Figure)
    attribution = (
        '<div id="endurance-attribution" style="position:absolute;bottom:0;right:0;z-index:1000;'
        'background:rgba(255,255,255,0.85);font:10px sans-serif;padding:2px 6px;max-width:60%">'
        f"{html.escape(ATTRIBUTION)}</div>"
    )
    for block in (_title_html(title, warning), _legend_html(breaks, vintage), attribution):
        root.html.add_child(folium.Element(block))
    root.header.add_child(folium.Element("<style>.leaflet-container{background:#dfe8ee}</style>"))

    text = root.render()
    if inline:
        text = _assets.inline_assets(text)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")
    return MapResult(path, path.stat().st_size, inline, tuple(layers), incidents)
