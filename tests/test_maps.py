"""Map building: a georeferenced density image, every layer, escaping, offline assets, bounded size."""

import html
import io
import json
import re

import numpy as np
import pytest
import shapely
from PIL import Image

from endurance import _assets, _grid_layers, _map_page, maps, warehouse
from endurance._errors import AnalysisMissingError, BrowserMissingError
from endurance._publish import Stamp
from endurance.periods import Period
from tests._demo import MAP_LAYERS

YEAR = Period("2025-01", "2025-12")
TO_MERCATOR = _grid_layers.transformer("EPSG:4326", "EPSG:3857")
TO_BNG = _grid_layers.transformer("EPSG:3857", "EPSG:27700")


# --------------------------------------------------------------------------- the density image


def _pixel_centres_bng(image, bounds):
    """BNG coordinates of every pixel centre, as Leaflet places an image between bounds."""
    (south, west), (north, east) = bounds
    x0, y0 = TO_MERCATOR.transform(west, south)
    x1, y1 = TO_MERCATOR.transform(east, north)
    height, width = image.shape
    rows, cols = np.indices(image.shape)
    mx = x0 + (cols + 0.5) * (x1 - x0) / width
    my = y1 - (rows + 0.5) * (y1 - y0) / height
    return TO_BNG.transform(mx, my)


GRID = _grid_layers.Grid(440_000, 505_000, 100, 400, 350)


def test_density_classes_follow_the_breaks():
    values = np.array([0.0, 0.9, 1.0, 2.5, 4.0, 99.0])
    assert _grid_layers.classify(values, [1, 2, 4]).tolist() == [0, 0, 1, 2, 3, 3]


def test_warped_image_puts_a_cell_where_it_lies_on_the_ground():
    raster = np.zeros((GRID.ny, GRID.nx), dtype=np.uint8)
    raster[200, 300] = 1  # the cell from (470000, 525000) to (470100, 525100)
    image, bounds = _grid_layers.warp_classes(GRID, raster)
    x, y = _pixel_centres_bng(image, bounds)
    lit = image == 1
    assert 6 <= lit.sum() <= 14  # pixels are a third of a cell: about 9 of them
    assert (x[lit] >= 470_000).all() and (x[lit] < 470_100).all()
    assert (y[lit] >= 525_000).all() and (y[lit] < 525_100).all()
    # Every pixel centred inside the cell is lit.
    inside = (x >= 470_000) & (x < 470_100) & (y >= 525_000) & (y < 525_100)
    assert (lit == inside).all()
    # Stretching the BNG grid between the same corners would put the cell two cells off:
    # the grid is rotated and scaled against longitude and latitude.
    (south, west), (north, east) = bounds
    lon, lat = _grid_layers.transformer("EPSG:27700", "EPSG:4326").transform(470_050, 525_050)
    stretched_lon = west + (470_050 - 440_000) / 40_000 * (east - west)
    stretched_lat = south + (525_050 - 505_000) / 35_000 * (north - south)
    error_m = np.hypot((stretched_lon - lon) * 64_000, (stretched_lat - lat) * 111_000)
    assert error_m > 2 * GRID.cell_m


def test_warped_image_bounds_hold_the_whole_grid():
    image, ((south, west), (north, east)) = _grid_layers.warp_classes(
        GRID, np.ones((GRID.ny, GRID.nx), dtype=np.uint8)
    )
    to_wgs = _grid_layers.transformer("EPSG:27700", "EPSG:4326")
    xmin, ymin, xmax, ymax = GRID.box
    lon, lat = to_wgs.transform([xmin, xmin, xmax, xmax], [ymin, ymax, ymin, ymax])
    eps = 1e-9  # the extreme corners lie on the bounds, up to a round trip through Mercator
    assert min(lon) >= west - eps and max(lon) <= east + eps
    assert min(lat) >= south - eps and max(lat) <= north + eps
    assert image.size <= _grid_layers.MAX_PIXELS


def test_pixels_outside_the_mask_are_transparent():
    raster = np.ones((GRID.ny, GRID.nx), dtype=np.uint8)
    image, bounds = _grid_layers.warp_classes(GRID, raster, keep=lambda x, y: x < 460_000)
    x, _ = _pixel_centres_bng(image, bounds)
    assert (image[x >= 460_000] == 0).all()
    assert (image[(x < 459_000) & (x > 441_000)] == 1).mean() > 0.9


