"""Kernel density, hotspot cells and dissolved areas against hand-worked numbers."""

from __future__ import annotations

import math

import numpy as np
import pytest
import shapely

from endurance import analysis
from endurance._grid import Grid
from endurance.analysis import density as density_module
from tests._grids import grid_of

# Peak of one incident's quartic kernel with a 400 m bandwidth, per km²: 3 / (pi h^2) * 1e6.
PEAK_400 = 3 / (math.pi * 400**2) * 1e6


# --------------------------------------------------------------------------- kernel density


def test_one_point_integrates_to_one_incident() -> None:
    grid = analysis.kernel_density([5_000.0], [7_000.0], cell_m=10.0, bandwidth_m=400.0)
    assert grid.values.sum() * grid.cell_area_km2 == pytest.approx(1.0, rel=0.01)
    assert grid.unit == "incidents per km²"


def test_cell_values_follow_the_quartic_formula() -> None:
    # The point sits on the centre of cell (row 10, col 10) of a 100 m grid from the origin.
    grid = analysis.kernel_density([1_050.0], [1_050.0], extent=(0, 0, 2_000, 2_000))
    assert (grid.x0, grid.y0, grid.shape) == (0.0, 0.0, (20, 20))
    v = grid.values
    assert v[10, 10] == pytest.approx(PEAK_400)  # d = 0: 5.968 per km²
    assert v[10, 12] == pytest.approx(PEAK_400 * 0.75**2)  # d = 200: (1 - 1/4)^2
    assert v[13, 12] == pytest.approx(PEAK_400 * 0.1875**2)  # d = sqrt(300² + 200²): (1 - 13/16)^2
    assert v[10, 14] == 0.0  # d = 400 = h: the kernel has reached zero
    assert v[13, 14] == 0.0  # d = 500 > h
    assert (v > 0).sum() == sum(1 for r in range(-4, 5) for c in range(-4, 5) if r * r + c * c < 16)


def test_windowed_sum_matches_brute_force_over_every_cell() -> None:
    rng = np.random.default_rng(3)
    x, y = rng.uniform(-300, 2_300, 60), rng.uniform(-300, 1_800, 60)  # some outside the grid
    grid = analysis.kernel_density(x, y, cell_m=75.0, bandwidth_m=260.0, extent=(0, 0, 2_000, 1_500))
    cx, cy = grid.centres()
    d2 = (cx[..., None] - x) ** 2 + (cy[..., None] - y) ** 2
    kernel = np.where(d2 < 260.0**2, 3 / (math.pi * 260.0**2) * (1 - d2 / 260.0**2) ** 2, 0.0)
    np.testing.assert_allclose(grid.values, kernel.sum(axis=-1) * 1e6, rtol=1e-12, atol=1e-12)


def test_hundred_thousand_points_over_cleveland_take_seconds_not_minutes() -> None:
    import time

    rng = np.random.default_rng(0)
    extent = (440_000.0, 505_000.0, 475_000.0, 533_000.0)  # about 35 km x 28 km
    x, y = rng.uniform(extent[0], extent[2], 100_000), rng.uniform(extent[1], extent[3], 100_000)
    start = time.perf_counter()
    grid = analysis.kernel_density(x, y, extent=extent)
    assert time.perf_counter() - start < 5.0  # about 0.1 s on two cores
    assert grid.shape == (280, 350)


def test_weights_and_rate_per_month_scale_the_density() -> None:
    one = analysis.kernel_density([1_050.0], [1_050.0], extent=(0, 0, 2_000, 2_000))
    double = analysis.kernel_density([1_050.0], [1_050.0], extent=(0, 0, 2_000, 2_000), weights=[2.0])
    two_months = analysis.kernel_density(
        [1_050.0], [1_050.0], extent=(0, 0, 2_000, 2_000), period_days=2 * analysis.DAYS_PER_MONTH
    )
    np.testing.assert_allclose(double.values, 2 * one.values)
    np.testing.assert_allclose(two_months.values, one.values / 2)
    assert two_months.unit == "incidents per km² per month"


def test_grid_corners_snap_so_periods_line_up() -> None:
    grid = analysis.kernel_density([450_123.0], [520_456.0], extent=(450_010, 520_090, 450_390, 520_310))
    assert (grid.x0, grid.y0, grid.shape) == (450_000.0, 520_000.0, (4, 4))
    row, col = grid.cell_of([450_123.0, 449_999.0], [520_456.0, 520_050.0])
    assert row.tolist() == [-1, -1]  # y beyond the grid; x before it
    assert grid.cell_polygons()[0].bounds == (450_000.0, 520_000.0, 450_100.0, 520_100.0)


