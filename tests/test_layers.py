"""Reference-geography management: list, import, fetch, ward designations."""

from __future__ import annotations

import hashlib
import http.server
import json
import shutil
import threading
from functools import partial
from pathlib import Path

import geopandas as gpd
import pytest
from typer.testing import CliRunner

from endurance import geography, layers, marts
from endurance._errors import InputError
from endurance.exports import ward_summary_rows
from endurance.periods import Period
from endurance.warehouse import sql_text
from pipelines.cli import geodata_app

# Four real 2024 wards, one per authority, and a point well inside each (tests/test_geography.py).
WARDS = {
    "Victoria": ("E06000001", "Hartlepool", -1.2130, 54.6850),
    "Central": ("E06000002", "Middlesbrough", -1.2345, 54.5760),
    "Coatham": ("E06000003", "Redcar and Cleveland", -1.0640, 54.6160),
    "Billingham Central": ("E06000004", "Stockton-on-Tees", -1.2900, 54.6060),
}


@pytest.fixture(scope="module")
def four_wards(geodata_dir: Path) -> gpd.GeoDataFrame:
    """The four wards in British National Grid with ONS 2024 field names and no LAD fields."""
    frame = gpd.read_file(geodata_dir / "cleveland_wards_2024.geojson")
    frame = frame[frame["ward_name"].isin(WARDS)].to_crs(27700)
    assert len(frame) == 4
    return gpd.GeoDataFrame(
        {
            "FID": range(1, 5),
            "WD24CD": frame["ward_code"].to_numpy(),
            "WD24NM": frame["ward_name"].to_numpy(),
            "WD24NMW": [" "] * 4,  # Welsh name, empty in England: must not be taken for the name
            "BNG_E": frame.geometry.centroid.x.round().to_numpy(),
        },
        geometry=frame.geometry.to_numpy(),
        crs="EPSG:27700",
    )


def _point_ward(con, vintage, lon, lat):
    row = con.execute(
        "SELECT ward_name FROM geo.wards WHERE vintage = ? AND ST_Contains(geom_27700,"
        " ST_Transform(ST_Point(?, ?), 'EPSG:4326', 'EPSG:27700', always_xy := true))"
        " AND ST_Contains(geom_4326, ST_Point(?, ?))",
        [vintage, lon, lat, lon, lat],
    ).fetchall()
    return [r[0] for r in row]


@pytest.mark.parametrize(("driver", "suffix"), [("GPKG", ".gpkg"), ("ESRI Shapefile", ".shp")])
def test_import_ward_layer_in_bng_derives_lads_and_keeps_both_geometries(
    geo_con, four_wards, tmp_path, driver, suffix
):
    path = tmp_path / f"wards{suffix}"
    four_wards.to_file(path, driver=driver)
    result = layers.import_layer(geo_con, "ward", path, vintage="2024-test")
    assert result.features == 4 and result.derived_lads == 4
    assert result.fields == {"code": "WD24CD", "name": "WD24NM"}
    rows = geo_con.execute(
        "SELECT ward_name, ward_code, lad_code, lad_name, area_km2 FROM geo.wards"
        " WHERE vintage = '2024-test' ORDER BY ward_name"
    ).fetchall()
    official = dict(
        geo_con.execute(
            "SELECT ward_code, area_km2 FROM geo.wards WHERE vintage = '2024' AND ward_name IN (?, ?, ?, ?)",
            list(WARDS),
        ).fetchall()
    )
    assert [r[0] for r in rows] == sorted(WARDS)
    for name, code, lad_code, lad_name, area in rows:
        assert (lad_code, lad_name) == WARDS[name][:2]
        assert area == pytest.approx(official[code], rel=1e-6)
    for name, (_, _, lon, lat) in WARDS.items():
        assert _point_ward(geo_con, "2024-test", lon, lat) == [name]
    (info,) = [i for i in layers.list_layers(geo_con) if i.kind == "ward" and i.vintage == "2024-test"]
    assert info.features == 4 and info.sha256 == hashlib.sha256(path.read_bytes()).hexdigest()


