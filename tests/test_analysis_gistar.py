"""Getis-Ord Gi* and Benjamini-Hochberg against hand-worked values and esda."""

from __future__ import annotations

import math

import numpy as np
import pytest
import shapely
from scipy import stats

from endurance import analysis
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
