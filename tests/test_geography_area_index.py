"""The grid point index: the SQL attribution rules, reproduced point for point."""

import math

import numpy as np
import pandas as pd
import pytest
import shapely
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from endurance.geography import attribution
from endurance.geography._area_index import AreaIndex
from tests._staging import stage_points

VINTAGES = ("2013", "2018", "2024")
SEATON_CAREW = (453_200.0, 529_400.0)
FLATTS_LANE = (455_127.0, 516_991.0)  # on the Eston Hills: inside two overlapping hotspots


def layer(con, sql, params=()):
    """Return (codes, geometries) of a boundary query yielding (code, WKB) rows."""
    rows = con.execute(sql, list(params)).fetchall()
    return [r[0] for r in rows], [shapely.from_wkb(bytes(r[1])) for r in rows]


def wards(con, vintage):
    return layer(
        con, "SELECT ward_code, ST_AsWKB(geom_27700) FROM geo.wards WHERE vintage = ? ORDER BY 1", [vintage]
    )


def force_area(con):
    wkb = con.execute(
        "SELECT ST_AsWKB(geom_27700) FROM geo.force_areas WHERE pfa_code = 'E23000013'"
    ).fetchone()[0]
    return shapely.from_wkb(bytes(wkb))


def random_in(area, n, rng):
    minx, miny, maxx, maxy = area.bounds
    xy = rng.uniform([minx, miny], [maxx, maxy], size=(4 * n, 2))
    return xy[shapely.contains_xy(area, xy[:, 0], xy[:, 1])][:n]


def awkward_points(con, rng):
    """Points that exercise every rule: interior, edges and corners, slivers, beach, sea."""
    area = force_area(con)
    minx, miny, maxx, maxy = area.bounds
    parts = [
        random_in(area, 9_000, rng),
        # The force area's bounding box widened by 5 km: sea, County Durham, North Yorkshire.
        rng.uniform([minx - 5_000, miny - 5_000], [maxx + 5_000, maxy + 5_000], size=(1_500, 2)),
        # Seaton Carew sands and the foreshore: 50-300 m seaward is snapped, farther is not.
        np.array(SEATON_CAREW) + rng.uniform(-600, 600, size=(500, 2)),
        np.array([[SEATON_CAREW[0] + d, SEATON_CAREW[1]] for d in (50, 100, 200, 300, 399, 401, 800)]),
    ]
    for vintage in VINTAGES:
        _, geoms = wards(con, vintage)
        # Every vertex of a sample of wards: exactly on shared edges and corners.
        for i in rng.choice(len(geoms), size=6, replace=False):
            parts.append(shapely.get_coordinates(geoms[i])[:1_000])
        # Midpoints of boundary segments: on an edge up to rounding, either side of it.
        coords = shapely.get_coordinates(shapely.boundary(shapely.union_all(geoms)))
        pick = rng.choice(len(coords) - 1, size=500, replace=False)
        parts.append((coords[pick] + coords[pick + 1]) / 2)
        lines = shapely.get_coordinates(shapely.boundary(np.array(geoms)))
        pick = rng.choice(len(lines) - 1, size=1_000, replace=False)
        parts.append((lines[pick] + lines[pick + 1]) / 2)
    return np.vstack(parts)


def test_assign_equals_the_sql_rules_on_every_ward_vintage(geo_con):
    rng = np.random.default_rng(20_250_601)
    xy = awkward_points(geo_con, rng)
    assert len(xy) > 15_000
    stage_points(geo_con, [tuple(p) for p in xy])
    for vintage in VINTAGES:
        attribution.reference_event_wards(geo_con, vintage)
    for vintage in VINTAGES:
        sql = geo_con.execute(
            "SELECT CAST(substr(event_id, 6) AS INTEGER) AS i, ward_code, method, distance_m"
            " FROM staging.event_wards WHERE vintage = ? ORDER BY i",
            [vintage],
        ).fetchall()
        assert [r[0] for r in sql] == list(range(len(xy)))
        codes, geoms = wards(geo_con, vintage)
        got = AreaIndex.build(codes, geoms, tolerance_m=attribution.SNAP_TOLERANCE_M).assign(
            xy[:, 0], xy[:, 1]
        )
        expected_code = np.array([r[1] for r in sql], dtype=object)
        expected_method = np.array([r[2] for r in sql], dtype=object)
        expected_distance = np.array([r[3] for r in sql], dtype=float)
        wrong = np.flatnonzero(
            (got.code != expected_code)
            | (got.method != expected_method)
            | ~(np.abs(got.distance_m - expected_distance) <= 1e-6)
        )
        assert not len(wrong), [
            (tuple(xy[i]), got.code[i], got.method[i], got.distance_m[i], sql[i][1:]) for i in wrong[:5]
        ]
        # Every rule was exercised, so the equality above means something.
        assert {"inside", "boundary", "snapped", "outside"} <= set(expected_method)


def square(x0, y0, side=10.0):
    return shapely.box(x0, y0, x0 + side, y0 + side)


