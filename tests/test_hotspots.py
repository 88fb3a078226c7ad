"""Hotspot methods against hand-worked numbers."""

from __future__ import annotations

import math
import struct
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
import shapely
from scipy import stats

from endurance import hotspots
from endurance.hotspots import DensityGrid
from endurance.periods import Period

# Peak of one incident's quartic kernel with a 400 m bandwidth, per km²: 3 / (pi h^2) * 1e6.
PEAK_400 = 3 / (math.pi * 400**2) * 1e6


# --------------------------------------------------------------------------- kernel density


def test_one_point_integrates_to_one_incident() -> None:
    grid = hotspots.kernel_density([5_000.0], [7_000.0], cell_m=10.0, bandwidth_m=400.0)
    assert grid.values.sum() * grid.cell_area_km2 == pytest.approx(1.0, rel=0.01)
    assert grid.unit == "incidents per km²"


def test_cell_values_follow_the_quartic_formula() -> None:
    # The point sits on the centre of cell (row 10, col 10) of a 100 m grid from the origin.
    grid = hotspots.kernel_density([1_050.0], [1_050.0], extent=(0, 0, 2_000, 2_000))
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
    grid = hotspots.kernel_density(x, y, cell_m=75.0, bandwidth_m=260.0, extent=(0, 0, 2_000, 1_500))
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
    grid = hotspots.kernel_density(x, y, extent=extent)
    assert time.perf_counter() - start < 5.0  # about 0.1 s on two cores
    assert grid.shape == (280, 350)


def test_weights_and_rate_per_month_scale_the_density() -> None:
    one = hotspots.kernel_density([1_050.0], [1_050.0], extent=(0, 0, 2_000, 2_000))
    double = hotspots.kernel_density([1_050.0], [1_050.0], extent=(0, 0, 2_000, 2_000), weights=[2.0])
    two_months = hotspots.kernel_density(
        [1_050.0], [1_050.0], extent=(0, 0, 2_000, 2_000), period_days=2 * hotspots.DAYS_PER_MONTH
    )
    np.testing.assert_allclose(double.values, 2 * one.values)
    np.testing.assert_allclose(two_months.values, one.values / 2)
    assert two_months.unit == "incidents per km² per month"


def test_grid_corners_snap_so_periods_line_up() -> None:
    grid = hotspots.kernel_density([450_123.0], [520_456.0], extent=(450_010, 520_090, 450_390, 520_310))
    assert (grid.x0, grid.y0, grid.shape) == (450_000.0, 520_000.0, (4, 4))
    row, col = grid.cell_of([450_123.0, 449_999.0], [520_456.0, 520_050.0])
    assert row.tolist() == [-1, -1]  # y beyond the grid; x before it
    assert grid.cell_polygons()[0].bounds == (450_000.0, 520_000.0, 450_100.0, 520_100.0)


def test_kernel_density_rejects_bad_options() -> None:
    with pytest.raises(ValueError, match="bandwidth_m"):
        hotspots.kernel_density([0.0], [0.0], bandwidth_m=0)
    with pytest.raises(ValueError, match="same length"):
        hotspots.kernel_density([0.0, 1.0], [0.0])


# --------------------------------------------------------------------------- top cells


def _grid(values: np.ndarray, cell_m: float = 100.0) -> DensityGrid:
    return DensityGrid(0.0, 0.0, cell_m, np.asarray(values, dtype=float))


def test_coverage_flags_ceil_five_percent_of_study_cells_with_ties_to_the_lower_cell() -> None:
    values = np.ones((10, 10))
    values[9, 9] = 5.0
    flags = hotspots.hotspot_cells(_grid(values), coverage=0.05)
    # ceil(0.05 * 100) = 5: the peak, then the four lowest cell numbers of the tie.
    assert flags.sum() == 5
    assert np.flatnonzero(flags.ravel()).tolist() == [0, 1, 2, 3, 99]