def test_reimport_replaces_the_same_kind_and_vintage(geo_con, four_wards, tmp_path):
    path = tmp_path / "wards.gpkg"
    four_wards.to_file(path, driver="GPKG")
    layers.import_layer(geo_con, "ward", path, vintage="v1")
    four_wards.iloc[:2].to_file(tmp_path / "two.gpkg", driver="GPKG")
    layers.import_layer(geo_con, "ward", tmp_path / "two.gpkg", vintage="v1")
    assert geo_con.execute("SELECT count(*) FROM geo.wards WHERE vintage = 'v1'").fetchone()[0] == 2
    assert geo_con.execute("SELECT count(*) FROM geo.wards WHERE vintage = '2024'").fetchone()[0] == 83
    assert geo_con.execute("SELECT features FROM geo.layers WHERE vintage = 'v1'").fetchall() == [(2,)]


def test_explicit_fields_and_lad_fields_from_the_file(geo_con, four_wards, tmp_path):
    frame = four_wards.rename(columns={"WD24CD": "code", "WD24NM": "label"})
    frame["LAD24CD"] = ["E06000099"] * 4
    frame["LAD24NM"] = ["Somewhere"] * 4
    frame.to_crs(4326).to_file(tmp_path / "w.geojson", driver="GeoJSON")
    layers.import_layer(
        geo_con, "ward", tmp_path / "w.geojson", vintage="x", code_field="code", name_field="label"
    )
    assert set(
        geo_con.execute("SELECT lad_code, lad_name FROM geo.wards WHERE vintage = 'x'").fetchall()
    ) == {("E06000099", "Somewhere")}


def test_lsoa_layer_with_ons_2011_fields(geo_con, geodata_dir, tmp_path):
    frame = gpd.read_file(geodata_dir / "cleveland_lsoa_2011.geojson").iloc[:5]
    frame = frame.rename(columns={"lsoa_code": "LSOA11CD", "lsoa_name": "LSOA11NM"})
    frame[["LSOA11CD", "LSOA11NM", "geometry"]].to_crs(27700).to_file(tmp_path / "l.gpkg", driver="GPKG")
    layers.import_layer(geo_con, "lsoa", tmp_path / "l.gpkg", vintage="2011-test")
    got = dict(
        geo_con.execute("SELECT lsoa_code, lad_code FROM geo.lsoas WHERE vintage = '2011-test'").fetchall()
    )
    assert got == dict(zip(frame["LSOA11CD"], frame["lad_code"], strict=True))


def test_hotspot_layer_gets_gazetteer_defaults(geo_con, tmp_path):
    # A 200 m square on Eston Nab (NZ 568 183) with only a name.
    square = gpd.GeoDataFrame(
        {"name": ["Eston Nab test"]},
        geometry=gpd.GeoSeries.from_xy([456800], [518300]).buffer(100, cap_style="square"),
        crs="EPSG:27700",
    )
    square.to_file(tmp_path / "h.gpkg", driver="GPKG")
    layers.import_layer(geo_con, "hotspot", tmp_path / "h.gpkg", vintage="2025")
    row = geo_con.execute(
        "SELECT hotspot_id, aliases, lad_code, concern, round(area_km2, 3) FROM geo.hotspots"
    ).fetchall()
    assert row == [("eston-nab-test", "Eston Nab test", "E06000003", "off-road bikes", 0.04)]
    kinds = {(i.kind, i.vintage) for i in layers.list_layers(geo_con)}
    assert ("hotspot", "2025") in kinds and ("hotspot", "gazetteer") not in kinds


def test_gazetteer_loaded_by_geography_is_listed(geo_con):
    listed = {(i.kind, i.vintage): i for i in layers.list_layers(geo_con)}
    assert listed[("hotspot", "gazetteer")].features >= 6
    assert listed[("ward", "2018")].features == 79 and listed[("lad", "2024")].features == 6


