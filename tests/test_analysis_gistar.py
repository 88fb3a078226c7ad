"""Getis-Ord Gi* and Benjamini-Hochberg against hand-worked values and esda."""

from __future__ import annotations

import math

import numpy as np
import pytest
import shapely
from scipy import stats

from endurance import analysis
from endurance.analysis import gistar
from tests._grids import grid_of


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
    grid = grid_of(values)
    result = analysis.getis_ord_gi_star(values.ravel(), analysis.grid_weights(grid))
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
    result = analysis.getis_ord_gi_star(values.ravel(), analysis.grid_weights(grid_of(values)))
    np.testing.assert_allclose(result.z, _gi_star_by_hand(values, _queen_matrix(15, 15)))
    labels = result.label.reshape(15, 15)
    assert labels[7, 7] == "hot 99%"
    assert labels[0, 0] in {"not significant", "cold 90%", "cold 95%", "cold 99%"}


def test_gi_star_on_a_masked_grid_uses_flat_cell_numbers() -> None:
    values = np.arange(12, dtype=float).reshape(3, 4)
    mask = np.ones((3, 4), dtype=bool)
    mask[:, 3] = False
    weights = analysis.grid_weights(grid_of(values), mask)
    assert weights.id_order == [0, 1, 2, 4, 5, 6, 8, 9, 10]
    assert sorted(weights.neighbors[5]) == [0, 1, 2, 4, 6, 8, 9, 10]
    assert sorted(weights.neighbors[2]) == [1, 5, 6]  # cell 3 is outside the mask


def test_fdr_removes_false_hotspots_from_noise() -> None:
    rng = np.random.default_rng(7)
    values = rng.poisson(5.0, size=(40, 40)).astype(float)
    weights = analysis.grid_weights(grid_of(values))
    raw = analysis.getis_ord_gi_star(values.ravel(), weights, fdr=False)
    controlled = analysis.getis_ord_gi_star(values.ravel(), weights, fdr=True)
    raw_flagged = int((raw.label != "not significant").sum())
    fdr_flagged = int((controlled.label != "not significant").sum())
    assert raw_flagged > 50  # about 10 % of 1 600 cells pass 90 % by chance
    assert fdr_flagged < raw_flagged / 10


def test_gi_star_on_wards_with_polygon_contiguity() -> None:
    wards = {f"W{i}": shapely.box(i * 100, 0, (i + 1) * 100, 100) for i in range(5)}
    weights = analysis.area_weights(wards)
    assert sorted(weights.neighbors["W2"]) == ["W1", "W3"]
    values = np.array([0.0, 1.0, 5.0, 1.0, 0.0])
    result = analysis.getis_ord_gi_star(values, weights)
    neighbours = np.diag(np.ones(4), 1) + np.diag(np.ones(4), -1)
    np.testing.assert_allclose(result.z, _gi_star_by_hand(values, neighbours))
    assert result.ids == ("W0", "W1", "W2", "W3", "W4")


def test_benjamini_hochberg_on_the_1995_example() -> None:
    # Benjamini and Hochberg (1995), section 4: 15 p-values, FDR 0.05 rejects the first four.
    p = [0.0001, 0.0004, 0.0019, 0.0095, 0.0201, 0.0278, 0.0298, 0.0344, 0.0459, 0.3240]
    p += [0.4262, 0.5719, 0.6528, 0.7590, 1.0000]
    q = analysis.benjamini_hochberg(p)
    assert int((q <= 0.05).sum()) == 4
    assert q[3] == pytest.approx(0.0095 * 15 / 4)  # 0.035625
    assert q[4] == pytest.approx(0.0201 * 15 / 5)  # 0.0603, the first not rejected
    assert q[5] == pytest.approx(0.0298 * 15 / 7)  # 0.0695 lowered to the seventh's 0.0639
    np.testing.assert_allclose(q, stats.false_discovery_control(p))
    shuffled = np.array(p)[::-1]
    np.testing.assert_allclose(analysis.benjamini_hochberg(shuffled), q[::-1])


def test_randomization_p_values_hand_worked_on_five_wards() -> None:
    # Values 0 1 5 1 0 in a row. Dealt at random, a value is 0 or 1 with 2/5 each and 5 with
    # 1/5. W2 and its two neighbours hold 1 + 5 + 1 = 7; three draws reach 7 or more with one 5
    # and two 1s (3 x 1/5 x 4/25 = 0.096), two 5s (3 x 1/25 x 4/5 = 0.096) or three (0.008):
    # 0.2, so two-sided p = 0.4. W0 and W1 hold 1 (two draws): P(sum <= 1) = 4/25 + 2 x 4/25
    # = 0.48, P(sum >= 1) = 1 - 4/25 = 0.84: p = 0.96.
    wards = {f"W{i}": shapely.box(i * 100, 0, (i + 1) * 100, 100) for i in range(5)}
    result = analysis.getis_ord_gi_star(
        [0.0, 1.0, 5.0, 1.0, 0.0], analysis.area_weights(wards), fdr=False, inference="randomization"
    )
    assert result.p[2] == pytest.approx(0.4)
    assert result.p[0] == pytest.approx(0.96)
    # W1's neighbourhood (W0, W1, W2) holds 6: one 5 with the other two not both 0
    # (3 x 1/5 x (16/25 - 4/25) = 0.288), or two or three 5s (0.104): 0.392, two-sided 0.784.
    assert result.p[1] == pytest.approx(0.784)
    with pytest.raises(ValueError, match="whole non-negative counts"):
        analysis.getis_ord_gi_star([0.5, 1, 5, 1, 0], analysis.area_weights(wards), inference="randomization")


