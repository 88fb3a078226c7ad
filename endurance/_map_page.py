"""The words, colours and page furniture of the hotspot map: legend, title block, marking.

Kept apart from the layers so the wording analysts read (how a change is told, what
the PAI line says) and the palettes the legend explains live in one place. Every text
that comes from data is escaped here or by the caller before it reaches HTML.
"""

from __future__ import annotations

import html
import json
import math
import warnings
from typing import Any

import shapely

from endurance._leaflet import MAX_ZOOM
from endurance.periods import Period

#: Five-class sequential palette (ColorBrewer Blues) for the ward shading: cool colours,
#: so the warm colours of the density surface stand out on top of it.
PALETTE = ("#eff3ff", "#bdd7e7", "#6baed6", "#3182bd", "#08519c")
#: Density classes as multiples of the hotspot threshold, and their colours (YlOrRd).
DENSITY_STEPS = (0.25, 0.5, 1.0, 2.0, 4.0, 8.0)
DENSITY_COLOURS = (
    (0, 0, 0, 0),
    (254, 217, 118, 130),
    (254, 178, 76, 160),
    (253, 141, 60, 190),
    (240, 59, 32, 205),
    (189, 0, 38, 215),
    (128, 0, 38, 230),
)
#: Gi* classes, hot to cold, with a diverging palette (ColorBrewer RdBu) and labels.
GI_CLASSES = {
    "hot_99": ("#b2182b", "Hot spot, 99 % confidence"),
    "hot_95": ("#ef8a62", "Hot spot, 95 % confidence"),
    "hot_90": ("#fddbc7", "Hot spot, 90 % confidence"),
    "cold_90": ("#d1e5f0", "Cold spot, 90 % confidence"),
    "cold_95": ("#67a9cf", "Cold spot, 95 % confidence"),
    "cold_99": ("#2166ac", "Cold spot, 99 % confidence"),
}
NOT_SIGNIFICANT = "Not significant"
#: Outline colour and label by trend over the period's months (Mann-Kendall, see
#: ``endurance.analysis.trend``).
TRENDS = {
    "emerging": ("#d7301f", "Emerging: significant rise month on month"),
    "persistent": ("#252525", "Persistent: no trend, active in most recent months"),
    "fading": ("#8c8c8c", "Fading: significant fall month on month"),
    "none": ("#5b2a86", "No clear trend"),
}
ATTRIBUTION = (
    "Contains OS data © Crown copyright and database right 2013–2024. Source: Office for "
    "National Statistics licensed under the Open Government Licence v3.0. Contains public "
    "sector information licensed under the Open Government Licence v3.0 (data.police.uk)."
)


def number(value: float) -> str:
    """Two significant figures below 100, whole numbers with separators above."""
    return f"{value:,.0f}" if value >= 100 else f"{value:.2g}"


def p_text(p: float | None) -> str:
    if p is None:
        return "not tested: some months hold no data"
    verdict = "significant" if p < 0.05 else "not significant"
    return f"{verdict}, p < 0.001" if p < 0.001 else f"{verdict}, p = {p:.2f}"


def change_text(now: int, before: int | None, change: float | None, p: float | None) -> str:
    """Describe a change in words: "+25 % from 40 (significant, p = 0.03)".

    The analysis leaves the p-value empty when some month of the earlier window holds
    no incident at all: no data there, which is not the same as none happening.
    """
    if before is None or (p is None and before == 0):
        return "not available: no data for that period"
    if change is None:
        return "none in either period" if now == 0 else f"new: none before, {now:,} now ({p_text(p)})"
    return f"{change:+.0%} from {before:,} ({p_text(p)})".replace("%", " %")


def months(period: Period) -> str:
    return period.start if period.start == period.end else f"{period.start} to {period.end}"


def ward_breaks(values: list[int]) -> list[int]:
    """Upper bounds of the ward classes but the last: natural breaks of the log counts.

    Ward counts are heavy-tailed (3 to 742 incidents in the demo year), so classes of
    equal counts or quantiles pile the busy wards into one top class. Fisher-Jenks natural
    breaks (``mapclassify``) on the logarithm of the counts spread them: each class is as
    alike inside, and as unlike its neighbours, as five classes allow, in ratios rather than
    differences. Wards with no incident are a class of their own (see ``ward_colour``).
    """
    positive = sorted(v for v in values if v > 0)
    distinct = sorted(set(positive))
    if len(distinct) <= len(PALETTE):
        return distinct[:-1] if distinct else [1, 2, 3, 4]
    with warnings.catch_warnings():  # "Numba not installed": the pure-Python path is fast enough
        warnings.simplefilter("ignore")
        import mapclassify  # imported here: only a map needs it

        classes = mapclassify.FisherJenks([math.log(v) for v in positive], k=len(PALETTE))
    return [round(math.exp(b)) for b in classes.bins[:-1]]


#: Fill of a ward with no incident: grey, no class of the palette.
NO_INCIDENTS = "#f7f7f7"