def test_kernel_density_rejects_bad_options() -> None:
    with pytest.raises(ValueError, match="bandwidth_m"):
        analysis.kernel_density([0.0], [0.0], bandwidth_m=0)
    with pytest.raises(ValueError, match="same length"):
        analysis.kernel_density([0.0, 1.0], [0.0])


# --------------------------------------------------------------------------- top cells


def test_coverage_flags_ceil_five_percent_of_study_cells_with_ties_to_the_lower_cell() -> None:
    values = np.ones((10, 10))
    values[9, 9] = 5.0
    flags = analysis.hotspot_cells(grid_of(values), coverage=0.05)
    # ceil(0.05 * 100) = 5: the peak, then the four lowest cell numbers of the tie.
    assert flags.sum() == 5
    assert np.flatnonzero(flags.ravel()).tolist() == [0, 1, 2, 3, 99]


def test_coverage_counts_only_cells_in_the_study_area() -> None:
    values = np.arange(100, dtype=float).reshape(10, 10)
    study = np.zeros((10, 10), dtype=bool)
    study[:7, :7] = True  # 49 cells: ceil(2.45) = 3
    flags = analysis.hotspot_cells(grid_of(values), coverage=0.05, study_mask=study)
    assert sorted(np.flatnonzero(flags.ravel()).tolist()) == [64, 65, 66]  # the top of row 6, cols 4-6


def test_empty_cells_are_never_flagged() -> None:
    values = np.zeros((10, 10))
    values[3, 3] = 1.0
    assert analysis.hotspot_cells(grid_of(values), coverage=0.05).sum() == 1
    with pytest.raises(ValueError, match="coverage"):
        analysis.hotspot_cells(grid_of(values), coverage=0)


def test_dissolve_names_patches_after_place_then_ward() -> None:
    values = np.zeros((6, 6))
    values[0:2, 0:2] = [[4, 3], [2, 1]]  # a 2x2 patch in the south-west
    values[4, 4] = 9.0  # a lone cell to the north-east
    values[5, 0] = 1.0  # touches nothing named
    mask = values > 0
    places = {"Park": shapely.box(0, 0, 100, 100), "Field": shapely.box(100, 0, 300, 200)}
    wards = {"North Ward": shapely.box(0, 300, 600, 600)}
    areas = analysis.dissolve_hotspots(grid_of(values), mask, places=places, wards=wards)
    assert [(a.name, a.named_after, a.n_cells) for a in areas] == [
        ("North Ward east", "ward", 1),  # peak 9 first; overlaps no place; east of the ward's centre
        ("Field", "place", 4),  # overlaps Field by 30 000 m², Park by 10 000 m²
        ("North Ward west", "ward", 1),  # (50, 550) from the centre (300, 450): bearing 292°
    ]
    assert areas[1].geometry.equals(shapely.box(0, 0, 200, 200))
    assert areas[1].area_km2 == pytest.approx(0.04)
    assert (areas[1].peak, areas[1].mean) == (4.0, 2.5)
    assert analysis.dissolve_hotspots(grid_of(values), mask)[0].name == "Hotspot 1"


def test_areas_sharing_a_ward_are_named_by_where_they_lie_in_it() -> None:
    # Ward centre (450, 500). Two cells due north of it, one to the east-south-east.
    values = np.zeros((10, 10))
    values[9, 4] = 3.0  # centre (450, 950): north
    values[7, 4] = 2.0  # centre (450, 750): north too, 16 points do not separate them
    values[2, 8] = 1.0  # centre (850, 250): bearing 122°, south-east
    values[0, 0] = 0.5  # centre (50, 50): bearing 222°, south-west
    wards = {"Fens & Greatham": shapely.box(0, 0, 900, 1000)}
    names = [a.name for a in analysis.dissolve_hotspots(grid_of(values), values > 0, wards=wards)]
    assert names == [
        "Fens & Greatham north (SV 004 009)",
        "Fens & Greatham north (SV 004 007)",
        "Fens & Greatham south-east",
        "Fens & Greatham south-west",
    ]