def test_coverage_counts_only_cells_in_the_study_area() -> None:
    values = np.arange(100, dtype=float).reshape(10, 10)
    study = np.zeros((10, 10), dtype=bool)
    study[:7, :7] = True  # 49 cells: ceil(2.45) = 3
    flags = hotspots.hotspot_cells(_grid(values), coverage=0.05, study_mask=study)
    assert sorted(np.flatnonzero(flags.ravel()).tolist()) == [64, 65, 66]  # the top of row 6, cols 4-6


def test_empty_cells_are_never_flagged() -> None:
    values = np.zeros((10, 10))
    values[3, 3] = 1.0
    assert hotspots.hotspot_cells(_grid(values), coverage=0.05).sum() == 1
    with pytest.raises(ValueError, match="coverage"):
        hotspots.hotspot_cells(_grid(values), coverage=0)


def test_dissolve_names_patches_after_place_then_ward() -> None:
    values = np.zeros((6, 6))
    values[0:2, 0:2] = [[4, 3], [2, 1]]  # a 2x2 patch in the south-west
    values[4, 4] = 9.0  # a lone cell to the north-east
    values[5, 0] = 1.0  # touches nothing named
    mask = values > 0
    places = {"Park": shapely.box(0, 0, 100, 100), "Field": shapely.box(100, 0, 300, 200)}
    wards = {"North Ward": shapely.box(0, 300, 600, 600)}
    areas = hotspots.dissolve_hotspots(_grid(values), mask, places=places, wards=wards)
    assert [(a.name, a.named_after, a.n_cells) for a in areas] == [
        ("North Ward", "ward", 1),  # peak 9 first; overlaps no place
        ("Field", "place", 4),  # overlaps Field by 30 000 m², Park by 10 000 m²
        ("North Ward (2)", "ward", 1),
    ]
    assert areas[1].geometry.equals(shapely.box(0, 0, 200, 200))
    assert areas[1].area_km2 == pytest.approx(0.04)
    assert (areas[1].peak, areas[1].mean) == (4.0, 2.5)
    assert hotspots.dissolve_hotspots(_grid(values), mask)[0].name == "Hotspot 1"


# --------------------------------------------------------------------------- Gi*


def _gi_star_by_hand(values: np.ndarray, neighbours: np.ndarray) -> np.ndarray:
    """Ord and Getis (1995): z = (sum_j w_ij x_j - xbar W_i) / (S sqrt((n W_i - W_i^2) / (n - 1)))."""
    x = values.ravel()
    n = x.size
    w = neighbours + np.eye(n)
    big_w = w.sum(axis=1)
    xbar = x.mean()
    s = math.sqrt((x**2).mean() - xbar**2)
    return (w @ x - xbar * big_w) / (s * np.sqrt((n * big_w - big_w**2) / (n - 1)))


def _queen_matrix(nrows: int, ncols: int) -> np.ndarray:
    r, c = np.divmod(np.arange(nrows * ncols), ncols)
    near = (np.abs(r[:, None] - r[None, :]) <= 1) & (np.abs(c[:, None] - c[None, :]) <= 1)
    return (near & ~np.eye(r.size, dtype=bool)).astype(float)


def test_gi_star_one_high_cell_in_a_five_by_five_lattice() -> None:
    values = np.zeros((5, 5))
    values[2, 2] = 10.0
    grid = _grid(values)
    result = hotspots.getis_ord_gi_star(values.ravel(), hotspots.grid_weights(grid))
    z = result.z.reshape(5, 5)
    # Centre: W = 9, sum wx = 10, xbar = 0.4, S = sqrt(3.84): z = 6.4 / sqrt(3.84 * 6) = 4/3.
    assert z[2, 2] == pytest.approx(4 / 3)
    assert z[1, 1] == pytest.approx(4 / 3)  # a queen neighbour sees the same nine cells
    # Corner: W = 4, sum wx = 0: z = -1.6 / sqrt(3.84 * 84 / 24) = -0.4364.
    assert z[0, 0] == pytest.approx(-1.6 / math.sqrt(3.84 * 3.5))
    np.testing.assert_allclose(result.z, _gi_star_by_hand(values, _queen_matrix(5, 5)))
    assert result.p[12] == pytest.approx(2 * stats.norm.sf(4 / 3))
    assert set(result.label) == {"not significant"}  # one cell alone is no cluster
    assert result.ids[:3] == (0, 1, 2)


