"""Open the demo map in headless Chromium with the network closed, as a meeting room would."""

import io
import time
from pathlib import Path

import pytest
from PIL import Image

from endurance import _browser, maps, warehouse
from endurance._publish import Stamp
from endurance.periods import Period
from tests._demo import MAP_LAYERS

pytestmark = [pytest.mark.browser, pytest.mark.slow]

ARTIFACTS = Path(__file__).resolve().parents[1] / "out" / "test-artifacts"
#: What is drawn, counted in the DOM: each layer changes at least one of these.
DRAWN = """() => ({
    wards: document.querySelectorAll('.leaflet-overlay-pane path').length,
    density_paths: document.querySelectorAll('.leaflet-density-pane path').length,
    outlines: document.querySelectorAll('.leaflet-outlines-pane path').length,
    images: document.querySelectorAll('img.leaflet-image-layer').length,
    clusters: document.querySelectorAll('.leaflet-marker-pane .marker-cluster').length,
    heat: document.querySelectorAll('canvas.leaflet-heatmap-layer').length,
})"""
#: The Leaflet map object of a Folium page.
MAP = "window[Object.keys(window).find(k => k.startsWith('map_'))]"


@pytest.fixture(scope="module")
def offline_context():
    if not _browser.CHROMIUM.exists():
        pytest.fail("Debian chromium is missing: `make test` installs it with apt")
    with _browser.offline_page(width=1600, height=1100) as page:
        yield page.context


@pytest.fixture
def page(offline_context):
    """Yield a fresh page (network closed) that records console errors, failed requests and dialogs."""
    page = offline_context.new_page()
    page.problems = {"errors": [], "failed": [], "dialogs": []}
    page.on("console", lambda m: page.problems["errors"].append(m.text) if m.type == "error" else None)
    page.on("pageerror", lambda e: page.problems["errors"].append(str(e)))
    page.on("requestfailed", lambda r: page.problems["failed"].append(r.url))
    page.on("dialog", lambda d: (page.problems["dialogs"].append(d.message), d.dismiss()))
    yield page
    page.close()


def _open(page, path):
    started = time.perf_counter()
    page.goto(path.as_uri())
    page.wait_for_function("window.__mapReady !== undefined")
    return time.perf_counter() - started


def _open_area_popup(page):
    """Click (in script) the first hotspot area, as a user would, to open its popup."""
    page.evaluate(
        f"""() => {{
        let area = null;
        {MAP}.eachLayer(l => {{
            const p = l.feature && l.feature.properties;
            if (p && p.peak_hours !== undefined && !area) area = l;
        }});
        area.fire('click', {{latlng: area.getBounds().getCenter()}}, true);
    }}"""
    )


def _toggle(page, label):
    page.locator(".leaflet-control-layers-overlays label", has_text=label).locator("input").click()
    page.wait_for_timeout(300)  # marker clusters are added in chunks


def test_map_opens_offline_with_every_layer_toggling(page, demo_run):
    path = demo_run["out"] / "maps" / "hotspots_2025-01_to_2025-12.html"
    load_seconds = _open(page, path)
    first_render_ms = page.evaluate("window.__mapReady")
    assert page.problems == {"errors": [], "failed": [], "dialogs": []}
    assert page.evaluate("L.version") == "1.9.4"
    labels = [t.strip() for t in page.locator(".leaflet-control-layers-overlays label").all_inner_texts()]
    assert labels == MAP_LAYERS

    drawn = page.evaluate(DRAWN)
    # On at first: wards, density image, hotspot areas, places, outline. Off: Gi*, clusters, heat.
    assert drawn["wards"] >= 83 and drawn["images"] == 1 and drawn["outlines"] > 8
    assert drawn["density_paths"] == drawn["clusters"] == drawn["heat"] == 0
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / "map.png"))

    for label in MAP_LAYERS:
        before = page.evaluate(DRAWN)
        _toggle(page, label)
        after = page.evaluate(DRAWN)
        assert after != before, f"toggling {label!r} changed nothing drawn"
        _toggle(page, label)
        assert page.evaluate(DRAWN) == before, f"toggling {label!r} twice did not restore the map"
    assert page.problems["errors"] == []
    print(
        f"map {path.stat().st_size:,} bytes, loaded in {load_seconds:.2f} s "
        f"(first render {first_render_ms:,.0f} ms after navigation start)"
    )