def test_file_without_crs_is_an_error_naming_it(geo_con, four_wards, tmp_path):
    path = tmp_path / "nocrs.shp"
    four_wards.to_file(path)
    path.with_suffix(".prj").unlink()
    with pytest.raises(InputError) as info:
        layers.import_layer(geo_con, "ward", path, vintage="x")
    assert str(path) in str(info.value) and "coordinate reference system" in str(info.value)


def test_every_problem_is_collected(con, four_wards, tmp_path):
    frame = four_wards.drop(columns=["WD24NM"]).copy()
    frame["WD23CD"] = frame["WD24CD"]
    frame.loc[frame.index[1], "WD24CD"] = frame["WD24CD"].iloc[0]
    frame.to_file(tmp_path / "bad.gpkg", driver="GPKG")
    with pytest.raises(InputError) as info:
        layers.import_layer(con, "ward", tmp_path / "bad.gpkg", vintage="2024")  # con: no geo.lads
    problems = info.value.problems
    assert len(problems) == 3, problems
    assert "ambiguous" in problems[0] and "WD23CD" in problems[0] and "WD24CD" in problems[0]
    assert problems[1].startswith("no ward name field")
    assert "geo.lads is empty" in problems[2]


def test_duplicate_codes_are_reported(geo_con, four_wards, tmp_path):
    frame = four_wards.copy()
    frame.loc[frame.index[1], "WD24CD"] = frame["WD24CD"].iloc[0]
    frame.to_file(tmp_path / "dup.gpkg", driver="GPKG")
    with pytest.raises(InputError, match="codes are not unique"):
        layers.import_layer(geo_con, "ward", tmp_path / "dup.gpkg", vintage="2024")


# ---------------------------------------------------------------------------- fetch


@pytest.fixture
def mirror(tmp_path, geodata_dir):
    """A local HTTP server serving copies of the shared official layers."""
    root = tmp_path / "mirror"
    root.mkdir()
    for entry in layers.read_manifest():
        shutil.copy(geodata_dir / entry.file, root / entry.file)
    handler = partial(http.server.SimpleHTTPRequestHandler, directory=str(root))
    handler.log_message = lambda *args: None  # type: ignore[attr-defined]
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield root, f"http://127.0.0.1:{server.server_address[1]}/geodata"
    server.shutdown()
    server.server_close()


def test_manifest_pins_the_shared_files(geodata_dir):
    entries = layers.read_manifest()
    assert {e.kind for e in entries} == {"ward", "lad", "force_area", "lsoa"}
    for entry in entries:
        data = (geodata_dir / entry.file).read_bytes()
        assert hashlib.sha256(data).hexdigest() == entry.sha256 and len(data) == entry.bytes
        assert entry.url.startswith("https://geoportal.statistics.gov.uk/")


def test_fetch_verifies_skips_and_feeds_the_cache_route(mirror, tmp_path, monkeypatch):
    root, _ = mirror
    # The mirror serves the files under /geodata/: link that path to the folder.
    (root / "geodata").symlink_to(root)
    base = mirror[1]
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "cache"))
    first = layers.fetch_official_layers(base_url=base, retries=0)
    assert {r.status for r in first} == {"downloaded"} and len(first) == 6
    cache = geography.cache_dir()
    for entry in layers.read_manifest():
        assert hashlib.sha256((cache / entry.file).read_bytes()).hexdigest() == entry.sha256
    assert not list(cache.glob(".*part"))
    second = layers.fetch_official_layers(base_url=base, retries=0)
    assert {r.status for r in second} == {"present"}
    assert geography.resolve_geodata_dir(None, env_dir=None) == cache


