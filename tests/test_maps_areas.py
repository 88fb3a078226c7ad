"""Maps of one analysis area: a force's, the joint operation's, one authority's, on a two-force warehouse."""

from __future__ import annotations

import json
import re

import pytest

from endurance import forces, geography, linking, maps, marts, warehouse
from endurance._errors import ArgumentError
from endurance._publish import Stamp
from endurance.geography import attribution
from endurance.settings import Settings
from tests._staging import stage_rows
from tests._two_forces import YEAR

CLEVELAND_LADS = {"E06000001", "E06000002", "E06000003", "E06000004"}
DURHAM_LADS = {"E06000005", "E06000047"}


@pytest.fixture(scope="module")
def two_forces_maps(two_forces_analysed, tmp_path_factory):
    """Build the maps of the two-force warehouse once: each area's, and County Durham's and Darlington's."""
    folder = tmp_path_factory.mktemp("area-maps")
    db = folder / "endurance.duckdb"
    db.write_bytes(two_forces_analysed["db"].read_bytes())
    built = {}
    with warehouse.connect(db, read_only=True) as con:
        for name, area, lad in [
            ("joint", None, None),
            ("cleveland", "cleveland", None),
            ("durham", "durham", None),
            ("E06000047", None, "E06000047"),
            ("E06000005", "durham", "E06000005"),
        ]:
            built[name] = maps.build_hotspot_map(
                con,
                folder / f"{name}.html",
                period=YEAR,
                vintage="2024",
                stamp=Stamp("r"),
                area=area,
                lad_code=lad,
            )
        ward_lads = dict(
            con.execute("SELECT ward_code, lad_code FROM geo.wards WHERE vintage = '2024'").fetchall()
        )
        places = dict(con.execute("SELECT name, lad_code FROM geo.hotspots").fetchall())
    return {"db": db, "maps": built, "ward_lads": ward_lads, "places": places}


def _collections(page: str) -> dict[str, list[dict]]:
    """Return the features of each GeoJSON layer of a Folium page, told apart by their properties."""
    decoder = json.JSONDecoder()
    found: dict[str, list[dict]] = {"wards": [], "areas": [], "places": [], "outlines": [], "gistar": []}
    for match in re.finditer(r"geo_json_[0-9a-f]+_add\(", page):
        collection, _ = decoder.raw_decode(page, match.end())
        for feature in collection["features"]:
            keys = set(feature["properties"])
            kind = (
                "wards" if "ward_code" in keys
                else "areas" if "peak_days" in keys
                else "places" if "concern" in keys
                else "gistar" if "cells" in keys
                else "outlines"
            )  # fmt: skip
            found[kind].append(feature["properties"])
    return found


def _lads_shown(page: str, ward_lads: dict[str, str]) -> set[str]:
    return {ward_lads[ward["ward_code"]] for ward in _collections(page)["wards"]}


def test_the_durham_map_holds_durham_only(two_forces_maps):
    result = two_forces_maps["maps"]["durham"]
    page = result.path.read_text()
    shown = _collections(page)
    assert result.area == "durham"
    assert _lads_shown(page, two_forces_maps["ward_lads"]) == DURHAM_LADS
    durham_wards = [code for code, lad in two_forces_maps["ward_lads"].items() if lad in DURHAM_LADS]
    assert len(shown["wards"]) == len(durham_wards)
    assert [outline["name"] for outline in shown["outlines"]] == ["Durham"]
    places = {place["name"] for place in shown["places"]}
    assert places == {name for name, lad in two_forces_maps["places"].items() if lad in DURHAM_LADS}
    assert "Eston Hills" not in page  # neither Cleveland's place nor its hotspot area
    assert any(area["name"].startswith("Horden") for area in shown["areas"])
    assert "Durham force area" in result.layers and "Cleveland force area" not in result.layers
    assert "off-road bike hotspots, Durham force area, 2025-01 to 2025-12" in page
    assert "Sources: Durham Constabulary incident logs; community intelligence" in page
    assert "Cleveland Police" not in page


def test_the_joint_map_holds_all_six_authorities_and_both_outlines(two_forces_maps):
    result = two_forces_maps["maps"]["joint"]
    page = result.path.read_text()
    shown = _collections(page)
    assert result.area == "joint"
    assert _lads_shown(page, two_forces_maps["ward_lads"]) == CLEVELAND_LADS | DURHAM_LADS
    assert len(shown["wards"]) == len(two_forces_maps["ward_lads"])
    assert sorted(outline["name"] for outline in shown["outlines"]) == ["Cleveland", "Durham"]
    assert "Cleveland and Durham force areas" in result.layers
    assert "Sources: Cleveland Police and Durham Constabulary incident logs;" in page
    assert "covering 5 % of the force areas" in page
    names = {area["name"] for area in shown["areas"]}
    assert "Eston Hills" in names and any(name.startswith("Horden") for name in names)
    # Every incident cell of both forces: the joint map leaves nothing out.
    parts = two_forces_maps["maps"]["cleveland"].incidents + two_forces_maps["maps"]["durham"].incidents
    assert result.incidents == parts