def test_density_image_is_drawn_over_the_force_area(page, demo_run):
    _open(page, demo_run["out"] / "maps" / "hotspots_2025-01_to_2025-12.html")
    found = page.evaluate(
        f"""() => {{
        const map = {MAP};
        let image = null, force = null;
        map.eachLayer(l => {{
            if (l instanceof L.ImageOverlay) image = l;
            if (l instanceof L.GeoJSON) {{
                const f = l.toGeoJSON().features;
                if (f.length === 1 && f[0].properties.name === 'Cleveland') force = l.getBounds();
            }}
        }});
        const el = image.getElement();
        return {{
            contains: image.getBounds().contains(force),
            loaded: el.complete && el.naturalWidth > 100 && el.naturalHeight > 100,
            opacity: getComputedStyle(el).opacity,
            size: [el.naturalWidth, el.naturalHeight],
        }};
    }}"""
    )
    assert found["contains"] and found["loaded"], found
    print(f"density image {found['size'][0]} x {found['size'][1]} px")


def test_tooltips_and_popups_tell_counts_change_and_timing(page, demo_run):
    _open(page, demo_run["out"] / "maps" / "hotspots_2025-01_to_2025-12.html")
    page.locator(".leaflet-overlay-pane path").nth(10).hover(force=True)
    tooltip = page.locator(".leaflet-tooltip").first.inner_text()
    assert "Change on previous period" in tooltip and "Getis-Ord Gi* (wards)" in tooltip
    _open_area_popup(page)
    popup = page.locator(".leaflet-popup-content").inner_text()
    for label in ("Hotspot area", "Incidents 2025-01 to 2025-12", "Trend", "Peak days", "Peak hours"):
        assert label in popup, popup


def test_hostile_names_run_no_script(page, demo_run, tmp_path):
    copy = tmp_path / "w.duckdb"
    copy.write_bytes(demo_run["db"].read_bytes())
    with warehouse.connect(copy) as con:
        con.execute("UPDATE geo.wards SET ward_name = '<img src=x onerror=alert(1)>' WHERE vintage = '2024'")
        con.execute("UPDATE marts.hotspot_areas SET name = '<img src=x onerror=alert(2)>'")
        path = maps.build_hotspot_map(
            con, tmp_path / "m.html", period=Period("2025-01", "2025-12"), vintage="2024", stamp=Stamp("r")
        ).path
    _open(page, path)
    shown = []
    for k in range(0, 80, 8):  # some ward centres lie under a place or area outline
        page.locator(".leaflet-overlay-pane path").nth(k).hover(force=True)
        shown.append(page.locator(".leaflet-tooltip").first.inner_text())
    assert any("<img src=x onerror=alert(1)>" in text for text in shown)
    _open_area_popup(page)
    assert "<img src=x onerror=alert(2)>" in page.locator(".leaflet-popup-content").inner_text()
    assert page.problems["dialogs"] == [] and page.problems["errors"] == []


def test_flow_writes_a_png_beside_the_map(demo_run):
    png = demo_run["out"] / "maps" / "hotspots_2025-01_to_2025-12.png"
    assert demo_run["result"]["map"]["png"]["path"] == str(png)
    picture = Image.open(io.BytesIO(png.read_bytes())).convert("RGB")
    assert picture.size == (1600, 1100)
    colours = picture.getcolors(maxcolors=1_000_000)
    background = max(colours)[1]
    drawn = sum(n for n, colour in colours if colour != background) / (1600 * 1100)
    assert len(colours) > 200 and drawn > 0.3  # wards, density and text, not a blank page
