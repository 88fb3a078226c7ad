"""Map building: self-contained assets, escaping, bounded size."""

import re

import pytest

from endurance import _assets, maps
from endurance.periods import Period


def test_inlining_replaces_every_pinned_link():
    html = (
        f'<link rel="stylesheet" href="{_assets.LEAFLET_CSS.url}"/>'
        f'<script src="{_assets.LEAFLET.url}"></script>'
        f'<script src="{_assets.LEAFLET_HEAT.url}"></script>'
    )
    out = _assets.inline_assets(html)
    assert "cdn.jsdelivr" not in out
    assert "L.heatLayer" in out and ".leaflet-container" in out
    assert "url(images/" not in out and "data:image/png;base64," in out


def test_an_unpinned_asset_is_refused():
    with pytest.raises(_assets.AssetsMissingError, match="not pinned"):
        _assets.inline_assets('<script src="https://example.org/x.js"></script>')


def test_missing_npm_packages_say_how_to_install(tmp_path):
    with pytest.raises(_assets.AssetsMissingError, match="npm ci"):
        _assets.inline_assets(f'<script src="{_assets.LEAFLET.url}"></script>', tmp_path)


def test_without_npm_assets_the_map_falls_back_to_cdn_and_says_so(demo_run, tmp_path, monkeypatch):
    from endurance import warehouse

    monkeypatch.setattr(_assets, "assets_available", lambda *a: False)
    with warehouse.connect(demo_run["db"], read_only=True) as con:
        result = maps.build_hotspot_map(
            con,
            tmp_path / "m.html",
            period=Period("2025-06", "2025-06"),
            vintage="2024",
            run_id="r",
        )
    html = result.path.read_text()
    assert not result.self_contained
    assert _assets.LEAFLET.url in html and "npm ci" in html


def test_hostile_names_are_escaped(demo_run, tmp_path):
    from endurance import warehouse

    copy = tmp_path / "w.duckdb"
    copy.write_bytes(demo_run["db"].read_bytes())
    with warehouse.connect(copy) as con:
        con.execute(
            "UPDATE geo.hotspots SET name = '<img src=x onerror=alert(1)>' WHERE hotspot_id = 'hemlington'"
        )
        con.execute(
            "UPDATE geo.wards SET ward_name = '<script>alert(2)</script>'"
            " WHERE vintage = '2024' AND ward_name = 'Eston'"
        )
        result = maps.build_hotspot_map(
            con,
            tmp_path / "m.html",
            period=Period("2025-01", "2025-12"),
            vintage="2024",
            run_id="r",
            data_label="<b>label</b>",
        )
    html = result.path.read_text()
    assert "<img src=x" not in html and "<script>alert(2)" not in html and "<b>label" not in html
    # The name reaches the tooltip as escaped text (JSON spells & as \u0026).
    assert "\\u0026lt;img src=x onerror=alert(1)\\u0026gt;" in html


def test_demo_map_is_self_contained_and_holds_aggregates_only(demo_run):
    path = demo_run["out"] / "maps" / "hotspots_2025-01_to_2025-12.html"
    html = path.read_text()
    assert not re.search(r'<script[^>]+src="https?://', html)
    assert not re.search(r'<link[^>]+href="https?://', html)
    assert "SYNTHETIC DEMO DATA" in html and "2024 vintage" in html
    assert "Contains OS data" in html
    assert path.stat().st_size < 3_000_000
