"""Ward and hotspot attribution on the real boundaries."""

import numpy as np
import shapely
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from endurance.geography import attribution
from tests._staging import stage_points


def wards_of(con, vintage):
    return {
        r[0]: r[1:]
        for r in con.execute(
            "SELECT event_id, ward_code, method, distance_m FROM staging.event_wards WHERE vintage = ?"
            " ORDER BY event_id",
            [vintage],
        ).fetchall()
    }


def test_interior_shared_edge_beach_and_sea(geo_con):
    # A vertex shared by two neighbouring 2024 wards: exactly on their common boundary.
    (c1, g1), (c2, g2) = [
        (code, shapely.from_wkb(bytes(wkb)))
        for code, wkb in geo_con.execute(
            "SELECT ward_code, ST_AsWKB(geom_27700) FROM geo.wards WHERE vintage = '2024'"
            " AND ward_name IN ('Eston', 'Normanby') ORDER BY ward_code"
        ).fetchall()
    ]
    sx, sy = shapely.get_coordinates(shapely.intersection(g1.boundary, g2.boundary))[0]
    assert g1.touches(shapely.Point(sx, sy)) and g2.touches(shapely.Point(sx, sy))
    points = [
        (456_778, 518_272),  # T0: Eston Nab hill fort, Guisborough ward
        (sx, sy),  # T1: on the shared edge of two wards
        (453_193, 529_412),  # T2: Seaton Carew sands (54.657 N, 1.177 W), ~170 m seaward
        (470_000, 535_000),  # T3: North Sea, kilometres offshore
    ]
    stage_points(geo_con, points)
    summary = attribution.attribute_events(geo_con)
    got = wards_of(geo_con, "2024")
    guisborough = geo_con.execute(
        "SELECT ward_code FROM geo.wards WHERE vintage = '2024' AND ward_name = 'Guisborough'"
    ).fetchone()[0]
    seaton = geo_con.execute(
        "SELECT ward_code FROM geo.wards WHERE vintage = '2024' AND ward_name = 'Seaton'"
    ).fetchone()[0]
    assert got["INC:T0"] == (guisborough, "inside", 0.0)
    assert got["INC:T1"][:2] == (min(c1, c2), "boundary")  # documented rule: lowest GSS code
    assert got["INC:T2"][0] == seaton and got["INC:T2"][1] == "snapped"
    assert 0 < got["INC:T2"][2] <= attribution.SNAP_TOLERANCE_M
    assert got["INC:T3"][:2] == (None, "outside") and got["INC:T3"][2] > 5000
    for vintage in ("2013", "2018", "2024"):  # one row per point in every vintage
        assert sum(n for key, n in summary.by_layer.items() if key.startswith(f"ward:{vintage}:")) == 4
    assert wards_of(geo_con, "2018")["INC:T0"][0] == "E05001510"  # Guisborough, 2018 wards
    hotspots = {
        r[0]
        for r in geo_con.execute(
            "SELECT hotspot_id FROM staging.event_hotspots WHERE event_id = 'INC:T0'"
        ).fetchall()
    }
    assert hotspots == {"eston-hills"}
    beach = {
        r[0]
        for r in geo_con.execute(
            "SELECT hotspot_id FROM staging.event_hotspots WHERE event_id = 'INC:T2'"
        ).fetchall()
    }
    assert beach == {"seaton-carew-beach"}


def test_overlapping_hotspots_both_count(geo_con):
    stage_points(geo_con, [(455_127, 516_991)])  # Flatts Lane walk start, on the Eston Hills
    attribution.attribute_events(geo_con)
    got = {r[0] for r in geo_con.execute("SELECT hotspot_id FROM staging.event_hotspots").fetchall()}
    assert got == {"eston-hills", "flatts-lane"}


def test_incremental_runs_only_touch_new_events_and_full_rebuilds(geo_con):
    stage_points(geo_con, [(456_778, 518_272)])
    attribution.attribute_events(geo_con)
    geo_con.execute("UPDATE staging.event_wards SET method = 'marker'")
    attribution.attribute_events(geo_con)
    assert {r[0] for r in geo_con.execute("SELECT method FROM staging.event_wards").fetchall()} == {"marker"}
    attribution.attribute_events(geo_con, full=True)
    assert {r[0] for r in geo_con.execute("SELECT method FROM staging.event_wards").fetchall()} == {"inside"}