def test_randomization_finds_no_hotspots_in_random_sparse_incidents_but_finds_a_cluster() -> None:
    # 1,500 incidents scattered at random over 150 x 150 cells, as thin as off-road-bike
    # incidents on 100 m cells: the normal curve calls hundreds of cells hot even after FDR.
    rng = np.random.default_rng(5)
    counts = analysis.count_grid(
        rng.uniform(0, 15_000, 1_500), rng.uniform(0, 15_000, 1_500), grid_of(np.zeros((150, 150)))
    )
    weights = analysis.grid_weights(counts)
    normal = analysis.getis_ord_gi_star(counts.values.ravel(), weights)
    exact = analysis.getis_ord_gi_star(counts.values.ravel(), weights, inference="randomization")
    assert (normal.label != "not significant").sum() > 100
    assert (exact.label != "not significant").sum() == 0
    np.testing.assert_allclose(exact.z, normal.z)  # the statistic is the same; only p differs
    planted = counts.values.copy()
    planted[40:43, 40:43] += 2
    found = analysis.getis_ord_gi_star(planted.ravel(), weights, inference="randomization")
    assert set(found.label.reshape(150, 150)[40:43, 40:43].ravel()) == {"hot 99%"}


def test_area_weights_join_polygons_that_meet_without_sharing_vertices() -> None:
    # B's west edge lies along A's east edge but their corners differ (no shared vertex);
    # C touches A at a corner; D is 5 m away, like two wards generalised separately.
    areas = {
        "A": shapely.box(0, 0, 100, 100),
        "B": shapely.box(100, 30, 200, 70),
        "C": shapely.box(100, 100, 150, 150),
        "D": shapely.box(-105, 0, -5, 100),
    }
    weights = analysis.area_weights(areas)
    assert sorted(weights.neighbors["A"]) == ["B", "C"]
    assert weights.neighbors["D"] == []
    assert sorted(analysis.area_weights(areas, tolerance_m=10).neighbors["A"]) == ["B", "C", "D"]


def test_grid_gi_star_is_the_weights_based_statistic_without_the_weights() -> None:
    rng = np.random.default_rng(9)
    values = rng.poisson(0.3, (30, 40)).astype(float)
    values[10:13, 10:13] += 5
    mask = np.ones(values.shape, dtype=bool)
    mask[:5, :7] = False  # a corner outside the study area, and a row of river
    mask[20, :] = False
    grid = grid_of(values)
    slow = analysis.getis_ord_gi_star(
        values[mask], analysis.grid_weights(grid, mask), inference="randomization"
    )
    fast = analysis.grid_gi_star(grid, mask)
    np.testing.assert_allclose(fast.z, slow.z, rtol=1e-12)
    np.testing.assert_allclose(fast.p, slow.p, rtol=1e-9, atol=1e-15)
    assert fast.ids == slow.ids and (fast.label == slow.label).all()
    with pytest.raises(ValueError, match="no variance"):
        analysis.grid_gi_star(grid_of(np.ones((5, 5))))


def _direct_p(counts: np.ndarray, size: int, observed: int) -> float:
    """Two-sided randomization p by convolving the frequencies ``size`` times, as by hand."""
    frequency = np.bincount(counts.astype(int)) / counts.size
    distribution = np.array([1.0])
    for _ in range(size):
        distribution = np.convolve(distribution, frequency)
    return min(1.0, 2 * min(distribution[observed:].sum(), distribution[: observed + 1].sum()))


def test_randomization_p_values_stay_exact_for_counts_in_the_thousands() -> None:
    # Busy wards hold thousands of incidents. Through the Fourier transform the k-fold
    # convolution costs one transform however large the counts; it must give what the
    # direct convolution gives, small counts or large.
    rng = np.random.default_rng(2)
    for mean in (3.0, 4_000.0):
        counts = rng.poisson(mean, 60).astype(float)
        sizes = rng.integers(2, 5, counts.size)  # one neighbourhood per area
        sums = np.array([rng.choice(counts, k).sum() for k in sizes])
        sums[0] = round(sizes[0] * counts.mean() + 2 * math.sqrt(sizes[0]) * counts.std())  # a tail
        expected = [_direct_p(counts, int(k), int(s)) for k, s in zip(sizes, sums, strict=True)]
        found = gistar._randomization_p(counts, sizes, sums)
        np.testing.assert_allclose(found, expected, rtol=1e-6, atol=1e-12)
    assert 0.01 < found[0] < 0.1  # two standard deviations up: near the normal curve's 0.046