@pytest.mark.parametrize(("lad", "name"), [("E06000047", "County Durham"), ("E06000005", "Darlington")])
def test_a_durham_authority_is_mapped_from_durham_s_analysis(two_forces_maps, lad, name):
    result = two_forces_maps["maps"][lad]
    page = result.path.read_text()
    shown = _collections(page)
    assert result.area == "durham" and result.lad_code == lad
    assert _lads_shown(page, two_forces_maps["ward_lads"]) == {lad}
    assert f"off-road bike hotspots, {name}, 2025-01 to 2025-12" in page
    assert {place["name"] for place in shown["places"]} == {
        place for place, of in two_forces_maps["places"].items() if of == lad
    }
    with warehouse.connect(two_forces_maps["db"], read_only=True) as con:
        durham = con.execute(
            "SELECT name, incidents FROM marts.hotspot_areas WHERE analysis_area = 'durham' AND period = ?"
            " AND list_contains(string_split(lad_codes, ', '), ?)",
            [YEAR.label, lad],
        ).fetchall()
    assert sorted((a["name"], a["incidents"]) for a in shown["areas"]) == sorted(durham)
    assert durham and 0 < result.incidents < two_forces_maps["maps"]["durham"].incidents


def test_an_authority_outside_the_area_is_refused(two_forces_maps, tmp_path):
    with warehouse.connect(two_forces_maps["db"], read_only=True) as con:
        with pytest.raises(
            ValueError, match=r"^local authority E06000002 \(Middlesbrough\) is not in analysis area 'durham'"
        ):
            maps.build_hotspot_map(
                con,
                tmp_path / "m.html",
                period=YEAR,
                vintage="2024",
                stamp=Stamp("r"),
                area="durham",
                lad_code="E06000002",
            )
        with pytest.raises(
            ArgumentError,
            match="no analysis area 'tyneside': the forces loaded give cleveland, durham, joint",
        ):
            maps.build_hotspot_map(
                con, tmp_path / "m.html", period=YEAR, vintage="2024", stamp=Stamp("r"), area="tyneside"
            )
        # An authority of the joint operation is in it.
        joint = maps.build_hotspot_map(
            con,
            tmp_path / "j.html",
            period=YEAR,
            vintage="2024",
            stamp=Stamp("r"),
            area="joint",
            lad_code="E06000002",
        )
    assert joint.area == "joint" and not (tmp_path / "m.html").exists()


@pytest.fixture(scope="module")
def cleveland_only(two_forces_maps, geodata_dir, tmp_path_factory):
    """Return a warehouse serving Cleveland alone, with the two-force one's Cleveland incidents analysed."""
    from endurance import freshness

    path = tmp_path_factory.mktemp("cleveland-only") / "endurance.duckdb"
    with warehouse.connect(two_forces_maps["db"], read_only=True) as con:
        rows = con.execute(
            "SELECT event_id, incident_ref, file_sha256, row_number, created_at, opening_code, x, y,"
            " is_off_road_bike, classification_rule FROM staging.stg_incident_log_incidents"
            " WHERE incident_ref LIKE 'cleveland-%'"
        ).df()
    with warehouse.connect(path) as con:
        geography.load_official_layers(con, geodata_dir, forces=(forces.CLEVELAND,))
        geography.load_hotspots(con, forces.gazetteers((forces.CLEVELAND,)))
        stage_rows(con, "staging.stg_incident_log_incidents", rows)
        attribution.attribute_events(con)
        linking.link_events(con)
        marts.build_marts(con)
        freshness.analyse(con, YEAR, vintage="2024")
    return path


def _content(con, area):
    """Return what a map draws, read as the map reads it (the title aside)."""
    data = maps._gather(con, YEAR, "2024", maps._area(con, "2024", None, area))
    return {
        "wards": data.wards,
        "areas": data.areas,
        "places": data.places,
        "cells": data.cells,
        "outline": data.outline,
        "density": (data.density.grid, data.density.density.tolist(), data.density.gi_class.tolist()),
    }