def test_gi_star_finds_a_planted_cluster() -> None:
    rng = np.random.default_rng(1)
    values = rng.poisson(1.0, size=(15, 15)).astype(float)
    values[6:9, 6:9] += 8.0
    result = hotspots.getis_ord_gi_star(values.ravel(), hotspots.grid_weights(_grid(values)))
    np.testing.assert_allclose(result.z, _gi_star_by_hand(values, _queen_matrix(15, 15)))
    labels = result.label.reshape(15, 15)
    assert labels[7, 7] == "hot 99%"
    assert labels[0, 0] in {"not significant", "cold 90%", "cold 95%", "cold 99%"}


def test_gi_star_on_a_masked_grid_uses_flat_cell_numbers() -> None:
    values = np.arange(12, dtype=float).reshape(3, 4)
    mask = np.ones((3, 4), dtype=bool)
    mask[:, 3] = False
    weights = hotspots.grid_weights(_grid(values), mask)
    assert weights.id_order == [0, 1, 2, 4, 5, 6, 8, 9, 10]
    assert sorted(weights.neighbors[5]) == [0, 1, 2, 4, 6, 8, 9, 10]
    assert sorted(weights.neighbors[2]) == [1, 5, 6]  # cell 3 is outside the mask


def test_fdr_removes_false_hotspots_from_noise() -> None:
    rng = np.random.default_rng(7)
    values = rng.poisson(5.0, size=(40, 40)).astype(float)
    weights = hotspots.grid_weights(_grid(values))
    raw = hotspots.getis_ord_gi_star(values.ravel(), weights, fdr=False)
    controlled = hotspots.getis_ord_gi_star(values.ravel(), weights, fdr=True)
    raw_flagged = int((raw.label != "not significant").sum())
    fdr_flagged = int((controlled.label != "not significant").sum())
    assert raw_flagged > 50  # about 10 % of 1 600 cells pass 90 % by chance
    assert fdr_flagged < raw_flagged / 10


def test_gi_star_on_wards_with_polygon_contiguity() -> None:
    wards = {f"W{i}": shapely.box(i * 100, 0, (i + 1) * 100, 100) for i in range(5)}
    weights = hotspots.area_weights(wards)
    assert sorted(weights.neighbors["W2"]) == ["W1", "W3"]
    values = np.array([0.0, 1.0, 5.0, 1.0, 0.0])
    result = hotspots.getis_ord_gi_star(values, weights)
    neighbours = np.diag(np.ones(4), 1) + np.diag(np.ones(4), -1)
    np.testing.assert_allclose(result.z, _gi_star_by_hand(values, neighbours))
    assert result.ids == ("W0", "W1", "W2", "W3", "W4")


def test_benjamini_hochberg_on_the_1995_example() -> None:
    # Benjamini and Hochberg (1995), section 4: 15 p-values, FDR 0.05 rejects the first four.
    p = [0.0001, 0.0004, 0.0019, 0.0095, 0.0201, 0.0278, 0.0298, 0.0344, 0.0459, 0.3240]
    p += [0.4262, 0.5719, 0.6528, 0.7590, 1.0000]
    q = hotspots.benjamini_hochberg(p)
    assert int((q <= 0.05).sum()) == 4
    assert q[3] == pytest.approx(0.0095 * 15 / 4)  # 0.035625
    assert q[4] == pytest.approx(0.0201 * 15 / 5)  # 0.0603, the first not rejected
    assert q[5] == pytest.approx(0.0298 * 15 / 7)  # 0.0695 lowered to the seventh's 0.0639
    np.testing.assert_allclose(q, stats.false_discovery_control(p))
    shuffled = np.array(p)[::-1]
    np.testing.assert_allclose(hotspots.benjamini_hochberg(shuffled), q[::-1])


# --------------------------------------------------------------------------- change


@pytest.mark.parametrize(("current", "previous"), [(10, 2), (2, 10), (7, 5), (30, 12), (1, 0)])
def test_change_test_matches_the_exact_binomial_test(current: int, previous: int) -> None:
    result = hotspots.change_test(current, previous)
    expected = stats.binomtest(current, current + previous, 0.5).pvalue
    assert result.p_value == pytest.approx(expected)


