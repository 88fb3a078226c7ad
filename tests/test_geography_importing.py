"""Importing a force's own ward, LSOA or hotspot layer (endurance.geography.importing)."""

from __future__ import annotations

import hashlib
from pathlib import Path

import geopandas as gpd
import pytest

from endurance._errors import InputError
from endurance.geography import catalogue, importing
from tests._wards import WARDS, four_wards_frame


@pytest.fixture(scope="module")
def four_wards(geodata_dir: Path) -> gpd.GeoDataFrame:
    """Return the four wards in British National Grid with ONS 2024 field names and no LAD fields."""
    return four_wards_frame(geodata_dir)


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
    result = importing.import_layer(geo_con, "ward", path, vintage="2024-test")
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
    (info,) = [i for i in catalogue.list_layers(geo_con) if i.kind == "ward" and i.vintage == "2024-test"]
    assert info.features == 4 and info.sha256 == hashlib.sha256(path.read_bytes()).hexdigest()


def test_reimport_replaces_the_same_kind_and_vintage(geo_con, four_wards, tmp_path):
    path = tmp_path / "wards.gpkg"
    four_wards.to_file(path, driver="GPKG")
    importing.import_layer(geo_con, "ward", path, vintage="v1")
    four_wards.iloc[:2].to_file(tmp_path / "two.gpkg", driver="GPKG")
    importing.import_layer(geo_con, "ward", tmp_path / "two.gpkg", vintage="v1")
    assert geo_con.execute("SELECT count(*) FROM geo.wards WHERE vintage = 'v1'").fetchone()[0] == 2
    assert geo_con.execute("SELECT count(*) FROM geo.wards WHERE vintage = '2024'").fetchone()[0] == 83
    assert geo_con.execute("SELECT features FROM geo.layers WHERE vintage = 'v1'").fetchall() == [(2,)]


def test_explicit_fields_and_lad_fields_from_the_file(geo_con, four_wards, tmp_path):
    frame = four_wards.rename(columns={"WD24CD": "code", "WD24NM": "label"})
    frame["LAD24CD"] = ["E06000099"] * 4
    frame["LAD24NM"] = ["Somewhere"] * 4
    frame.to_crs(4326).to_file(tmp_path / "w.geojson", driver="GeoJSON")
    importing.import_layer(
        geo_con, "ward", tmp_path / "w.geojson", vintage="x", code_field="code", name_field="label"
    )
    assert set(
        geo_con.execute("SELECT lad_code, lad_name FROM geo.wards WHERE vintage = 'x'").fetchall()
    ) == {("E06000099", "Somewhere")}


def test_lsoa_layer_with_ons_2011_fields(geo_con, geodata_dir, tmp_path):
    frame = gpd.read_file(geodata_dir / "cleveland_lsoa_2011.geojson").iloc[:5]
    frame = frame.rename(columns={"lsoa_code": "LSOA11CD", "lsoa_name": "LSOA11NM"})
    frame[["LSOA11CD", "LSOA11NM", "geometry"]].to_crs(27700).to_file(tmp_path / "l.gpkg", driver="GPKG")
    importing.import_layer(geo_con, "lsoa", tmp_path / "l.gpkg", vintage="2011-test")
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
    importing.import_layer(geo_con, "hotspot", tmp_path / "h.gpkg", vintage="2025")
    row = geo_con.execute(
        "SELECT hotspot_id, aliases, lad_code, concern, round(area_km2, 3) FROM geo.hotspots"
    ).fetchall()
    assert row == [("eston-nab-test", "Eston Nab test", "E06000003", "off-road bikes", 0.04)]
    kinds = {(i.kind, i.vintage) for i in catalogue.list_layers(geo_con)}
    assert ("hotspot", "2025") in kinds and ("hotspot", "gazetteer") not in kinds


def test_file_without_crs_is_an_error_naming_it(geo_con, four_wards, tmp_path):
    path = tmp_path / "nocrs.shp"
    four_wards.to_file(path)
    path.with_suffix(".prj").unlink()
    with pytest.raises(InputError) as info:
        importing.import_layer(geo_con, "ward", path, vintage="x")
    assert str(path) in str(info.value) and "coordinate reference system" in str(info.value)


def test_every_problem_is_collected(con, four_wards, tmp_path):
    frame = four_wards.drop(columns=["WD24NM"]).copy()
    frame["WD23CD"] = frame["WD24CD"]
    frame.loc[frame.index[1], "WD24CD"] = frame["WD24CD"].iloc[0]
    frame.to_file(tmp_path / "bad.gpkg", driver="GPKG")
    with pytest.raises(InputError) as info:
        importing.import_layer(con, "ward", tmp_path / "bad.gpkg", vintage="2024")  # con: no geo.lads
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
        importing.import_layer(geo_con, "ward", tmp_path / "dup.gpkg", vintage="2024")