def test_cleveland_s_map_is_the_same_with_durham_loaded_beside_it(two_forces_maps, cleveland_only, tmp_path):
    with warehouse.connect(cleveland_only, read_only=True) as con:
        alone = _content(con, None)
        only = maps.build_hotspot_map(
            con, tmp_path / "alone.html", period=YEAR, vintage="2024", stamp=Stamp("r")
        )
    with warehouse.connect(two_forces_maps["db"], read_only=True) as con:
        beside = _content(con, "cleveland")
    assert beside == alone
    assert {two_forces_maps["ward_lads"][w["ward_code"]] for w in beside["wards"]} == CLEVELAND_LADS
    both = two_forces_maps["maps"]["cleveland"]
    assert (both.incidents, both.layers, both.area) == (only.incidents, only.layers, only.area)
    page = only.path.read_text()  # one force loaded: the title names no area, as it never did
    assert "off-road bike hotspots, 2025-01 to 2025-12" in page and "force area," not in page


@pytest.mark.parametrize(
    ("area", "lad", "name"),
    [
        ("joint", None, "hotspots_2025-01_to_2025-12.html"),
        ("durham", None, "hotspots_2025-01_to_2025-12_durham.html"),
        ("cleveland", None, "hotspots_2025-01_to_2025-12_cleveland.html"),
        ("durham", "E06000047", "hotspots_2025-01_to_2025-12_E06000047.html"),
    ],
)
def test_map_files_are_named_by_area_and_authority(area, lad, name):
    areas = forces.analysis_areas([forces.CLEVELAND, forces.DURHAM])
    chosen = forces.analysis_area(area, [forces.CLEVELAND, forces.DURHAM])
    assert maps.map_file_name(YEAR, chosen, areas, lad) == name


def test_one_force_keeps_today_s_name_and_each_area_gets_a_path(tmp_path):
    (only,) = forces.analysis_areas([forces.CLEVELAND])
    assert maps.map_file_name(YEAR, only, (only,)) == "hotspots_2025-01_to_2025-12.html"
    paths = maps.area_map_paths(tmp_path, YEAR, forces.analysis_areas([forces.CLEVELAND, forces.DURHAM]))
    assert paths == [
        ("cleveland", tmp_path / "hotspots_2025-01_to_2025-12_cleveland.html"),
        ("durham", tmp_path / "hotspots_2025-01_to_2025-12_durham.html"),
        ("joint", tmp_path / "hotspots_2025-01_to_2025-12.html"),
    ]


def _cli_env(monkeypatch, db, out):
    monkeypatch.setenv("ENDURANCE_DB", str(db))
    monkeypatch.setenv("ENDURANCE_OUT", str(out))
    monkeypatch.setenv("ENDURANCE_FORCES", "cleveland,durham")
    monkeypatch.setenv("COLUMNS", "400")


def test_the_map_command_maps_a_force_by_its_name(two_forces_maps, tmp_path, monkeypatch):
    from typer.testing import CliRunner

    from pipelines.cli import app

    db = tmp_path / "cli.duckdb"
    db.write_bytes(two_forces_maps["db"].read_bytes())
    _cli_env(monkeypatch, db, tmp_path / "out")
    result = CliRunner().invoke(app, ["map", "--from", "2025-01", "--to", "2025-12", "--force", "durham"])
    assert result.exit_code == 0, result.output
    path = Settings.from_env().maps_dir / "hotspots_2025-01_to_2025-12_durham.html"
    assert f"map: {path} (" in result.output and "Durham force area" in result.output
    assert _lads_shown(path.read_text(), two_forces_maps["ward_lads"]) == DURHAM_LADS
    with warehouse.connect(db, read_only=True) as con:
        (parameters,) = con.execute("SELECT parameters FROM ops.runs WHERE flow = 'cli-map'").fetchone()
    assert json.loads(parameters)["area"] == "durham"


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (
            ["--force", "tyneside"],
            "error: no analysis area 'tyneside': the forces loaded give cleveland, durham, joint",
        ),
        (
            ["--force", "cleveland", "--lad", "E06000047"],
            "error: local authority E06000047 (County Durham) is not in analysis area 'cleveland'",
        ),
    ],
)
def test_the_map_command_refuses_an_area_in_one_line(two_forces_maps, tmp_path, monkeypatch, args, message):
    from typer.testing import CliRunner

    from pipelines.cli import app

    db = tmp_path / "cli.duckdb"
    db.write_bytes(two_forces_maps["db"].read_bytes())
    _cli_env(monkeypatch, db, tmp_path / "out")
    result = CliRunner().invoke(app, ["map", "--from", "2025-01", "--to", "2025-12", *args])
    lines = [line for line in result.output.splitlines() if line.strip()]
    assert result.exit_code == 1 and len(lines) == 1 and lines[0].startswith(message), result.output
    assert not (tmp_path / "out" / "maps").exists() or not any((tmp_path / "out" / "maps").iterdir())
