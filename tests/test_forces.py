"""Force profiles (endurance.forces): the setting, both forces' layers, the border."""

from pathlib import Path

import numpy as np
import pytest

from endurance import forces, sources
from endurance._errors import SettingsError
from endurance.geography import attribution, official
from endurance.settings import Settings
from tests._two_forces import skip_without_durham

REPO = Path(__file__).resolve().parents[1]


def test_cleveland_alone_is_the_default():
    settings = Settings.from_env({})
    assert settings.forces == ("cleveland",)
    assert forces.profiles_in_use(settings) == (forces.CLEVELAND,)
    assert settings.describe()["forces"] == "cleveland"


@pytest.mark.parametrize(
    ("value", "keys"),
    [
        ("cleveland,durham", ("cleveland", "durham")),
        (" Durham , cleveland ", ("durham", "cleveland")),
        ("durham,durham", ("durham",)),
        ("", ("cleveland",)),
    ],
)
def test_forces_setting_names_the_profiles_in_use(value, keys):
    settings = Settings.from_env({"ENDURANCE_FORCES": value})
    assert settings.forces == keys
    assert [p.key for p in forces.profiles_in_use(settings)] == list(keys)


def test_an_unknown_force_is_one_line_listing_the_shipped_ones():
    with pytest.raises(SettingsError) as caught:
        Settings.from_env({"ENDURANCE_FORCES": "cleveland,northumbria,nyp"})
    message = str(caught.value)
    assert "\n" not in message
    assert "'northumbria', 'nyp'" in message and "cleveland, durham" in message


def test_profiles_hold_the_documented_codes():
    assert forces.CLEVELAND.force_code == "E23000013" and forces.DURHAM.force_code == "E23000008"
    assert forces.CLEVELAND.lad_codes == ("E06000001", "E06000002", "E06000003", "E06000004")
    assert forces.DURHAM.lad_codes == ("E06000005", "E06000047")
    assert forces.DURHAM.name == "Durham Constabulary" and forces.DURHAM.policeuk_slug == "durham"
    assert forces.CLEVELAND.gazetteer == REPO / "geodata" / "hotspots.geojson"
    assert forces.DURHAM.gazetteer == REPO / "geodata" / "hotspots_durham.geojson"
    assert forces.gazetteers([forces.CLEVELAND]) == (forces.CLEVELAND.gazetteer,)
    assert forces.force_of_lad("E06000047") is forces.DURHAM
    assert forces.force_of_lad("E06000003") is forces.CLEVELAND
    assert forces.force_of_lad("E06000057") is None
    # A force's inbox never lies inside another's (an ingest of one folder would take both).
    inboxes = [Path(p.inbox) for p in forces.SHIPPED.values()]
    assert all(a == b or not b.is_relative_to(a) for a in inboxes for b in inboxes)


def test_both_forces_official_layers_load_together(two_forces_con):
    con = two_forces_con
    wards = dict(
        con.execute("SELECT lad_code, count(*) FROM geo.wards WHERE vintage = '2024' GROUP BY 1").fetchall()
    )
    assert {k: wards[k] for k in forces.DURHAM.lad_codes} == {"E06000005": 20, "E06000047": 63}
    assert sum(wards[k] for k in forces.CLEVELAND.lad_codes) == 83
    lsoas = con.execute(
        "SELECT count(*) FILTER (lad_code IN ('E06000005', 'E06000047')), count(*) FROM geo.lsoas"
    ).fetchone()
    assert lsoas[0] == 389 and lsoas[1] > 389
    assert con.execute("SELECT count(*) FROM geo.lads").fetchone()[0] == 6
    pfas = con.execute("SELECT pfa_code, pfa_name FROM geo.force_areas ORDER BY 1").fetchall()
    assert pfas == [("E23000008", "Durham"), ("E23000013", "Cleveland")]
    # Vintages only Cleveland has stay Cleveland's.
    assert con.execute("SELECT count(*) FROM geo.wards WHERE vintage = '2018'").fetchone()[0] == 79
    assert official.loaded_forces(con) == (forces.CLEVELAND, forces.DURHAM)
    layer = con.execute("SELECT path FROM geo.layers WHERE kind = 'ward' AND vintage = '2024'").fetchone()
    assert layer[0].count(";") == 1 and "durham/durham_wards_2024.geojson" in layer[0]


def test_reloading_keeps_both_and_dropping_a_force_reloads(two_forces_con, geodata_dir):
    both = (forces.CLEVELAND, forces.DURHAM)
    assert {s["status"] for s in official.load_official_layers(two_forces_con, geodata_dir, forces=both)} == {
        "kept"
    }
    summaries = official.load_official_layers(two_forces_con, geodata_dir)  # Cleveland alone again
    changed = {(s["kind"], s["vintage"]) for s in summaries if s["status"] == "loaded"}
    assert changed == {("ward", "2024"), ("lsoa", "2011")}
    assert official.loaded_forces(two_forces_con) == (forces.CLEVELAND,)


