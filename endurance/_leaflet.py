"""Folium elements the hotspot map needs beyond Folium's own, all offline-safe.

Each links only the pinned npm assets of ``endurance._assets`` (inlined into the page
later), never a CDN file Folium would add by default (jQuery, Bootstrap, ...).

- ``CellCounts`` writes the incidents per 100 m cell once, as a JavaScript array that
  the heat layer and the cluster layer both read, so the counts are not duplicated;
- ``ClusterLayer`` clusters cell counts with Leaflet.markercluster; a cluster shows the
  incidents it holds, not the number of cells;
- ``View`` fits the map without a zoom animation, so the first drawn frame is final;
- ``ReadyMark`` sets ``window.__mapReady`` once the density image is drawn, for
  ``render_png`` and the benchmarks.
"""

from __future__ import annotations

from typing import Any

import folium
from branca.element import MacroElement
from folium.elements import JSCSSMixin
from folium.template import Template

from endurance import _assets

#: The closest zoom the map allows (a map without tiles has none of its own).
MAX_ZOOM = 18


class Map(folium.Map):
    """A Folium map that links only the pinned Leaflet files (no jQuery, no Bootstrap)."""

    default_js = [(_assets.LEAFLET.name, _assets.LEAFLET.url)]
    default_css = [(_assets.LEAFLET_CSS.name, _assets.LEAFLET_CSS.url)]


class CellCounts(MacroElement):
    """Incidents per 100 m cell as one JavaScript array ``[[lat, lon, n], ...]``.

    The heat and cluster layers both read it, so the counts are in the file once.
    """

    _template = Template(
        "{% macro script(this, kwargs) %}var {{ this.get_name() }} = {{ this.cells|tojson }};{% endmacro %}"
    )

    def __init__(self, cells: list[list[float]]) -> None:
        super().__init__()
        self._name = "CellCounts"
        self.cells = cells


class HeatLayer(JSCSSMixin, folium.map.Layer):
    default_js = [(_assets.LEAFLET_HEAT.name, _assets.LEAFLET_HEAT.url)]
    _template = Template(
        """{% macro script(this, kwargs) %}
        // Leaflet.heat's maxZoom (the zoom at which a point counts fully) also makes
        // the layer control disable the layer beyond it: use the top zoom, and scale
        // the saturation so the fitted view looks as at maxZoom 11.
        var {{ this.get_name() }} = L.heatLayer({{ this.data.get_name() }}, Object.assign(
            {{ this.options|tojavascript }},
            {
                maxZoom: {{ this.max_zoom }},
                max: {{ this.saturation }}
                    / Math.pow(2, {{ this.max_zoom }} - Math.max(11, {{ this._parent.get_name() }}.getZoom()))
            }
        ));
        {% endmacro %}"""
    )

    def __init__(self, data: CellCounts, *, name: str, show: bool, saturation: float, **options: Any) -> None:
        super().__init__(name=name, overlay=True, show=show)
        self._name = "HeatLayer"
        self.max_zoom = MAX_ZOOM
        self.data = data
        self.saturation = saturation
        self.options = options


class ClusterLayer(JSCSSMixin, folium.map.Layer):
    """Leaflet.markercluster over cell counts: a cluster shows the incidents it holds."""

    default_js = [(_assets.MARKERCLUSTER.name, _assets.MARKERCLUSTER.url)]
    default_css = [
        (_assets.MARKERCLUSTER_CSS.name, _assets.MARKERCLUSTER_CSS.url),
        (_assets.MARKERCLUSTER_DEFAULT_CSS.name, _assets.MARKERCLUSTER_DEFAULT_CSS.url),
    ]
    _template = Template(
        """{% macro script(this, kwargs) %}
        var {{ this.get_name() }} = (function () {
            function icon(n, size) {
                var band = n < 10 ? 'small' : (n < 100 ? 'medium' : 'large');
                return L.divIcon({
                    html: '<div><span>' + n.toLocaleString('en-GB') + '</span></div>',
                    className: 'marker-cluster marker-cluster-' + band,
                    iconSize: L.point(size, size)
                });
            }
            var group = L.markerClusterGroup({
                chunkedLoading: true,
                showCoverageOnHover: false,
                maxClusterRadius: 60,
                iconCreateFunction: function (cluster) {
                    var n = 0;
                    cluster.getAllChildMarkers().forEach(function (m) { n += m.options.incidents; });
                    return icon(n, 40);
                }
            });
            group.addLayers({{ this.data.get_name() }}.map(function (c) {
                return L.marker([c[0], c[1]], {
                    icon: icon(c[2], 30),
                    incidents: c[2],
                    title: c[2] + (c[2] === 1 ? ' incident' : ' incidents') + ' in this 100 m square'
                });
            }));
            return group;
        })();
        {% endmacro %}"""
    )

    def __init__(self, data: CellCounts, *, name: str, show: bool) -> None:
        super().__init__(name=name, overlay=True, show=show)
        self._name = "ClusterLayer"
        self.data = data