def ward_colour(value: int, breaks: list[int]) -> str:
    if value <= 0:
        return NO_INCIDENTS
    index = sum(value > b for b in breaks)
    return PALETTE[min(index, len(PALETTE) - 1)]


#: Viewports narrower or lower than this open with the title block and legend folded.
FOLD_BELOW = (1200, 800)

#: The page's own style. Title block (top left) and legend (top right, over the North Sea
#: that fills the north-east of Cleveland's box) fold to one line and never grow past
#: the viewport; a legend section shows only while its layer is on (the page script sets
#: ``endurance-off-<layer>`` on the body); the print mode of ``render_png`` and the
#: printer show neither zoom buttons nor the layer control.
PAGE_STYLE = """
.leaflet-container{background:#dfe8ee}
.endurance-box{position:absolute;z-index:1000;background:rgba(255,255,255,0.93);border:1px solid #888;
  border-radius:4px;font:12px/1.35 sans-serif;overflow:auto;box-sizing:border-box}
.endurance-box>summary{cursor:pointer;font-weight:bold}
#endurance-title{top:28px;left:52px;padding:6px 10px;width:470px;max-width:calc(45vw - 60px);
  max-height:60vh}
#endurance-title>summary{font-size:14px}
#endurance-legend{top:74px;right:10px;padding:6px 10px;width:270px;max-width:calc(40vw);
  max-height:calc(100vh - 130px)}
.endurance-print #endurance-legend{top:28px}
.endurance-print #endurance-title{left:10px}
.endurance-print .leaflet-control-zoom,.endurance-print .leaflet-control-layers{display:none}
@media print{.leaflet-control-zoom,.leaflet-control-layers{display:none}}
.leaflet-control-layers{font:12px sans-serif}
.leaflet-control-attribution{max-width:45%;font-size:10px}
.endurance-label{background:none;border:none;white-space:nowrap;pointer-events:none}
.endurance-label span{display:inline-block;transform:translate(-50%,-50%);font:11px/1.1 sans-serif;
  color:#222;text-shadow:0 0 3px #fff,0 0 3px #fff,0 0 2px #fff}
.endurance-label-lad span{font:bold 13px sans-serif;letter-spacing:1px;text-transform:uppercase;color:#1f3b73}
.endurance-label-ward span{font-style:italic;color:#334}
.endurance-label-area span{font-weight:bold;color:#6b0010}
"""
#: Layers whose legend section and labels follow them: key to the legend section.
LEGEND_LAYERS = ("density", "wards", "areas", "gistar", "places")


def marking_html(marking: str) -> str:
    if not marking:
        return ""
    style = (
        "position:absolute;left:50%;transform:translateX(-50%);z-index:1100;background:#fff;"
        "color:#000;border:2px solid #000;padding:1px 14px;font:bold 14px sans-serif;letter-spacing:1px"
    )
    text = html.escape(marking)
    return (
        f'<div class="endurance-marking" style="{style};top:0">{text}</div>'
        f'<div class="endurance-marking" style="{style};bottom:0">{text}</div>'
    )


def title_html(lines: list[str], warning: str | None) -> str:
    """Return the title block: its first line always shown, the rest folding under it."""
    body = "".join(f"<div>{html.escape(line)}</div>" for line in lines[1:])
    warn = f'<div style="color:#b00;font-weight:bold">{html.escape(warning)}</div>' if warning else ""
    return (
        f'<details id="endurance-title" class="endurance-box" open>'
        f"<summary>{html.escape(lines[0])}</summary>{body}{warn}</details>"
    )


def swatch(fill: str, *, border: str = "#999", width: int = 14, extra: str = "") -> str:
    return (
        f'<span style="display:inline-block;width:{width}px;height:10px;background:{fill};'
        f'border:1px solid {border};{extra}"></span>'
    )