@settings(max_examples=10, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(seed=st.integers(min_value=0, max_value=2**32 - 1))
def test_random_points_in_the_force_area_get_exactly_one_ward_per_vintage(geo_con, seed):
    geo_con.execute(
        "DELETE FROM staging.event_wards; DELETE FROM staging.event_hotspots;"
        " DELETE FROM staging.stg_incident_log_incidents"
    )
    wkb = geo_con.execute(
        "SELECT ST_AsWKB(geom_27700) FROM geo.force_areas WHERE pfa_code = 'E23000013'"
    ).fetchone()[0]
    area = shapely.from_wkb(bytes(wkb))
    rng = np.random.default_rng(seed)
    minx, miny, maxx, maxy = area.bounds
    xy = rng.uniform([minx, miny], [maxx, maxy], size=(400, 2))
    xy = xy[shapely.contains_xy(area, xy[:, 0], xy[:, 1])][:40]
    stage_points(geo_con, [tuple(p) for p in xy])
    attribution.attribute_events(geo_con)
    rows = geo_con.execute(
        "SELECT vintage, count(*), count(DISTINCT event_id), count(ward_code) FROM staging.event_wards"
        " GROUP BY 1 ORDER BY 1"
    ).fetchall()
    assert [r[0] for r in rows] == ["2013", "2018", "2024"]
    for _, n, distinct, with_ward in rows:
        assert n == distinct == len(xy)  # one row per point per vintage
        assert with_ward == len(xy)  # inside the force area, every point has a ward


def test_lsoa_and_force_area_per_event(geo_con):
    stage_points(geo_con, [(456_778, 518_272), (453_193, 529_412)])  # Eston Nab fort; Seaton sands
    summary = attribution.attribute_events(geo_con)
    lsoas = geo_con.execute(
        "SELECT event_id, lsoa_code, method FROM staging.event_lsoas ORDER BY 1"
    ).fetchall()
    assert [r[0] for r in lsoas] == ["INC:T0", "INC:T1"] and lsoas[0][2] == "inside"
    assert lsoas[1][2] == "snapped"  # the beach lies seaward of the clipped LSOA too
    forces = geo_con.execute("SELECT DISTINCT pfa_code FROM staging.event_force_areas").fetchall()
    assert forces == [("E23000013",)]
    assert (
        summary.by_layer["force_area:2023:inside"] + summary.by_layer.get("force_area:2023:snapped", 0) == 2
    )


def test_hotspot_buffer_widens_only_that_hotspot(geo_con):
    # 150 m north of the Eston Hills outline (its northern edge near E 457,300 runs at N 518,900).
    point = (457_300, 519_050)
    stage_points(geo_con, [point])
    attribution.attribute_events(geo_con)
    assert geo_con.execute("SELECT count(*) FROM staging.event_hotspots").fetchone()[0] == 0
    geo_con.execute("UPDATE geo.hotspots SET buffer_m = 200 WHERE hotspot_id = 'eston-hills'")
    attribution.attribute_events(geo_con)
    hits = geo_con.execute("SELECT hotspot_id FROM staging.event_hotspots").fetchall()
    assert hits == [("eston-hills",)]


def test_a_changed_boundary_file_is_attributed_again(geo_con):
    stage_points(geo_con, [(456_778, 518_272)])
    attribution.attribute_events(geo_con)
    geo_con.execute("UPDATE staging.event_wards SET method = 'marker'")
    attribution.attribute_events(geo_con)  # nothing changed: kept
    assert {r[0] for r in geo_con.execute("SELECT DISTINCT method FROM staging.event_wards").fetchall()} == {
        "marker"
    }
    geo_con.execute("UPDATE geo.layers SET sha256 = 'new' WHERE kind = 'ward' AND vintage = '2018'")
    attribution.attribute_events(geo_con)
    methods = dict(geo_con.execute("SELECT vintage, method FROM staging.event_wards").fetchall())
    assert methods == {"2013": "marker", "2018": "inside", "2024": "marker"}