def test_ensure_loads_a_force_newly_in_use(geo_con, geodata_dir):
    skip_without_durham(geodata_dir)
    assert official.ensure_official_layers(geo_con, env_dir=geodata_dir) == []
    loaded = official.ensure_official_layers(
        geo_con, env_dir=geodata_dir, forces=(forces.CLEVELAND, forces.DURHAM)
    )
    assert ("ward", "2024", "loaded") in {(s["kind"], s["vintage"], s["status"]) for s in loaded}


# Two points 60 m either side of the force boundary between Middleton St George
# (Darlington, Durham) and Eaglescliffe (Stockton-on-Tees, Cleveland), each reported by
# the force on the other side: police.uk's "Falls within" names the reporting force.
HEADER = (
    "Crime ID,Month,Reported by,Falls within,Longitude,Latitude,Location,LSOA code,LSOA name,"
    "Crime type,Last outcome category,Context"
)
BORDER = [
    ("Cleveland Police", -1.445589, 54.556531, "E23000008", "Sadberge & Middleton St George", "E06000005"),
    ("Durham Constabulary", -1.440951, 54.556510, "E23000013", "Eaglescliffe West", "E06000004"),
]


def _ingest_border(con, folder):
    csv = folder / "2024-06-border-street.csv"
    lines = [HEADER] + [
        f",2024-06,{force},{force},{lon},{lat},On or near the border,,,Anti-social behaviour,,"
        for force, lon, lat, *_ in BORDER
    ]
    csv.write_text("\n".join(lines) + "\n")
    sources.ingest_paths(con, [csv], source="policeuk_street")


def test_an_event_lands_in_the_force_where_it_happened(two_forces_con, tmp_path):
    _ingest_border(two_forces_con, tmp_path)
    attribution.attribute_events(two_forces_con)
    rows = two_forces_con.execute(
        """
        SELECT p.falls_within, f.pfa_code, f.method, w.ward_name, a.lad_code
        FROM staging.stg_policeuk_street AS p
        JOIN staging.event_force_areas AS f USING (event_id)
        JOIN staging.event_wards AS a ON a.event_id = p.event_id AND a.vintage = '2024'
        JOIN geo.wards AS w ON w.vintage = '2024' AND w.ward_code = a.ward_code
        ORDER BY p.falls_within
        """
    ).fetchall()
    assert rows == [(reported_by, pfa, "inside", ward, lad) for reported_by, _, _, pfa, ward, lad in BORDER]
    assert [forces.force_of_lad(r[4]).force_code for r in rows] == [r[1] for r in rows]


# Durham Market Place, 20 km beyond the Cleveland force area (British National Grid).
DURHAM_CITY = (427_400.0, 542_500.0)


def test_points_in_any_force_in_use_pass_the_area_check(geo_con, two_forces_con):
    x, y = np.array([DURHAM_CITY[0]]), np.array([DURHAM_CITY[1]])
    assert not sources.build_context(geo_con).area.contains(x, y)[0]  # Cleveland alone
    assert sources.build_context(two_forces_con).area.contains(x, y)[0]
    named = sources.build_context(two_forces_con, pfa_codes=[forces.CLEVELAND.force_code])
    assert not named.area.contains(x, y)[0]


def test_a_vintage_of_one_force_does_not_snap_across_the_boundary(two_forces_con, tmp_path):
    # Cleveland's 2018 wards end at the force boundary: the point 60 m inside Durham is
    # within the 400 m snap of a Cleveland ward, but lies in Durham, so it is outside them.
    _ingest_border(two_forces_con, tmp_path)
    attribution.attribute_events(two_forces_con)
    rows = two_forces_con.execute(
        """
        SELECT a.ward_code IS NOT NULL, a.method, round(a.distance_m)
        FROM staging.stg_policeuk_street AS p
        JOIN staging.event_wards AS a ON a.event_id = p.event_id AND a.vintage = '2018'
        ORDER BY p.falls_within
        """
    ).fetchall()
    assert rows[0][:2] == (False, "outside") and 0 < rows[0][2] < 100  # in Durham
    assert rows[1] == (True, "inside", 0)  # in Eaglescliffe, Cleveland
    # With Cleveland alone (Durham not served) the old rule holds: it snaps.
    attribution.attribute_events(two_forces_con, full=True, forces=(forces.CLEVELAND,))
    method = two_forces_con.execute(
        "SELECT method FROM staging.event_wards WHERE vintage = '2018' ORDER BY event_id"
    ).fetchall()
    assert ("snapped",) in method


def test_the_gazetteers_of_both_forces_load_together(two_forces_con):
    from endurance import geography

    places = geography.load_hotspots(two_forces_con, forces.gazetteers([forces.CLEVELAND, forces.DURHAM]))
    by_lad = dict(
        two_forces_con.execute(
            "SELECT lad_code, count(*) FROM geo.hotspots GROUP BY lad_code ORDER BY lad_code"
        ).fetchall()
    )
    assert places == sum(by_lad.values()) and places >= 7 + 5
    assert by_lad["E06000047"] >= 3 and by_lad["E06000005"] >= 1  # County Durham and Darlington places
    (path, sha256) = two_forces_con.execute(
        "SELECT path, sha256 FROM geo.layers WHERE kind = 'hotspot'"
    ).fetchone()
    assert path.split(";") == [str(forces.CLEVELAND.gazetteer), str(forces.DURHAM.gazetteer)]
    assert len(sha256) == 64