def test_the_png_is_indexed_with_transparent_class_zero():
    png = _grid_layers.palette_png(
        np.array([[0, 1], [2, 1]], dtype=np.uint8), [(0, 0, 0, 0), (255, 0, 0, 200), (0, 0, 255, 255)]
    )
    picture = Image.open(io.BytesIO(png)).convert("RGBA")
    assert picture.getpixel((0, 0))[3] == 0
    assert picture.getpixel((1, 0)) == (255, 0, 0, 200)
    assert picture.getpixel((0, 1)) == (0, 0, 255, 255)


def test_dissolved_cells_keep_their_ground_area():
    shape = _grid_layers.dissolve_cells(GRID, np.array([0, 1, 1]), np.array([0, 0, 1]))
    assert shape.geom_type == "Polygon"
    to_bng = _grid_layers.transformer("EPSG:4326", "EPSG:27700")
    back = shapely.transform(shape, lambda xy: np.column_stack(to_bng.transform(xy[:, 0], xy[:, 1])))
    assert back.area == pytest.approx(3 * 100 * 100, rel=0.01)
    assert back.bounds == pytest.approx((440_000, 505_000, 440_200, 505_200), abs=1.5)


# --------------------------------------------------------------------------- text


@pytest.mark.parametrize(
    ("args", "text"),
    [
        ((50, 40, 0.25, 0.031), "+25 % from 40 (significant, p = 0.03)"),
        ((30, 40, -0.25, 0.4), "-25 % from 40 (not significant, p = 0.40)"),
        ((12, 0, None, 0.0005), "new: none before, 12 now (significant, p < 0.001)"),
        ((0, 0, None, 1.0), "none in either period"),
        ((12, 0, None, None), "not available: no data for that period"),
        ((30, 20, 0.5, None), "+50 % from 20 (not tested: some months hold no data)"),
        ((80, 20, 3.0, 0.00001), "+300 % from 20 (significant, p < 0.001)"),
    ],
)
def test_change_is_told_in_words(args, text):
    assert _map_page.change_text(*args) == text


def test_pai_line_says_why_the_method_was_chosen_against_the_naive_baseline():
    accuracy = {
        "backtest_from": "2025-07",
        "backtest_to": "2025-12",
        "months": 6,
        "coverage": 0.05,
        "nested_pai": 11.74,
        "nested_hit_rate": 0.587,
        "naive_pai": 6.61,
        "naive_hit_rate": 0.33,
    }
    line = _map_page.pai_line(accuracy)
    assert line.startswith("Chosen because it predicted best over the last 6 months (2025-07 to 2025-12)")
    assert "PAI 11.7 for the selection, each month chosen without seeing it, against 6.6" in line
    assert "hit rate 59 % against 33 % at 5 % of the area" in line
    assert "force-wide PAI 11.7" in _map_page.pai_line(accuracy, force_wide=True)
    one = _map_page.pai_line(accuracy | {"months": 1, "backtest_to": "2025-07"})
    assert "over the last 1 month (2025-07)" in one
    for missing in (None, accuracy | {"nested_pai": None}):
        assert "no backtest yet" in _map_page.pai_line(missing)


# --------------------------------------------------------------------------- assets


def test_inlining_replaces_every_pinned_link():
    page = (
        f'<link rel="stylesheet" href="{_assets.LEAFLET_CSS.url}"/>'
        f'<script src="{_assets.LEAFLET.url}"></script>'
        f'<script src="{_assets.LEAFLET_HEAT.url}"></script>'
    )
    out = _assets.inline_assets(page)
    assert "cdn.jsdelivr" not in out
    assert "L.heatLayer" in out and ".leaflet-container" in out
    assert "url(images/" not in out and "data:image/png;base64," in out


def test_an_unpinned_asset_is_refused():
    with pytest.raises(_assets.AssetsMissingError, match="not pinned"):
        _assets.inline_assets('<script src="https://example.org/x.js"></script>')


def test_missing_npm_packages_say_how_to_install(tmp_path):
    with pytest.raises(_assets.AssetsMissingError, match="npm ci"):
        _assets.inline_assets(f'<script src="{_assets.LEAFLET.url}"></script>', tmp_path)


def test_missing_chromium_names_the_fix(tmp_path):
    page = tmp_path / "m.html"
    page.write_text("<html></html>")
    with pytest.raises(BrowserMissingError, match="apt-get install chromium"):
        maps.render_png(page, tmp_path / "m.png", chromium=tmp_path / "no-chromium")