def test_tampered_file_is_refused_and_removed(mirror, tmp_path):
    root, base = mirror
    (root / "geodata").symlink_to(root)
    target = root / "cleveland_wards_2024.geojson"
    target.write_bytes(target.read_bytes().replace(b"Central", b"Centrax", 1))
    dest = tmp_path / "dest"
    with pytest.raises(InputError) as info:
        layers.fetch_official_layers(dest, base_url=base, retries=0)
    (problem,) = info.value.problems
    expected = next(e.sha256 for e in layers.read_manifest() if e.file == target.name)
    actual = hashlib.sha256(target.read_bytes()).hexdigest()
    assert target.name in problem and expected in problem and actual in problem
    assert not (dest / target.name).exists()
    assert sorted(p.name for p in dest.iterdir()) == sorted(
        e.file for e in layers.read_manifest() if e.file != target.name
    )


def test_missing_file_on_the_mirror_is_a_fetch_error(tmp_path, mirror):
    _, base = mirror  # no /geodata/ path: every request is a 404
    with pytest.raises(layers.FetchError, match="HTTP 404"):
        layers.fetch_official_layers(tmp_path / "dest", base_url=base, retries=0)


# --------------------------------------------------------------------- designations

HEADER = ",".join(layers.DESIGNATION_COLUMNS)


def _csv(tmp_path, *rows):
    path = tmp_path / "designations.csv"
    path.write_text("\n".join([HEADER, *rows]) + "\n", encoding="utf-8")
    return path


def test_template_lists_every_2024_ward_undesignated(geo_con):
    wards = set(geo_con.execute("SELECT ward_code FROM geo.wards WHERE vintage = '2024'").fetchall())
    text = layers.DESIGNATIONS_TEMPLATE.read_text(encoding="utf-8").splitlines()
    assert text[0] == "ward_code,ward_name,vintage,designation,effective_from,effective_to,note"
    assert {(line.split(",")[0],) for line in text[1:]} == wards and len(text) == 84
    loaded = layers.load_designations(geo_con, layers.DESIGNATIONS_TEMPLATE)
    assert (loaded.designated, loaded.not_designated, loaded.vintages) == (0, 83, ("2024",))


def test_validation_lists_every_problem_by_row(geo_con, tmp_path):
    path = _csv(
        tmp_path,
        "E05012441,Eston,2024,Strengthen,2024-04-01,,",  # row 2: fine
        "E05099999,Nowhere,2024,Support,2024-04-01,,",  # row 3: unknown ward
        "E05012450,Normanby,2024,Sustained,2024-04-01,,",  # row 4: bad designation
        "E05012443,Guisborough,2024,support,01/04/2024,,",  # row 5: bad date
        "E05012442,Grangetown,2024,Sustain,2024-06-01,2024-05-31,",  # row 6: ends before it starts
        "E05012441,Eston,2024,Support,2025-01-01,,",  # row 7: overlaps row 2 (open-ended)
        "E05012441,Eston,2013,Support,2025-01-01,,",  # row 8: not a 2013 ward code
    )
    with pytest.raises(InputError) as info:
        layers.load_designations(geo_con, path)
    assert info.value.path == str(path)
    assert info.value.problems == [
        "row 3: 'E05099999' is not a ward code of vintage 2024",
        "row 4: designation 'Sustained' is not one of Strengthen, Support, Sustain",
        "row 5: effective_from '01/04/2024' is not an ISO date (YYYY-MM-DD)",
        "row 6: effective_to 2024-05-31 is not after effective_from 2024-06-01",
        "row 8: 'E05012441' is not a ward code of vintage 2013",
        "rows 2 and 7: periods for ward E05012441 (2024) overlap",
    ]
    assert geo_con.execute("SELECT count(*) FROM geo.ward_designations").fetchone()[0] == 0