def test_a_lone_area_keeps_the_plain_name() -> None:
    values = np.zeros((4, 4))
    values[1, 1] = 1.0
    (area,) = analysis.dissolve_hotspots(
        grid_of(values), values > 0, wards={"Eston": shapely.box(0, 0, 400, 400)}
    )
    assert area.name == "Eston"


def test_sixteen_points_separate_areas_eight_do_not() -> None:
    values = np.zeros((10, 10))
    values[9, 5] = 2.0  # centre (550, 950), bearing 12.5° from (450, 500): north-north-east
    values[9, 3] = 1.0  # centre (350, 950), bearing 347.5°: north-north-west
    wards = {"Eston": shapely.box(0, 0, 900, 1000)}
    names = [a.name for a in analysis.dissolve_hotspots(grid_of(values), values > 0, wards=wards)]
    assert names == ["Eston north-north-east", "Eston north-north-west"]


@pytest.mark.parametrize(
    ("x", "y", "reference"),
    [
        (456_778, 518_272, "NZ 567 182"),  # Eston Nab hill fort (Historic England: NZ567182)
        (100_000, 100_000, "SR 000 000"),
        (400_000, 300_000, "SK 000 000"),
    ],
)
def test_grid_references_follow_the_national_grid_letters(x, y, reference) -> None:
    assert density_module.grid_reference(x, y) == reference


def test_dissolve_ranks_areas_by_incidents_and_lists_their_cells() -> None:
    values = np.zeros((6, 6))
    values[0, 0] = 9.0  # the highest peak, one incident
    values[3:5, 3] = [4.0, 4.0]  # lower peaks, more incidents
    counts = np.zeros((6, 6))
    counts[0, 0], counts[3, 3], counts[4, 3] = 1, 3, 2
    wards = {"South": shapely.box(0, 0, 600, 250), "North": shapely.box(0, 250, 600, 600)}
    areas = analysis.dissolve_hotspots(grid_of(values), values > 0, wards=wards, rank_by=grid_of(counts))
    assert [(a.name, a.cells.tolist()) for a in areas] == [("North", [21, 27]), ("South", [0])]
    by_peak = analysis.dissolve_hotspots(grid_of(values), values > 0, wards=wards)
    assert [a.name for a in by_peak] == ["South", "North"]


def test_an_area_beyond_every_ward_takes_the_nearest() -> None:
    values = np.zeros((4, 4))
    values[3, 3] = 1.0  # a beach cell seaward of the wards
    wards = {"Coast": shapely.box(0, 0, 280, 400), "Inland": shapely.box(-500, 0, 0, 400)}
    (area,) = analysis.dissolve_hotspots(grid_of(values), values > 0, wards=wards)
    assert (area.name, area.named_after) == ("Coast", "ward")


def test_many_points_go_through_the_fft_and_match_the_exact_sum() -> None:
    # 100,000 points at 400 m bandwidth: past the exact limit, so points are binned to a
    # third of a cell and the kernel applied by FFT; each moves at most 24 m.
    rng = np.random.default_rng(6)
    extent = (440_000.0, 505_000.0, 460_000.0, 520_000.0)
    x = np.concatenate([rng.uniform(439_000, 461_000, 50_000), rng.normal(450_000, 600, 50_000)])
    y = np.concatenate([rng.uniform(504_000, 521_000, 50_000), rng.normal(512_000, 600, 50_000)])
    assert x.size * 11**2 > density_module.EXACT_LIMIT
    fast = analysis.kernel_density(x, y, extent=extent)
    x0, y0, nrows, ncols = fast.x0, fast.y0, *fast.shape
    exact = density_module._quartic_sum(x, y, np.ones_like(x), Grid(x0, y0, 100.0, ncols, nrows), 400.0) * 1e6
    assert np.abs(fast.values - exact).max() < 0.01 * exact.max()
    assert fast.values.sum() == pytest.approx(exact.sum(), rel=1e-3)
    # Narrow kernels stay exact whatever the count: binning would move them too much.
    narrow = analysis.kernel_density(x, y, extent=extent, bandwidth_m=200.0)
    exact_narrow = density_module._quartic_sum(
        x, y, np.ones_like(x), Grid(x0, y0, 100.0, ncols, nrows), 200.0
    )
    np.testing.assert_allclose(narrow.values, exact_narrow * 1e6, rtol=1e-10, atol=1e-12)