# --------------------------------------------------------------------------- the demo map


def test_without_npm_assets_the_map_falls_back_to_cdn_and_says_so(demo_run, tmp_path, monkeypatch):
    monkeypatch.setattr(_assets, "assets_available", lambda *a: False)
    with warehouse.connect(demo_run["db"], read_only=True) as con:
        result = maps.build_hotspot_map(
            con, tmp_path / "m.html", period=YEAR, vintage="2024", stamp=Stamp("r")
        )
    text = result.path.read_text()
    assert not result.self_contained
    assert _assets.LEAFLET.url in text and _assets.MARKERCLUSTER.url in text and "npm ci" in text


def test_a_period_not_analysed_is_a_clear_error(demo_run, tmp_path):
    with (
        warehouse.connect(demo_run["db"], read_only=True) as con,
        pytest.raises(AnalysisMissingError, match="analyse_period"),
    ):
        maps.build_hotspot_map(
            con, tmp_path / "m.html", period=Period("2025-06", "2025-06"), vintage="2024", stamp=Stamp("r")
        )


def test_hostile_text_is_escaped(demo_run, tmp_path):
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
        con.execute(
            "UPDATE marts.hotspot_areas SET name = '<script>alert(3)</script>', peak_hours = '<b>19</b>'"
            " WHERE period = ? AND area_id = 1",
            [YEAR.label],
        )
        result = maps.build_hotspot_map(
            con,
            tmp_path / "m.html",
            period=YEAR,
            vintage="2024",
            stamp=Stamp("<i>run</i>", "<script>alert(4)</script>", "<b>label</b>"),
        )
    text = result.path.read_text()
    for raw in ("<img src=x", "<script>alert(", "<b>label", "<b>19", "<i>run"):
        assert raw not in text, raw
    # Names reach tooltips and popups as escaped text (JSON spells & as \u0026).
    assert "\\u0026lt;img src=x onerror=alert(1)\\u0026gt;" in text
    assert "\\u0026lt;script\\u0026gt;alert(3)" in text
    assert text.count("&lt;script&gt;alert(4)&lt;/script&gt;") >= 3  # top, bottom and page title


def test_demo_map_is_self_contained_and_holds_aggregates_only(demo_run):
    path = demo_run["out"] / "maps" / "hotspots_2025-01_to_2025-12.html"
    text = path.read_text()
    assert not re.search(r'<script[^>]+src="https?://', text)
    assert not re.search(r'<link[^>]+href="https?://', text)
    assert "SYNTHETIC DEMO DATA" in text and "2024 vintage" in text
    assert "Contains OS data" in text
    assert text.count('class="endurance-marking"') == 2 and "OFFICIAL-SENSITIVE" in text
    assert "Chosen because it predicted best over the last 6 months (2025-07 to 2025-12)" in text
    assert "Risk for 2026-01 on 100 m cells" in text
    assert text.count("data:image/png;base64,") >= 2  # the density image, and Leaflet's own icons
    assert "L.markerClusterGroup" in text and "L.heatLayer" in text
    assert path.stat().st_size < 3_000_000
    assert demo_run["result"]["map"]["layers"] == MAP_LAYERS


def _as_in_page(text):
    """Text as the page holds it: HTML-escaped, in JSON made safe for a <script> block."""
    spelled = json.dumps(html.escape(text))[1:-1]
    for char, code in (("&", "\\u0026"), ("<", "\\u003c"), (">", "\\u003e"), ("'", "\\u0027")):
        spelled = spelled.replace(char, code)
    return spelled


def test_every_hotspot_area_of_the_period_is_on_the_map(demo_run):
    page = (demo_run["out"] / "maps" / "hotspots_2025-01_to_2025-12.html").read_text()
    with warehouse.connect(demo_run["db"], read_only=True) as con:
        names = con.execute("SELECT name FROM marts.hotspot_areas WHERE period = ?", [YEAR.label]).fetchall()
    assert names
    for (name,) in names:
        assert _as_in_page(name) in page, name