def test_change_test_hand_worked() -> None:
    up = hotspots.change_test(10, 2)
    # P(X >= 10 | n = 12) = (66 + 12 + 1) / 4096, doubled by symmetry: 158 / 4096 = 0.0386.
    assert up.p_value == pytest.approx(158 / 4096)
    assert (up.ratio, up.label) == (5.0, "up")
    assert hotspots.change_test(2, 10).label == "down"
    small = hotspots.change_test(3, 0)  # 2 * (1/2)^3 = 0.25: three against none proves nothing
    assert (small.p_value, small.ratio, small.label) == (0.25, math.inf, "no significant change")
    none = hotspots.change_test(0, 0)
    assert none.p_value == 1.0 and math.isnan(none.ratio)
    # A current period twice as long: under no change it holds 2/3 of the total.
    assert hotspots.change_test(8, 4, exposure=2.0).p_value == pytest.approx(1.0)
    with pytest.raises(ValueError, match="current must be a non-negative integer"):
        hotspots.change_test(-1, 3)


def test_compare_periods_against_previous_and_year_ago() -> None:
    counts = pd.DataFrame(
        {
            "area": ["A", "A", "A", "A", "B", "B"],
            "month": ["2024-04", "2025-01", "2025-03", "2025-04", "2025-03", "2024-04"],
            "count": [2, 9, 1, 10, 4, 3],
        }
    )
    table = hotspots.compare_periods(counts, Period("2025-03", "2025-04")).set_index("area")
    # Current Mar-Apr 2025, previous Jan-Feb 2025, year ago Mar-Apr 2024.
    counted = table[["current", "previous", "year_ago"]]
    assert counted.to_numpy().tolist() == [[11, 9, 2], [4, 0, 3]]
    assert table.loc["A", "p_year_ago"] == pytest.approx(stats.binomtest(11, 13, 0.5).pvalue)
    assert table.loc["A", "change_year_ago"] == "up"
    assert table.loc["A", "change_previous"] == "no significant change"
    assert table.loc["A", "ratio_previous"] == pytest.approx(11 / 9)


# --------------------------------------------------------------------------- trend


def test_mann_kendall_hand_worked() -> None:
    # 1 3 2 5 4: ten pairs, eight rise and two fall, S = 6; var = 5 * 4 * 15 / 18 = 16.67.
    result = hotspots.mann_kendall([1, 3, 2, 5, 4])
    assert (result.n, result.s) == (5, 6)
    assert result.var_s == pytest.approx(300 / 18)
    assert result.z == pytest.approx(5 / math.sqrt(300 / 18))  # 1.2247
    assert result.p_value == pytest.approx(0.2207, abs=1e-4)


def test_mann_kendall_corrects_the_variance_for_ties() -> None:
    # 1 2 2 3: five rises, one tie, S = 5; var = (4 * 3 * 13 - 2 * 1 * 9) / 18 = 138 / 18.
    result = hotspots.mann_kendall([1, 2, 2, 3])
    assert result.s == 5
    assert result.var_s == pytest.approx(138 / 18)
    assert result.z == pytest.approx(4 / math.sqrt(138 / 18))  # 1.4446
    falling = hotspots.mann_kendall([3, 2, 2, 1])
    assert (falling.s, falling.z) == (-5, pytest.approx(-4 / math.sqrt(138 / 18)))


@pytest.mark.parametrize(
    ("series", "label"),
    [
        ([0, 1, 1, 2, 3, 3, 4, 5, 6, 6, 7, 9], "emerging"),
        ([9, 7, 6, 6, 5, 4, 3, 3, 2, 1, 1, 0], "fading"),
        ([3, 2, 4, 3, 2, 3, 4, 2, 3, 3, 2, 4], "persistent"),
        ([0, 2, 0, 1, 0, 0, 3, 0, 1, 0, 0, 1], "none"),
    ],
)
def test_trend_label(series: list[int], label: str) -> None:
    assert hotspots.trend_label(series) == label


# --------------------------------------------------------------------------- time