def legend_html(
    density_breaks: list[float], ward_classes: list[int], vintage: str, *, forecast_month: str, method: str
) -> str:
    """Return the legend, one section per layer (``endurance-for-<layer>``), folding to one line."""
    density = [
        f"<b>Hotspot risk</b> (expected incidents per km², {html.escape(forecast_month)})",
        f"<div style='font-style:italic'>by {html.escape(method)}</div>",
    ]
    if density_breaks:
        highs: list[float | None] = [*density_breaks[1:], None]
        for k, (low, high) in enumerate(zip(density_breaks, highs, strict=True), start=1):
            r, g, b, a = DENSITY_COLOURS[k]
            span = f"{number(low)}–{number(high)}" if high is not None else f"{number(low)} or more"
            note = " hotspot threshold" if k == DENSITY_STEPS.index(1.0) + 1 else ""
            density.append(f"<div>{swatch(f'rgba({r},{g},{b},{a / 255:.2f})')} {span}<i>{note}</i></div>")
    else:
        density.append("<div>no incidents in the period</div>")
    wards = [
        f"<b>Incidents per ward</b> ({html.escape(vintage)} wards, natural breaks)",
        f"<div>{swatch(NO_INCIDENTS)} 0</div>",
    ]
    starts = [1, *[b + 1 for b in ward_classes]]
    for i, start in enumerate(starts):
        end = ward_classes[i] if i < len(ward_classes) else None
        span = (
            f"{start}–{end}"
            if end is not None and end != start
            else (f"{start}" if end else f"{start} or more")
        )
        wards.append(f"<div>{swatch(PALETTE[min(i, len(PALETTE) - 1)])} {span}</div>")
    areas = ["<b>Hotspot areas</b> (outline by trend)"]
    for colour, label in TRENDS.values():
        areas.append(f"<div>{swatch('transparent', border=colour, extra='border-width:2px')} {label}</div>")
    gistar = [
        "<b>Getis-Ord Gi*</b> (cells, FDR-controlled)",
        "<div>"
        + "".join(swatch(colour, width=10) for colour, _ in GI_CLASSES.values())
        + " hot 99 / 95 / 90 %, cold 90 / 95 / 99 %</div>",
    ]
    places = [
        f"<div>{swatch('transparent', border='#5b2a86', extra='border-style:dashed')} gazetteer place</div>"
    ]
    sections = dict(zip(LEGEND_LAYERS, (density, wards, areas, gistar, places), strict=True))
    body = "".join(
        f'<div class="endurance-for-{key}">'
        + "".join(p if p.startswith("<div") else f"<div style='margin-top:3px'>{p}</div>" for p in parts)
        + "</div>"
        for key, parts in sections.items()
    )
    return (
        f'<details id="endurance-legend" class="endurance-box" open><summary>Legend</summary>{body}</details>'
    )


def pai_line(accuracy: dict[str, Any] | None, *, force_wide: bool = False) -> str:
    """Say why the surface's method was chosen: the selection's nested PAI against naive."""
    scope = "force-wide " if force_wide else ""
    if not accuracy or accuracy.get("nested_pai") is None:
        return (
            f"Method: no {scope}backtest yet (too little history to score a month), so the naive "
            "baseline is drawn: counts of the last 3 months."
        )

    def figure(value: float | None, form: str) -> str:
        return "n/a" if value is None else format(value, form).replace("%", " %")

    months = accuracy["months"]
    span = (
        accuracy["backtest_from"]
        if months == 1
        else f"{accuracy['backtest_from']} to {accuracy['backtest_to']}"
    )
    return (
        f"Chosen because it predicted best over the last {months} month{'s' if months != 1 else ''} "
        f"({span}): {scope}PAI {figure(accuracy['nested_pai'], '.1f')} for the selection, each month "
        f"chosen without seeing it, against {figure(accuracy.get('naive_pai'), '.1f')} for the naive "
        f"baseline (last 3 months' counts); hit rate {figure(accuracy['nested_hit_rate'], '.0%')} "
        f"against {figure(accuracy.get('naive_hit_rate'), '.0%')} at {figure(accuracy['coverage'], '.0%')} "
        "of the area."
    )


#: Zooms at which labels appear: authority (town) names while the view is wide, ward
#: names from the zoom at which the force fills a large screen, hotspot names always for
#: the busiest areas and from a street-level zoom for the rest. Wherever two labels
#: would overlap, the earlier kind wins (authorities, hotspots, then wards by incidents).
LABEL_ZOOMS = {"lad": (0, 12), "area": (0, MAX_ZOOM), "area_minor": (12, MAX_ZOOM), "ward": (11, MAX_ZOOM)}
#: Hotspot areas labelled at every zoom (the busiest first).
LABELLED_AREAS = 10


def labels(wards: list[dict[str, Any]], areas: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Place names for the map in priority order: authorities, hotspot areas, wards.

    Each label stands at a point inside its polygon (``representative_point``); an
    authority's polygon is the union of its wards. Text is escaped.
    """

    def label(text: str, shape: Any, kind: str, zooms: str, layer: str | None) -> dict[str, Any]:
        point = shape.representative_point()
        low, high = LABEL_ZOOMS[zooms]
        return {
            "text": html.escape(text),
            "lat": round(point.y, 5),
            "lon": round(point.x, 5),
            "kind": kind,
            "min_zoom": low,
            "max_zoom": high,
            "layer": layer,
        }

    shapes = [shapely.geometry.shape(json.loads(w["geometry"])) for w in wards]
    by_lad: dict[str, list[Any]] = {}
    for ward, shape in zip(wards, shapes, strict=True):
        by_lad.setdefault(ward["lad_name"], []).append(shape)
    found = [
        label(name, shapely.union_all(parts), "lad", "lad", None) for name, parts in sorted(by_lad.items())
    ]
    busiest = sorted(areas, key=lambda a: -int(a["incidents"]))
    found += [
        label(a["name"], shapely.geometry.shape(json.loads(a["geometry"])), "area",
              "area" if k < LABELLED_AREAS else "area_minor", "areas")
        for k, a in enumerate(busiest)
    ]  # fmt: skip
    ranked = sorted(zip(wards, shapes, strict=True), key=lambda pair: -int(pair[0]["incidents"]))
    found += [label(w["ward_name"], shape, "ward", "ward", None) for w, shape in ranked]
    return found
