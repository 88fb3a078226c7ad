"""Open the demo map in headless Chromium with the network closed, as a meeting room would."""

import io
import time
from concurrent.futures import ThreadPoolExecutor
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
    page.hover(".leaflet-control-layers")  # the layer control folds to an icon until hovered
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


# --------------------------------------------------------------------------- layout at meeting-room sizes

SIZES = [(1600, 1100), (1366, 768), (1024, 700)]
#: Share of the force (sampled on a 12 px grid over the ward shapes) hidden by page furniture.
HIDDEN = """() => {
    const furniture = '#endurance-title, #endurance-legend, .leaflet-control, .endurance-marking';
    let force = 0, hidden = 0;
    for (let x = 6; x < innerWidth; x += 12) {
        for (let y = 6; y < innerHeight; y += 12) {
            const stack = document.elementsFromPoint(x, y);
            if (!stack.some(e => e.matches('.leaflet-overlay-pane path'))) continue;
            force += 1;
            if (stack[0].closest(furniture)) hidden += 1;
        }
    }
    return hidden / force;
}"""
BOXES = """() => ['endurance-title', 'endurance-legend'].map(id => {
    const r = document.getElementById(id).getBoundingClientRect();
    return {left: r.left, top: r.top, right: r.right, bottom: r.bottom};
})"""
#: Visible labels by kind, and whether any two overlap.
LABELS = """() => {
    const shown = [...document.querySelectorAll('.endurance-label')]
        .filter(e => e.style.display !== 'none' && getComputedStyle(e).display !== 'none');
    const rects = shown.map(e => e.firstChild.getBoundingClientRect());
    let overlaps = 0;
    rects.forEach((a, i) => rects.slice(i + 1).forEach(b => {
        if (a.left < b.right && a.right > b.left && a.top < b.bottom && a.bottom > b.top) overlaps += 1;
    }));
    const kinds = {};
    shown.forEach(e => {
        const k = e.className.match(/endurance-label-(\\w+)/)[1];
        kinds[k] = (kinds[k] || 0) + 1;
    });
    return {kinds, overlaps};
}"""


def _overlap(a, b):
    return (
        a["left"] < b["right"]
        and b["left"] < a["right"]
        and a["top"] < b["bottom"]
        and b["top"] < a["bottom"]
    )


def _visible(page, selector):
    return page.evaluate(
        f"() => [...document.querySelectorAll({selector!r})].some(e => e.getClientRects().length > 0)"
    )


@pytest.mark.parametrize(("width", "height"), SIZES, ids=[f"{w}x{h}" for w, h in SIZES])
def test_title_block_and_legend_leave_the_force_in_view(page, demo_run, width, height):
    page.set_viewport_size({"width": width, "height": height})
    _open(page, demo_run["out"] / "maps" / "hotspots_2025-01_to_2025-12.html")
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / f"map_{width}x{height}.png"))
    title, legend = page.evaluate(BOXES)
    assert not _overlap(title, legend), (title, legend)
    hidden = page.evaluate(HIDDEN)
    assert hidden < 0.05, f"page furniture hides {hidden:.0%} of the force at {width}x{height}"
    labels = page.evaluate(LABELS)
    assert labels["overlaps"] == 0
    assert labels["kinds"].get("lad", 0) == 4 and labels["kinds"].get("area", 0) >= 5, labels
    # Unfolded, as a user opens them, they still fit the viewport and each other.
    page.evaluate("document.querySelectorAll('details.endurance-box').forEach(d => d.open = true)")
    title, legend = page.evaluate(BOXES)
    assert not _overlap(title, legend), (title, legend)
    for box in (title, legend):
        assert box["right"] <= width and box["bottom"] <= height
    page.screenshot(path=str(ARTIFACTS / f"map_{width}x{height}_unfolded.png"))


def test_a_legend_section_shows_only_while_its_layer_is_on(page, demo_run):
    _open(page, demo_run["out"] / "maps" / "hotspots_2025-01_to_2025-12.html")
    assert _visible(page, ".endurance-for-areas") and _visible(page, ".endurance-label-area")
    assert not _visible(page, ".endurance-for-gistar")  # Gi* cells are off at first
    _toggle(page, "Hotspot areas (named)")
    assert not _visible(page, ".endurance-for-areas") and not _visible(page, ".endurance-label-area")
    _toggle(page, "Gi* hot and cold spots (cells)")
    assert _visible(page, ".endurance-for-gistar")
    _toggle(page, "Hotspot areas (named)")
    assert _visible(page, ".endurance-for-areas") and _visible(page, ".endurance-label-area")


def test_zooming_in_shows_ward_names_and_drops_town_names(page, demo_run):
    page.set_viewport_size({"width": 1024, "height": 700})
    _open(page, demo_run["out"] / "maps" / "hotspots_2025-01_to_2025-12.html")
    wide = page.evaluate(LABELS)
    assert wide["kinds"].get("lad") == 4 and page.evaluate(f"{MAP}.getZoom()") <= 11
    page.evaluate(f"() => {MAP}.setZoom(13, {{animate: false}})")
    page.wait_for_timeout(300)
    close = page.evaluate(LABELS)
    assert not close["kinds"].get("lad") and close["overlaps"] == 0
    assert close["kinds"].get("ward", 0) >= 3  # the wards in view, and no longer crowded out