def test_temporal_profile_counts_hour_by_weekday_in_local_time() -> None:
    stamps = pd.Series(
        ["2025-06-02 14:30", "2025-06-02 14:59", "2025-06-08 00:10", None], dtype="datetime64[ns]"
    )
    table = hotspots.temporal_profile(stamps)
    assert table.shape == (24, 7)
    assert list(table.columns) == ["Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun"]
    assert table.loc[14, "Mon"] == 2 and table.loc[0, "Sun"] == 1
    assert int(table.to_numpy().sum()) == 3
    # 23:30 UTC on Saturday 7 June is 00:30 on Sunday in British Summer Time.
    aware = hotspots.temporal_profile(pd.to_datetime(["2025-06-07 23:30"], utc=True))
    assert aware.loc[0, "Sun"] == 1


def test_monthly_chart_png_is_a_small_png(tmp_path: Path) -> None:
    counts = pd.Series([3, 5, 2, 8, 13, 7], index=[f"2025-{m:02d}" for m in range(1, 7)])
    path = hotspots.monthly_chart_png(counts, tmp_path / "trend.png", title="Pallister Park")
    data = path.read_bytes()
    assert data[:8] == b"\x89PNG\r\n\x1a\n"
    width, height = struct.unpack(">II", data[16:24])
    assert (width, height) == (640, 240)
    assert 3_000 < len(data) < 100_000


# --------------------------------------------------------------------------- evaluation


def test_score_hand_case_hit_rate_and_pai() -> None:
    # 10 x 10 study cells, 5 flagged, 8 of 20 test incidents inside: 0.4 and 0.4 / 0.05 = 8.
    grid = _grid(np.zeros((10, 10)))
    flagged = np.zeros((10, 10), dtype=bool)
    flagged[0, :5] = True
    inside_x = np.repeat([50.0, 150.0, 250.0, 350.0], 2)
    outside_x = np.linspace(550.0, 950.0, 12)
    x = np.concatenate([inside_x, outside_x])
    y = np.concatenate([np.full(8, 50.0), np.full(12, 550.0)])
    score = hotspots.score_hotspots(grid, flagged, x, y)
    assert (score.hits, score.total, score.flagged_cells, score.study_cells) == (8, 20, 5, 100)
    assert score.hit_rate == pytest.approx(0.4)
    assert score.area_share == pytest.approx(0.05)
    assert score.pai == pytest.approx(8.0)


def test_evaluate_hotspots_scores_kde_and_the_naive_baseline() -> None:
    # Five lone training incidents at cell centres, far apart: with a 100 m bandwidth each
    # lights up only its own cell, so both methods flag the same five of 100 cells.
    centres = [(50, 50), (350, 350), (650, 650), (950, 950), (50, 950)]
    train = (np.array([c[0] for c in centres], float), np.array([c[1] for c in centres], float))
    test_x = [50, 50, 350, 350, 650, 650, 950, 50] + [250] * 12
    test_y = [50, 50, 350, 350, 650, 650, 950, 950] + [550] * 12
    result = hotspots.evaluate_hotspots(
        train, (test_x, test_y), study_area=shapely.box(0, 0, 1000, 1000), bandwidth_m=100.0
    )
    assert result.grid.shape == (10, 10)
    for score in (result.kde, result.baseline):
        assert (score.hits, score.total, score.flagged_cells) == (8, 20, 5)
        assert score.hit_rate == pytest.approx(0.4)
        assert score.pai == pytest.approx(8.0)


def test_evaluate_kde_beats_the_baseline_when_incidents_move_a_street() -> None:
    # Training incidents ring an estate; next period's fall at its heart, where none was last time.
    angles = np.linspace(0, 2 * np.pi, 16, endpoint=False)
    train = (5_000 + 150 * np.cos(angles), 5_000 + 150 * np.sin(angles))
    test = (np.full(10, 5_020.0), np.full(10, 5_030.0))
    result = hotspots.evaluate_hotspots(train, test, study_area=shapely.box(0, 0, 10_000, 10_000))
    assert result.kde.hit_rate == 1.0
    assert result.baseline.hit_rate == 0.0
