"""Open the demo map in headless Chromium with the network closed, as a meeting room would."""

import time
from pathlib import Path

import pytest

pytestmark = [pytest.mark.browser, pytest.mark.slow]

CHROMIUM = Path("/usr/bin/chromium")
ARTIFACTS = Path(__file__).resolve().parents[1] / "out" / "test-artifacts"


@pytest.fixture(scope="module")
def page():
    if not CHROMIUM.exists():
        pytest.fail("Debian chromium is missing: `make test` installs it with apt")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        browser = p.chromium.launch(
            executable_path=str(CHROMIUM),
            args=[
                "--no-sandbox",
                "--disable-gpu",
                "--disable-background-networking",
                "--disable-component-update",
                "--disable-sync",
            ],
        )
        context = browser.new_context(viewport={"width": 1400, "height": 1000})
        # Close the network: only the file itself and inline data may load.
        context.route(
            "**/*",
            lambda route: (
                route.continue_() if route.request.url.startswith(("file:", "data:")) else route.abort()
            ),
        )
        yield context.new_page()
        browser.close()


def test_map_opens_offline_with_every_layer(page, demo_run):
    path = demo_run["out"] / "maps" / "hotspots_2025-01_to_2025-12.html"
    errors, failed = [], []
    page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
    page.on("pageerror", lambda e: errors.append(str(e)))
    page.on("requestfailed", lambda r: failed.append(r.url))
    started = time.perf_counter()
    page.goto(path.as_uri())
    page.wait_for_function(
        "typeof L !== 'undefined' && document.querySelector('.leaflet-overlay-pane svg path')"
    )
    load_seconds = time.perf_counter() - started
    assert errors == [] and failed == []
    assert page.evaluate("L.version") == "1.9.4"
    labels = [t.strip() for t in page.locator(".leaflet-control-layers-overlays label").all_inner_texts()]
    assert labels == [
        "Wards (2024): incidents",
        "Incident heat (100 m cells)",
        "Named hotspots",
        "Cleveland force area",
    ]
    assert page.locator("canvas.leaflet-heatmap-layer").count() == 1
    paths_before = page.locator(".leaflet-overlay-pane path").count()
    assert paths_before > 83  # every ward, the hotspots and the outline are drawn

    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / "map.png"))

    # Toggling layers: wards off removes their outlines, heat off removes the canvas.
    page.locator(".leaflet-control-layers-overlays label", has_text="Wards").locator("input").click()
    assert page.locator(".leaflet-overlay-pane path").count() < paths_before - 80
    page.locator(".leaflet-control-layers-overlays label", has_text="heat").locator("input").click()
    assert page.locator("canvas.leaflet-heatmap-layer").count() == 0
    page.locator(".leaflet-control-layers-overlays label", has_text="Wards").locator("input").click()
    assert page.locator(".leaflet-overlay-pane path").count() == paths_before

    # The ward tooltip shows its count.
    page.locator(".leaflet-overlay-pane path").first.hover(force=True)
    print(f"map {path.stat().st_size:,} bytes, loaded in {load_seconds:.2f} s")