class View(MacroElement):
    """Fit the map to its area at once (no zoom animation) and credit the data sources.

    It also sets the top zoom, which a map without tiles lacks and Leaflet.markercluster
    needs.
    """

    _template = Template(
        """{% macro script(this, kwargs) %}
        {{ this._parent.get_name() }}.setMaxZoom({{ this.max_zoom }});
        {{ this._parent.get_name() }}.fitBounds({{ this.bounds|tojson }}, {animate: false});
        {{ this._parent.get_name() }}.attributionControl.addAttribution({{ this.attribution|tojson }});
        {% endmacro %}"""
    )

    def __init__(self, bounds: list[list[float]], attribution: str) -> None:
        super().__init__()
        self._name = "View"
        self.max_zoom = MAX_ZOOM
        self.bounds = bounds
        self.attribution = attribution


class ReadyMark(MacroElement):
    """Set ``window.__mapReady`` (ms since navigation) once the density image is drawn.

    Benchmarks and ``render_png`` wait for it: it marks the map as a user would see it.
    """

    _template = Template(
        """{% macro script(this, kwargs) %}
        (function () {
            function ready() {
                requestAnimationFrame(function () { window.__mapReady = performance.now(); });
            }
            var image = {{ this.image.get_name() }};
            var element = image.getElement();
            if (!{{ this._parent.get_name() }}.hasLayer(image) || (element && element.complete)) { ready(); }
            else { image.once('load', ready); }
        })();
        {% endmacro %}"""
    )

    def __init__(self, image: folium.raster_layers.ImageOverlay) -> None:
        super().__init__()
        self._name = "ReadyMark"
        self.image = image


class PageBehaviour(MacroElement):
    """Labels placed without overlap, legend sections that follow their layers, a print mode.

    ``labels`` are dicts ``{text, lat, lon, kind, min_zoom, max_zoom, layer}`` in priority
    order (text already escaped); a label is shown at zooms from ``min_zoom`` to
    ``max_zoom`` while its ``layer`` (a key of ``layers``, or none) is on, unless a label
    earlier in the list already covers its place, so labels never overlap at any zoom
    (nor lie half under the title block or legend).
    ``layers`` maps the keys of the legend sections to their Leaflet layers: the body gets
    the class ``endurance-off-<key>`` while a layer is off. ``window.endurancePrint()``
    switches the page to the print mode of ``render_png``: no zoom buttons or layer control,
    title block and legend unfolded. Viewports smaller than ``fold_below`` open with the
    title block and legend folded.
    """

    _template = Template(
        """{% macro script(this, kwargs) %}
        (function () {
            var map = {{ this._parent.get_name() }};
            var layers = {
                {% for key, layer in this.layers.items() %}{{ key|tojson }}: {{ layer.get_name() }},
                {% endfor %}
            };
            var labels = {{ this.labels|tojson }};
            map.createPane('labels');
            map.getPane('labels').style.zIndex = 620;
            map.getPane('labels').style.pointerEvents = 'none';
            labels.forEach(function (l) {
                l.marker = L.marker([l.lat, l.lon], {
                    icon: L.divIcon({className: 'endurance-label endurance-label-' + l.kind,
                                     html: '<span>' + l.text + '</span>', iconSize: null}),
                    interactive: false, keyboard: false, pane: 'labels'
                }).addTo(map);
            });
            function place() {
                // The title block and legend are taken ground: no label half under them.
                var zoom = map.getZoom(), taken = [];
                document.querySelectorAll('details.endurance-box').forEach(function (box) {
                    taken.push(box.getBoundingClientRect());
                });
                labels.forEach(function (l) {
                    var el = l.marker.getElement();
                    var on = zoom >= l.min_zoom && zoom <= l.max_zoom
                        && (!l.layer || map.hasLayer(layers[l.layer]));
                    el.style.display = on ? '' : 'none';
                    if (!on) { return; }
                    var r = el.firstChild.getBoundingClientRect();
                    var clash = taken.some(function (t) {
                        return r.left < t.right + 4 && r.right + 4 > t.left
                            && r.top < t.bottom + 2 && r.bottom + 2 > t.top;
                    });
                    if (clash) { el.style.display = 'none'; } else { taken.push(r); }
                });
            }
            var pending = false;
            function sync() {
                if (pending) { return; }
                pending = true;
                requestAnimationFrame(function () {
                    pending = false;
                    Object.keys(layers).forEach(function (key) {
                        document.body.classList.toggle('endurance-off-' + key, !map.hasLayer(layers[key]));
                    });
                    place();
                });
            }
            map.on('zoomend moveend overlayadd overlayremove', sync);
            Object.keys(layers).forEach(function (key) {
                layers[key].on('add remove', sync);
            });
            document.querySelectorAll('details.endurance-box').forEach(function (box) {
                box.addEventListener('toggle', sync);
            });
            if (window.innerWidth < {{ this.fold_below[0] }}
                || window.innerHeight < {{ this.fold_below[1] }}) {
                document.querySelectorAll('details.endurance-box').forEach(function (d) {
                    d.open = false;
                });
            }
            Object.keys(layers).forEach(function (key) {
                document.body.classList.toggle('endurance-off-' + key, !map.hasLayer(layers[key]));
            });
            place();
            window.endurancePrint = function () {
                document.body.classList.add('endurance-print');
                document.querySelectorAll('details.endurance-box').forEach(function (d) { d.open = true; });
                place();
            };
        })();
        {% endmacro %}"""
    )

    def __init__(
        self, layers: dict[str, Any], labels: list[dict[str, Any]], *, fold_below: tuple[int, int]
    ) -> None:
        super().__init__()
        self._name = "PageBehaviour"
        self.layers = layers
        self.labels = labels
        self.fold_below = fold_below