def test_designations_reach_the_export_for_designated_wards_only(geo_con, tmp_path):
    marts.build_marts(geo_con)
    # No incidents are staged here: give every ward a zero row for one month so the
    # summary has its wards.
    geo_con.execute(
        "INSERT INTO marts.ward_month_counts BY NAME SELECT vintage, ward_code, ward_name, lad_code,"
        " lad_name, DATE '2025-01-01' AS month, 0 AS off_road_bike_incidents FROM geo.wards"
        " WHERE vintage = '2024'"
    )
    period = Period("2025-01", "2025-12")
    before = ward_summary_rows(geo_con, "E06000003", period, "2024")
    assert {r["designation"] for r in before} == {""}
    path = _csv(
        tmp_path,
        "E05012441,Eston,2024,strengthen,2024-04-01,2025-06-30,first period",
        "E05012441,Eston,2024,Support,2025-07-01,,",
        "E05012450,Normanby,2024,Sustain,2024-04-01,2025-12-30,ends a day early",
        "E05012443,Guisborough,2024,SUPPORT,2026-01-01,,starts after the period",
        "E05012449,Newcomen,2024,,,,",
    )
    loaded = layers.load_designations(geo_con, path)
    assert (loaded.designated, loaded.not_designated) == (4, 1)
    geo_con.execute(sql_text("marts/ward_designations.sql"))
    assert geo_con.execute("SELECT count(*) FROM marts.ward_designations").fetchone()[0] == 4
    after = {
        r["ward_code"]: r["designation"] for r in ward_summary_rows(geo_con, "E06000003", period, "2024")
    }
    assert after.pop("E05012441") == "Support"  # the period in force on 2025-12-31
    assert set(after.values()) == {""}  # Normanby ended 2025-12-30, Guisborough not yet begun
    mid = {
        r["ward_code"]: r["designation"]
        for r in ward_summary_rows(geo_con, "E06000003", Period("2025-01", "2025-03"), "2024")
    }
    assert mid["E05012441"] == "Strengthen" and mid["E05012450"] == "Sustain" and mid["E05012443"] == ""
    assert sum(1 for v in mid.values() if v) == 2


# ----------------------------------------------------------------------------- CLI

runner = CliRunner()
GEODATA_COMMANDS = sorted(c.name or c.callback.__name__ for c in geodata_app.registered_commands)


def test_geodata_commands_are_the_documented_ones():
    assert GEODATA_COMMANDS == ["designations", "fetch", "import", "list"]


@pytest.mark.parametrize("command", GEODATA_COMMANDS)
def test_every_geodata_command_has_help_text_and_is_in_the_readme(command):
    from pipelines.cli import app

    result = runner.invoke(app, ["geodata", command, "--help"])
    assert result.exit_code == 0
    text = result.output.split("Options")[0]
    assert len(text.strip().splitlines()) >= 2, f"geodata {command} has no help text"
    readme = (Path(__file__).resolve().parents[1] / "README.md").read_text()
    assert f"endurance geodata {command}" in readme


def test_cli_import_list_and_designations(geo_db, four_wards, tmp_path, monkeypatch):
    from pipelines.cli import app

    db = tmp_path / "w.duckdb"
    db.write_bytes(geo_db.read_bytes())
    monkeypatch.setenv("ENDURANCE_DB", str(db))
    four_wards.to_file(tmp_path / "w.gpkg", driver="GPKG")
    result = runner.invoke(app, ["geodata", "import", "ward", str(tmp_path / "w.gpkg"), "--vintage", "mine"])
    assert result.exit_code == 0, result.output
    assert "imported 4 ward features as vintage mine" in result.output
    listed = runner.invoke(app, ["geodata", "list"])
    assert listed.exit_code == 0 and "mine" in listed.output and "gazetteer" in listed.output
    bad = _csv(tmp_path, "E05012441,Eston,2024,Maybe,2024-04-01,,")
    result = runner.invoke(app, ["geodata", "designations", str(bad)])
    assert result.exit_code == 1 and "row 2: designation 'Maybe'" in result.output
    assert "Traceback" not in result.output


def test_manifest_says_plainly_what_is_pinned():
    text = json.loads(layers.MANIFEST_PATH.read_text())["honesty_note"]
    assert "Cleveland subsets" in text and "NOT of anything the ONS Open Geography Portal serves" in text