def test_a_map_of_one_authority_holds_only_its_wards_and_incidents(demo_run, tmp_path):
    with warehouse.connect(demo_run["db"], read_only=True) as con:
        whole = maps.build_hotspot_map(
            con, tmp_path / "all.html", period=YEAR, vintage="2024", stamp=Stamp("r")
        )
        one = maps.build_hotspot_map(
            con, tmp_path / "mbro.html", period=YEAR, vintage="2024", stamp=Stamp("r"), lad_code="E06000002"
        )
        wards = dict(
            con.execute("SELECT ward_code, lad_code FROM geo.wards WHERE vintage = '2024'").fetchall()
        )
        with pytest.raises(ValueError, match=r"valid codes: E06000001 \(Hartlepool\), E06000002"):
            maps.build_hotspot_map(
                con, tmp_path / "x.html", period=YEAR, vintage="2024", stamp=Stamp("r"), lad_code="E06000099"
            )
    text = one.path.read_text()
    shown = set(re.findall(r'"ward_code": "(E05\d{6})"', text))
    assert shown and all(wards[code] == "E06000002" for code in shown)
    assert len(shown) == sum(lad == "E06000002" for lad in wards.values())
    assert 0 < one.incidents < whole.incidents
    assert "off-road bike hotspots, Middlesbrough" in text
    assert one.bytes < whole.bytes


@pytest.mark.slow
def test_map_of_100k_incidents_stays_under_3_mb(geo_con, geodata_dir, tmp_path):
    from endurance import hotspots, linking, marts
    from endurance.demo.geography import DemoGeography, incident_points
    from endurance.geography import attribution
    from tests._staging import stage_points

    rng = np.random.default_rng(5)
    xy = incident_points(DemoGeography(geodata_dir), 100_000, rng)
    months = rng.integers(1, 13, size=len(xy))
    stage_points(geo_con, xy, created_at=[f"2025-{m:02d}-15 19:00" for m in months])
    attribution.attribute_events(geo_con)
    linking.link_events(geo_con, rules=())  # each incident its own: linking is not under test
    marts.build_marts(geo_con)
    hotspots.analyse_period(geo_con, YEAR, vintage="2024")
    result = maps.build_hotspot_map(
        geo_con, tmp_path / "m.html", period=YEAR, vintage="2024", stamp=Stamp("r")
    )
    print(f"map of {result.incidents:,} incidents: {result.bytes:,} bytes")
    assert result.incidents == 100_000
    assert result.bytes <= 3_000_000


# --------------------------------------------------------------------------- a map a meeting can task from


def test_ward_classes_spread_heavy_tailed_counts():
    # The demo year's 83 wards: 3 to 742 incidents, a few busy wards and a long quiet tail.
    counts = [3, 4, 6, 6, *[8] * 6, *[9] * 5, *[10] * 5, *[11] * 7, 12, 12, *[13] * 5, *[14] * 5, 15]
    counts += [16] * 4 + [17, 17] + [18] * 5 + [19] * 4 + [20] * 5 + [21, 22, 23, 23, 28, 29, 37, 50, 52]
    counts += [71, 79, 81, 85, 98, 135, 178, 238, 241, 246, 282, 291, 430, 742]
    breaks = _map_page.ward_breaks(counts)
    assert breaks == [6, 14, 37, 135]  # Fisher-Jenks natural breaks of the log counts
    classes = [sum(c > b for b in breaks) for c in counts]
    sizes = [classes.count(k) for k in range(5)]
    assert sizes == [4, 35, 28, 8, 8]  # quantiles put 17 in the top class: no busy ward stood out
    assert _map_page.ward_colour(742, breaks) != _map_page.ward_colour(98, breaks)


def test_hotspot_area_names_are_unique_and_say_where(demo_run):
    with warehouse.connect(demo_run["db"], read_only=True) as con:
        names = [
            n
            for (n,) in con.execute(
                "SELECT name FROM marts.hotspot_areas WHERE period = ?", [YEAR.label]
            ).fetchall()
        ]
    assert len(names) > 20 and len(set(names)) == len(names)
    assert not [n for n in names if re.search(r"\(\d+\)$", n)]  # never "Fens & Greatham (2)"
    compass = r" (north|south|east|west)(-(north|south|east|west))*( \([A-Z]{2} \d{3} \d{3}\))?$"
    assert sum(bool(re.search(compass, n)) for n in names) >= 5  # areas sharing a ward say where in it


def _labels_in(page):
    found = re.search(r"var labels = (\[.*?\]);\n", page)
    assert found, "no labels on the map"
    return json.loads(found.group(1))


