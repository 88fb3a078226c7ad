"""Pinned Leaflet assets for self-contained maps.

Folium writes ``<script src>`` and ``<link href>`` tags pointing at CDNs, which a
meeting-room laptop with no internet cannot reach. The assets are pinned npm packages
(``package.json`` and its lock, installed with ``npm ci``); ``inline_assets`` replaces
each tag with the file's content, and images referenced from CSS become data URIs,
so the map is one HTML file that works offline.
"""

from __future__ import annotations

import base64
import mimetypes
import re
from dataclasses import dataclass
from pathlib import Path

from endurance._errors import AssetsMissingError

NODE_MODULES = Path(__file__).resolve().parents[1] / "node_modules"


@dataclass(frozen=True)
class Asset:
    """One pinned file: its CDN address (the fallback) and its path in node_modules."""

    name: str
    kind: str  # js | css
    url: str
    path: str


LEAFLET = Asset(
    "leaflet",
    "js",
    "https://cdn.jsdelivr.net/npm/leaflet@1.9.4/dist/leaflet.js",
    "leaflet/dist/leaflet.js",
)
LEAFLET_CSS = Asset(
    "leaflet_css",
    "css",
    "https://cdn.jsdelivr.net/npm/leaflet@1.9.4/dist/leaflet.css",
    "leaflet/dist/leaflet.css",
)
LEAFLET_HEAT = Asset(
    "leaflet-heat.js",
    "js",
    "https://cdn.jsdelivr.net/npm/leaflet.heat@0.2.0/dist/leaflet-heat.js",
    "leaflet.heat/dist/leaflet-heat.js",
)
MARKERCLUSTER = Asset(
    "markerclusterjs",
    "js",
    "https://cdn.jsdelivr.net/npm/leaflet.markercluster@1.5.3/dist/leaflet.markercluster.js",
    "leaflet.markercluster/dist/leaflet.markercluster.js",
)
MARKERCLUSTER_CSS = Asset(
    "markerclustercss",
    "css",
    "https://cdn.jsdelivr.net/npm/leaflet.markercluster@1.5.3/dist/MarkerCluster.css",
    "leaflet.markercluster/dist/MarkerCluster.css",
)
MARKERCLUSTER_DEFAULT_CSS = Asset(
    "markerclusterdefaultcss",
    "css",
    "https://cdn.jsdelivr.net/npm/leaflet.markercluster@1.5.3/dist/MarkerCluster.Default.css",
    "leaflet.markercluster/dist/MarkerCluster.Default.css",
)

ALL = (
    LEAFLET,
    LEAFLET_CSS,
    LEAFLET_HEAT,
    MARKERCLUSTER,
    MARKERCLUSTER_CSS,
    MARKERCLUSTER_DEFAULT_CSS,
)
_BY_URL = {a.url: a for a in ALL}

_SCRIPT = re.compile(r'<script src="(?P<url>[^"]+)"></script>')
_LINK = re.compile(r'<link rel="stylesheet" href="(?P<url>[^"]+)"\s*/?>')
_CSS_URL = re.compile(r"url\((?P<q>['\"]?)(?P<ref>images/[^)'\"]+)(?P=q)\)")


def assets_available(node_modules: Path = NODE_MODULES) -> bool:
    """Return True when every pinned asset file is present (``npm ci`` has run)."""
    return all((node_modules / a.path).is_file() for a in ALL)


def _css_with_data_uris(css: str, base: Path) -> str:
    def embed(match: re.Match[str]) -> str:
        file = base / match.group("ref")
        mime = mimetypes.guess_type(file.name)[0] or "application/octet-stream"
        return f"url(data:{mime};base64,{base64.b64encode(file.read_bytes()).decode()})"

    return _CSS_URL.sub(embed, css)


def inline_assets(html: str, node_modules: Path = NODE_MODULES) -> str:
    """Replace every pinned CDN tag in ``html`` with the file's content.

    Raises
    ------
    AssetsMissingError
        If a pinned file is missing, or the page links a script or stylesheet that
        is not one of the pinned assets (it would need the internet).
    """
    unknown = [
        m.group("url")
        for m in (*_SCRIPT.finditer(html), *_LINK.finditer(html))
        if m.group("url") not in _BY_URL
    ]
    if unknown:
        raise AssetsMissingError(f"the map links assets that are not pinned: {unknown}")

    def script(match: re.Match[str]) -> str:
        asset = _BY_URL[match.group("url")]
        code = _read(node_modules, asset).replace("</script", "<\\/script")
        return f"<script>/* {asset.path} */\n{code}\n</script>"

    def link(match: re.Match[str]) -> str:
        asset = _BY_URL[match.group("url")]
        file = node_modules / asset.path
        css = _css_with_data_uris(_read(node_modules, asset), file.parent)
        return f"<style>/* {asset.path} */\n{css}\n</style>"

    return _LINK.sub(link, _SCRIPT.sub(script, html))


def _read(node_modules: Path, asset: Asset) -> str:
    file = node_modules / asset.path
    if not file.is_file():
        raise AssetsMissingError(
            f"{file} is missing: run `npm ci` in the repository (make demo and make test do)"
        )
    return file.read_text(encoding="utf-8")