@pytest.mark.parametrize("cell_m", [3.0, 10.0, 100.0])
def test_hand_worked_squares(cell_m):
    # "B" sits west of "A" (so row order is not code order); "C" overlaps "A" by 2 m.
    index = AreaIndex.build(
        ["B", "A", "C"], [square(0, 0), square(10, 0), square(18, 0)], cell_m=cell_m, tolerance_m=5.0
    )
    x = np.array([5.0, 10.0, 10.0, 19.0, 15.0, 28.0, 5.0, -3.0, -20.0, 14.0, np.nan, 5.0])
    y = np.array([5.0, 5.0, 0.0, 5.0, 5.0, 5.0, 13.0, 5.0, 5.0, 14.0, 5.0, np.inf])
    got = index.assign(x, y)
    assert list(got.code) == ["B", "A", "A", "A", "A", "C", "B", "B", None, "A", None, None]
    assert list(got.method) == [
        "inside",  # deep in B
        "boundary",  # on the edge B/A: lowest code
        "boundary",  # on the corner B/A
        "boundary",  # in the overlap of A and C: both hold it in their interiors, lowest code
        "inside",
        "inside",  # on C's outer edge: one polygon, so inside
        "snapped",  # 3 m north of B
        "snapped",
        "outside",  # 20 m west of B
        "snapped",  # 4 m from A (A is nearer than B or C)
        "outside",
        "outside",
    ]
    np.testing.assert_allclose(got.distance_m[:10], [0, 0, 0, 0, 0, 0, 3, 3, 20, 4])
    assert np.isnan(got.distance_m[10:]).all()


def test_an_interior_holder_beats_a_lower_code_holding_the_point_on_its_edge():
    # "B" overlaps the east half of "A".
    index = AreaIndex.build(["A", "B"], [square(0, 0), shapely.box(5, 0, 20, 10)], cell_m=4.0)
    got = index.assign(np.array([10.0, 5.0, 7.0, 10.0, 12.0]), np.array([5.0, 5.0, 5.0, 0.0, 5.0]))
    assert list(got.code) == [
        "B",  # on A's edge, in B's interior
        "A",  # on B's edge, in A's interior
        "A",  # in both interiors: the lowest code
        "A",  # on both edges: the lowest code
        "B",
    ]
    assert list(got.method) == ["boundary"] * 4 + ["inside"]


def test_equidistant_nearest_areas_go_to_the_lowest_code():
    index = AreaIndex.build(["Q", "P"], [square(0, 0), square(20, 0)], tolerance_m=5.0)
    got = index.assign(np.array([15.0, 15.0]), np.array([5.0, 30.0]))
    assert list(got.code) == ["P", None]
    assert list(got.method) == ["snapped", "outside"]
    np.testing.assert_allclose(got.distance_m, [5.0, math.hypot(5, 20)])


def test_without_a_tolerance_nothing_snaps_and_bad_arguments_are_all_reported():
    got = AreaIndex.build(["A"], [square(0, 0)]).assign(np.array([10.5]), np.array([5.0]))
    assert (got.code[0], got.method[0], got.distance_m[0]) == (None, "outside", 0.5)
    with pytest.raises(ValueError, match="codes has 2 values.*cell_m must be.*tolerance_m must be"):
        AreaIndex.build(["A", "B"], [square(0, 0)], cell_m=0, tolerance_m=-1)
    with pytest.raises(ValueError, match="Polygons or MultiPolygons"):
        AreaIndex.build(["A"], [shapely.Point(0, 0)])


def test_members_equals_st_intersects_on_the_hotspots(geo_con):
    codes, geoms = layer(geo_con, "SELECT hotspot_id, ST_AsWKB(geom_27700) FROM geo.hotspots")
    rng = np.random.default_rng(7)
    parts = [np.array([FLATTS_LANE])]
    for g in geoms:  # around, inside and exactly on the vertices of every hotspot
        minx, miny, maxx, maxy = g.bounds
        parts.append(rng.uniform([minx - 200, miny - 200], [maxx + 200, maxy + 200], size=(300, 2)))
        parts.append(shapely.get_coordinates(g)[:200])
    parts.append(random_in(force_area(geo_con), 3_000, rng))
    xy = np.vstack(parts)
    frame = pd.DataFrame({"i": np.arange(len(xy)), "x": xy[:, 0], "y": xy[:, 1]})
    geo_con.register("pts", frame)
    expected = geo_con.execute(
        "SELECT p.i, h.hotspot_id FROM pts AS p JOIN geo.hotspots AS h"
        " ON ST_Intersects(h.geom_27700, ST_Point(p.x, p.y)) ORDER BY 1, 2"
    ).fetchall()
    geo_con.unregister("pts")
    for cell_m in (50.0, 100.0, 400.0):
        point, code = AreaIndex.build(codes, geoms, cell_m=cell_m).members(xy[:, 0], xy[:, 1])
        assert list(zip(point.tolist(), code.tolist(), strict=True)) == [tuple(r) for r in expected]
    assert {c for i, c in expected if i == 0} == {"eston-hills", "flatts-lane"}
    assert len({i for i, _ in expected}) > 1_000  # plenty of points in hotspots


@pytest.fixture(scope="module")
def cleveland(geo_db):
    """Return the force area and one index per ward vintage, built once for the property test."""
    from endurance import warehouse

    with warehouse.connect(geo_db, read_only=True) as con:
        area = force_area(con)
        indexes = {
            v: AreaIndex.build(*wards(con, v), tolerance_m=attribution.SNAP_TOLERANCE_M) for v in VINTAGES
        }
    shapely.prepare(area)
    return area, indexes


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(seed=st.integers(min_value=0, max_value=2**32 - 1))
def test_points_in_the_force_area_get_exactly_one_ward_per_vintage(cleveland, seed):
    area, indexes = cleveland
    xy = random_in(area, 2_000, np.random.default_rng(seed))
    for index in indexes.values():
        got = index.assign(xy[:, 0], xy[:, 1])
        assert len(got.code) == len(xy)
        assert not (got.method == "outside").any()
        assert all(isinstance(c, str) for c in got.code)
        held = shapely.intersects_xy(index.geoms[:, None], xy[:, 0], xy[:, 1])
        # A point one ward holds is that ward's; none the grid shortcut got wrong.
        one = held.sum(axis=0) == 1
        assert (got.code[one] == index.codes[held[:, one].argmax(axis=0)]).all()
