"""Benchmark: hotspot map size, build time and time to first render (``make bench``).

For 10,000, 100,000 and 1,000,000 synthetic off-road-bike incidents spread over a
year like the demo's (clustered on the gazetteer hotspots and rural edges, the rest
spread over the LSOAs), staged in a temporary warehouse, attributed (each incident its own linked incident:
no link rules) and analysed with ``analyse_period``, it measures:

- the time ``build_hotspot_map`` takes and the size of the HTML it writes, against the
  bytes a map of raw points would need at the very least (every incident as
  ``[lat, lon]`` at 5 decimals, measured in the same run); the ratio of sizes between
  successive incident counts shows how the file grows (10x more incidents, how much
  more file);
- the time to first render in headless Chromium (network closed): from navigation
  start to the moment the page marks the map drawn (``window.__mapReady``, set once
  the density image has loaded), the median of three loads, against the same for a
  bare page holding only the inlined Leaflet assets and an empty map.

Run with ENDURANCE_GEODATA pointing at the official boundaries (the Makefile does);
``--sizes`` picks the incident counts.
"""

from __future__ import annotations

import argparse
import statistics
import tempfile
import time
from pathlib import Path

from _incidents import stage_incidents

from endurance import _assets, _browser, geography, hotspots, linking, maps, marts, warehouse
from endurance._publish import Stamp
from endurance.demo.geography import DemoGeography
from endurance.geography import attribution
from endurance.periods import Period
from endurance.settings import Settings

SIZES = (10_000, 100_000, 1_000_000)
PERIOD = Period("2025-01", "2025-12")
LOADS = 3


def _first_render_ms(path: Path) -> float:
    """Median over LOADS fresh pages of navigation start to ``window.__mapReady`` (ms)."""
    times = []
    with _browser.offline_page(width=1600, height=1100) as page:
        for _ in range(LOADS):
            page.goto("about:blank")
            page.goto(path.as_uri())
            page.wait_for_function("window.__mapReady !== undefined", timeout=120_000)
            times.append(float(page.evaluate("window.__mapReady")))
    return statistics.median(times)


def _bare_page(folder: Path) -> Path:
    """Return a page with the inlined Leaflet assets and an empty map that marks itself ready."""
    text = (
        f'<html><head><link rel="stylesheet" href="{_assets.LEAFLET_CSS.url}"/>'
        f'<script src="{_assets.LEAFLET.url}"></script></head>'
        '<body style="margin:0"><div id="m" style="width:100vw;height:100vh"></div><script>'
        "var m = L.map('m').setView([54.58, -1.2], 11);"
        "requestAnimationFrame(function () { window.__mapReady = performance.now(); });"
        "</script></body></html>"
    )
    path = folder / "bare.html"
    path.write_text(_assets.inline_assets(text), encoding="utf-8")
    return path


def bench_size(geodata: Path, n: int, folder: Path, geo: DemoGeography, base: Path) -> dict[str, float]:
    db = folder / f"maps_{n}.duckdb"
    db.write_bytes(base.read_bytes())
    with warehouse.connect(db) as con:
        stage_incidents(con, geo, n)
        started = time.perf_counter()
        attribution.attribute_events(con)
        # No link rules: each incident stands alone. Linking synthetic incidents is not
        # what this measures, and its range join takes minutes at 100,000 incidents.
        linking.link_events(con, rules=())
        marts.build_marts(con)
        prepared = time.perf_counter() - started
        started = time.perf_counter()
        hotspots.analyse_period(con, PERIOD, vintage="2024")
        analysed = time.perf_counter() - started
        raw = con.execute(
            "SELECT sum(length(format('[{:.5f},{:.5f}],', lat, lon))) FROM staging.events"
            " WHERE category = 'off_road_bike' AND lat IS NOT NULL"
        ).fetchone()
        path = folder / f"map_{n}.html"
        started = time.perf_counter()
        result = maps.build_hotspot_map(con, path, period=PERIOD, vintage="2024", stamp=Stamp("bench"))
        built = time.perf_counter() - started
    render = _first_render_ms(path)
    raw_bytes = int(raw[0]) if raw and raw[0] else 0
    print(
        f"map, {n:,} incidents: build {built:.2f} s, HTML {result.bytes / 1e6:.2f} MB, "
        f"first render {render:,.0f} ms (staging to marts {prepared:.1f} s, analyse_period {analysed:.1f} s)"
    )
    print(
        f"  baseline raw points as [lat, lon]: {raw_bytes / 1e6:.2f} MB; "
        f"ratio map / raw points {result.bytes / raw_bytes:.2f}"
    )
    return {"bytes": result.bytes, "render_ms": render, "build_s": built}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=list(SIZES))
    args = parser.parse_args()
    geodata = geography.resolve_geodata_dir(env_dir=Settings.from_env().geodata_dir)
    geo = DemoGeography(geodata)
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        base = folder / "boundaries.duckdb"
        with warehouse.connect(base) as con:
            geography.load_official_layers(con, geodata)
            geography.load_hotspots(con)
        bare = _first_render_ms(_bare_page(folder))
        print(f"baseline first render, empty Leaflet map with the same inlined assets: {bare:,.0f} ms")
        results = {n: bench_size(geodata, n, folder, geo, base) for n in args.sizes}
    sizes = sorted(results)
    for small, large in zip(sizes, sizes[1:], strict=False):
        print(
            f"growth {small:,} -> {large:,} incidents ({large / small:.0f}x): HTML "
            f"{results[large]['bytes'] / results[small]['bytes']:.2f}x, first render "
            f"{results[large]['render_ms'] / results[small]['render_ms']:.2f}x"
        )
    for n in sizes:
        print(f"first render / empty map, {n:,} incidents: {results[n]['render_ms'] / bare:.1f}x")


if __name__ == "__main__":
    main()