@pytest.mark.parametrize(("width", "height"), SIZES, ids=[f"{w}x{h}" for w, h in SIZES])
def test_the_png_has_no_zoom_buttons_or_layer_control(page, demo_run, tmp_path, width, height):
    html_path = demo_run["out"] / "maps" / "hotspots_2025-01_to_2025-12.html"
    # render_png runs its own Playwright: in a thread, beside this module's browser.
    with ThreadPoolExecutor(1) as pool:
        png = pool.submit(maps.render_png, html_path, tmp_path / "m.png", width=width, height=height).result()
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    (ARTIFACTS / f"export_{width}x{height}.png").write_bytes(png.read_bytes())
    assert Image.open(png).size == (width, height)
    page.set_viewport_size({"width": width, "height": height})
    _open(page, html_path)
    assert _visible(page, ".leaflet-control-zoom") and _visible(page, ".leaflet-control-layers")
    page.evaluate("window.endurancePrint()")  # what render_png does before its screenshot
    assert not _visible(page, ".leaflet-control-zoom") and not _visible(page, ".leaflet-control-layers")
    assert page.evaluate("[...document.querySelectorAll('details.endurance-box')].every(d => d.open)")
    title, legend = page.evaluate(BOXES)
    assert not _overlap(title, legend)
    page.wait_for_timeout(100)  # labels are placed again on the next frame
    labels = page.evaluate(LABELS)
    assert labels["overlaps"] == 0
    if width >= 1600:  # the size of the flow's PNG: everything unfolded, the force and its towns in view
        assert page.evaluate(HIDDEN) < 0.05
        assert labels["kinds"].get("lad") == 4


# --------------------------------------------------------------------------- the joint operation's map

#: Ward polygons drawn in the page, by ward code, with the box each covers on screen.
DRAWN_WARDS = f"""() => {{
    const found = {{}};
    {MAP}.eachLayer(l => {{
        const p = l.feature && l.feature.properties;
        if (p && p.ward_code && l._path && l._path.isConnected) {{
            const r = l._path.getBoundingClientRect();
            found[p.ward_code] = [r.left, r.top, r.right, r.bottom];
        }}
    }});
    return found;
}}"""


def test_the_joint_map_png_shows_both_forces(page, two_forces_analysed, tmp_path):
    from tests._two_forces import YEAR

    with warehouse.connect(two_forces_analysed["db"], read_only=True) as con:
        html_path = maps.build_hotspot_map(
            con, tmp_path / "joint.html", period=YEAR, vintage="2024", stamp=Stamp("r"), area="joint"
        ).path
        force_of = {
            ward: "durham" if lad in ("E06000005", "E06000047") else "cleveland"
            for ward, lad in con.execute(
                "SELECT ward_code, lad_code FROM geo.wards WHERE vintage = '2024'"
            ).fetchall()
        }
    with ThreadPoolExecutor(1) as pool:  # render_png runs its own Playwright, beside this module's
        png = pool.submit(maps.render_png, html_path, tmp_path / "joint.png").result()
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    (ARTIFACTS / "joint_map.png").write_bytes(png.read_bytes())
    _open(page, html_path)
    page.evaluate("window.endurancePrint()")  # the PNG's view
    page.wait_for_timeout(100)
    assert page.problems == {"errors": [], "failed": [], "dialogs": []}
    drawn = page.evaluate(DRAWN_WARDS)
    per_force = {
        force: [box for ward, box in drawn.items() if force_of[ward] == force]
        for force in ("cleveland", "durham")
    }
    # Every ward of both forces is drawn, and each force's outline.
    assert {force: len(boxes) for force, boxes in per_force.items()} == {
        force: sum(of == force for of in force_of.values()) for force in per_force
    }
    outlines = page.evaluate(
        f"""() => {{
        const names = [];
        {MAP}.eachLayer(l => {{
            const p = l.feature && l.feature.properties;
            if (p && (p.name === 'Cleveland' || p.name === 'Durham') && l._path && l._path.isConnected)
                names.push(p.name);
        }});
        return names.sort();
    }}"""
    )
    assert outlines == ["Cleveland", "Durham"]
    # In the PNG, each force's wards lie in view and are drawn on: not the blank background.
    picture = Image.open(png).convert("RGB")
    background = picture.getpixel((5, picture.height // 2))
    for force, boxes in per_force.items():
        left, top = min(b[0] for b in boxes), min(b[1] for b in boxes)
        right, bottom = max(b[2] for b in boxes), max(b[3] for b in boxes)
        assert 0 <= left < right <= picture.width and 0 <= top < bottom <= picture.height, (force, boxes)
        region = picture.crop((int(left), int(top), int(right), int(bottom))).getcolors(maxcolors=1_000_000)
        drawn_share = sum(n for n, colour in region if colour != background) / sum(n for n, _ in region)
        assert drawn_share > 0.5, f"{force}: {drawn_share:.0%} of its box drawn on"