def test_map_labels_authorities_wards_and_hotspot_areas(demo_run):
    page = (demo_run["out"] / "maps" / "hotspots_2025-01_to_2025-12.html").read_text()
    labels = _labels_in(page)
    kinds = {}
    for label in labels:
        kinds.setdefault(label["kind"], []).append(label)
    assert sorted(label["text"] for label in kinds["lad"]) == [
        "Hartlepool", "Middlesbrough", "Redcar and Cleveland", "Stockton-on-Tees"
    ]  # fmt: skip
    assert len(kinds["ward"]) >= 83 and {"Eston", "Fens &amp; Greatham"} <= {w["text"] for w in kinds["ward"]}
    with warehouse.connect(demo_run["db"], read_only=True) as con:
        areas = con.execute(
            "SELECT count(*) FROM marts.hotspot_areas WHERE period = ?", [YEAR.label]
        ).fetchone()
    assert len(kinds["area"]) == areas[0]
    # Towns while the view is wide, wards from zoom 11 (the force on a large screen), the
    # busiest hotspot areas at every zoom, all hotspot labels only while their layer is on.
    assert all(label["max_zoom"] <= 12 for label in kinds["lad"])
    assert all(label["min_zoom"] == 11 for label in kinds["ward"])
    assert sum(label["min_zoom"] == 0 for label in kinds["area"]) == _map_page.LABELLED_AREAS
    assert all(label["layer"] == "areas" for label in kinds["area"])
    # Priority when labels collide: authorities, hotspot areas, then wards.
    assert [label["kind"] for label in labels] == sorted(
        (label["kind"] for label in labels), key=["lad", "area", "ward"].index
    )


def test_label_text_is_escaped(demo_run, tmp_path):
    copy = tmp_path / "w.duckdb"
    copy.write_bytes(demo_run["db"].read_bytes())
    with warehouse.connect(copy) as con:
        con.execute(
            "UPDATE geo.wards SET lad_name = '<script>alert(5)</script>' WHERE lad_code = 'E06000001'"
        )
        result = maps.build_hotspot_map(
            con, tmp_path / "m.html", period=YEAR, vintage="2024", stamp=Stamp("r")
        )
    page = result.path.read_text()
    assert "<script>alert(5)" not in page
    assert "&lt;script&gt;alert(5)&lt;/script&gt;" in {label["text"] for label in _labels_in(page)}


def test_legend_sections_follow_their_layers_and_fold(demo_run):
    page = (demo_run["out"] / "maps" / "hotspots_2025-01_to_2025-12.html").read_text()
    for key in _map_page.LEGEND_LAYERS:
        assert f'class="endurance-for-{key}"' in page
        assert f".endurance-off-{key} .endurance-for-{key}{{display:none}}" in page
    assert '<details id="endurance-title" class="endurance-box" open>' in page
    assert '<details id="endurance-legend" class="endurance-box" open>' in page
    assert (
        ".endurance-print .leaflet-control-zoom,.endurance-print .leaflet-control-layers{display:none}"
        in page
    )


def test_no_background_tiles_unless_asked_and_the_force_tile_server_when_asked(demo_run, tmp_path):
    page = (demo_run["out"] / "maps" / "hotspots_2025-01_to_2025-12.html").read_text()
    assert "L.tileLayer" not in page
    template = "https://tiles.force.example/osm/{z}/{x}/{y}.png"
    with warehouse.connect(demo_run["db"], read_only=True) as con:
        result = maps.build_hotspot_map(
            con, tmp_path / "m.html", period=YEAR, vintage="2024", stamp=Stamp("r"), tiles=template
        )
    text = result.path.read_text()
    assert text.count("L.tileLayer") == 1 and json.dumps(template) in text
    assert "tile.openstreetmap.org" not in text


@pytest.mark.parametrize(
    ("value", "problem"),
    [("ftp://tiles/{z}/{x}/{y}", "http"), ("https://tiles/{z}/{x}.png", "missing {y}"), ("", None)],
)
def test_the_tile_template_is_checked(value, problem):
    from endurance._errors import SettingsError
    from endurance.settings import Settings

    if problem is None:
        assert Settings.from_env({"ENDURANCE_TILES": value}).tiles is None
        return
    with pytest.raises(SettingsError, match=re.escape(problem)):
        Settings.from_env({"ENDURANCE_TILES": value})
    template = "https://tiles.example/{z}/{x}/{y}.png"
    assert Settings.from_env({"ENDURANCE_TILES": template}).tiles == template
