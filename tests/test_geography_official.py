"""Finding and loading the official boundary layers (endurance.geography.official)."""

from pathlib import Path

import pytest

from endurance._errors import GeodataMissingError
from endurance.geography import official


def test_every_vintage_is_loaded_with_the_documented_ward_counts(geo_con):
    counts = dict(geo_con.execute("SELECT vintage, count(*) FROM geo.wards GROUP BY 1").fetchall())
    assert counts == {"2013": 82, "2018": 79, "2024": 83}
    per_lad = dict(
        geo_con.execute(
            "SELECT lad_code, count(*) FROM geo.wards WHERE vintage = '2018' GROUP BY 1"
        ).fetchall()
    )
    assert per_lad == {"E06000001": 11, "E06000002": 20, "E06000003": 22, "E06000004": 26}


def test_ward_geometries_are_in_metres_and_degrees(geo_con):
    x, lon, area = geo_con.execute(
        "SELECT ST_X(ST_Centroid(geom_27700)), ST_X(ST_Centroid(geom_4326)), area_km2"
        " FROM geo.wards WHERE vintage = '2024' AND ward_name = 'Central'"
    ).fetchone()
    assert 440_000 < x < 470_000  # British National Grid easting in Cleveland
    assert -1.4 < lon < -0.8  # longitude in Cleveland
    assert 1 < area < 10  # a town-centre ward with its docks, in km2


def test_reloading_the_same_files_keeps_them(geo_con, geodata_dir):
    assert {s["status"] for s in official.load_official_layers(geo_con, geodata_dir)} == {"kept"}


# Places whose ward is known from the ONS boundaries and local knowledge, one or more
# per local authority, each well inside its ward (over 100 m from any edge).
KNOWN = [
    ("Hartlepool civic centre", -1.2130, 54.6850, {"2013": "Victoria", "2024": "Victoria"}),
    (
        "Middlesbrough town hall",
        -1.2345,
        54.5760,
        {"2013": "Middlehaven", "2018": "Central", "2024": "Central"},
    ),
    ("Stockton High Street", -1.3175, 54.5680, {"2018": "Stockton Town Centre"}),
    ("Billingham town centre", -1.2900, 54.6060, {"2024": "Billingham Central"}),
    ("Eston Nab summit", -1.1224139, 54.5571722, {"2018": "Guisborough", "2024": "Guisborough"}),
    ("Redcar, Coatham", -1.0640, 54.6160, {"2024": "Coatham"}),
]


@pytest.mark.parametrize(("place", "lon", "lat", "expected"), KNOWN, ids=[k[0] for k in KNOWN])
def test_known_places_fall_in_their_wards(geo_con, place, lon, lat, expected):
    rows = dict(
        geo_con.execute(
            "SELECT vintage, ward_name FROM geo.wards WHERE ST_Contains(geom_27700,"
            " ST_Transform(ST_Point(?, ?), 'EPSG:4326', 'EPSG:27700', always_xy := true))",
            [lon, lat],
        ).fetchall()
    )
    for vintage, ward in expected.items():
        assert rows[vintage] == ward, place


def test_missing_boundaries_name_all_three_routes(tmp_path, monkeypatch):
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "cache"))
    with pytest.raises(GeodataMissingError) as info:
        official.resolve_geodata_dir(None, env_dir=tmp_path / "empty")
    message = str(info.value)
    assert "explicitly" in message and "ENDURANCE_GEODATA" in message
    assert "download cache" in message and str(tmp_path / "cache") in message
    assert str(tmp_path / "empty") in message


def test_explicit_folder_wins(geodata_dir, tmp_path):
    assert official.resolve_geodata_dir(geodata_dir, env_dir=tmp_path) == geodata_dir


def test_bad_layer_lists_every_problem(tmp_path):
    bad = tmp_path / "bad_wards_2024.geojson"
    bad.write_text(
        '{"type": "FeatureCollection", "features": [{"type": "Feature", '
        '"properties": {"ward_code": "E05000001"}, '
        '"geometry": {"type": "Point", "coordinates": [-1.2, 54.6]}}]}'
    )
    with pytest.raises(ValueError) as info:
        official.read_layer(Path(bad), ("ward_code", "ward_name", "lad_code"))
    text = str(info.value)
    assert str(bad) in text and "'ward_name'" in text and "'lad_code'" in text and "vintage" in text


def test_ensure_loads_nothing_when_wards_are_loaded(geo_con, tmp_path):
    # The folder holds no layers: a load would fail, so none is attempted.
    assert official.ensure_official_layers(geo_con, env_dir=tmp_path) == []


def test_ensure_on_an_empty_warehouse_names_the_routes_when_no_boundaries(con, tmp_path, monkeypatch):
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "cache"))
    with pytest.raises(GeodataMissingError, match="ENDURANCE_GEODATA"):
        official.ensure_official_layers(con, env_dir=tmp_path / "empty")
