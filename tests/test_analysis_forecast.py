"""The candidate methods against hand-worked surfaces, and the self-exciting fit against planted values."""

from __future__ import annotations

import math

import numpy as np
import pytest

from endurance import analysis
from endurance.analysis import forecast

#: A 1 km square of 100 m cells from the origin.
EXTENT = (0.0, 0.0, 1_000.0, 1_000.0)
#: Kernel mass one incident puts in its own cell at 400 m: peak density x cell area.
OWN_CELL_400 = 3 / (math.pi * 400**2) * 100 * 100


def centre(row: int, col: int) -> tuple[float, float]:
    return (col + 0.5) * 100.0, (row + 0.5) * 100.0


def history(events: list[tuple[str, int, int, int]], **options) -> analysis.EventHistory:
    """``(month, row, col, how many)`` -> an EventHistory of incidents at those cell centres."""
    x, y, month = [], [], []
    for m, row, col, n in events:
        cx, cy = centre(row, col)
        x += [cx] * n
        y += [cy] * n
        month += [m] * n
    return analysis.EventHistory(x, y, month, extent=EXTENT, **options)


def test_history_counts_months_and_leaves_out_what_lies_outside() -> None:
    h = history([("2025-01", 2, 3, 2), ("2025-03", 2, 3, 1), ("2025-03", 9, 9, 4)])
    outside = analysis.EventHistory([50.0, 5_000.0], [50.0, 50.0], ["2025-01", "2025-01"], extent=EXTENT)
    assert h.months == ("2025-01", "2025-03")  # 2025-02 holds nothing: not loaded
    assert h.before("2025-03") == ["2025-01"] and h.before("2025-01") == []
    assert h.shape == (10, 10) and h.total() == 7
    assert h.counts("2025-01")[2, 3] == 2 and h.counts("2025-01").sum() == 2
    assert h.counts("2025-03")[9, 9] == 4
    assert outside.counts("2025-01").sum() == 1  # the point 4 km east is not in any cell
    with pytest.raises(ValueError, match="same length"):
        analysis.EventHistory([1.0], [1.0, 2.0], ["2025-01"], extent=EXTENT)
    with pytest.raises(ValueError, match="YYYY-MM"):
        analysis.EventHistory([1.0], [1.0], ["2025-1"], extent=EXTENT)


def test_smoothed_month_is_the_kernel_density_in_expected_incidents_per_cell() -> None:
    h = history([("2025-01", 5, 5, 1)])
    smooth = h.smoothed("2025-01", 400.0)
    assert smooth[5, 5] == pytest.approx(OWN_CELL_400)
    # Two cells east: d = 200 m, (1 - 1/4)^2 of the peak.
    assert smooth[5, 7] == pytest.approx(OWN_CELL_400 * 0.75**2)
    density = analysis.kernel_density([550.0], [550.0], bandwidth_m=400.0, extent=EXTENT)
    np.testing.assert_allclose(smooth, density.values * density.cell_area_km2, rtol=1e-6)


def test_naive_counts_average_the_last_three_months_with_data() -> None:
    # 2024-12 is older than the last three months with data, so it is left out; the gap
    # in 2025-02 is skipped over, not counted as a quiet month.
    h = history([("2024-11", 0, 0, 9), ("2024-12", 1, 1, 2), ("2025-01", 1, 1, 1), ("2025-03", 1, 1, 3)])
    surface = analysis.NaiveCounts().fit(h, "2025-04")
    assert surface[1, 1] == pytest.approx((2 + 1 + 3) / 3)
    assert surface[0, 0] == 0.0
    assert analysis.NaiveCounts(months=1).fit(h, "2025-04")[1, 1] == pytest.approx(3.0)
    assert not analysis.NaiveCounts().fit(h, "2024-11").any()  # nothing before: no risk anywhere


def test_decayed_counts_weigh_by_age_and_treat_unloaded_months_as_missing() -> None:
    events = [("2025-01", 4, 4, 2), ("2025-03", 4, 4, 4)]
    # Ages before 2025-04: 3 and 1 months; half-life 1: weights 1/8 and 1/2, normalised 0.2 and 0.8.
    surface = analysis.DecayedCounts(1.0).fit(history(events), "2025-04")
    assert surface[4, 4] == pytest.approx(0.2 * 2 + 0.8 * 4)
    # Had 2025-02 been loaded with nothing in this cell, it would count as a zero (weight 1/4).
    loaded = history(events, months_present=["2025-01", "2025-02", "2025-03"])
    zero_month = analysis.DecayedCounts(1.0).fit(loaded, "2025-04")
    assert zero_month[4, 4] == pytest.approx((2 / 8 + 0 / 4 + 4 / 2) / (1 / 8 + 1 / 4 + 1 / 2))
    # A long half-life approaches the plain mean of the months.
    assert analysis.DecayedCounts(1e6).fit(history(events), "2025-04")[4, 4] == pytest.approx(3.0)


def test_kernel_density_and_prospective_density_spread_the_same_kernel_over_different_months() -> None:
    h = history([("2025-01", 5, 5, 1), ("2025-02", 5, 5, 1), ("2025-03", 2, 2, 3)])
    kde = analysis.KernelDensity(400.0, months=2).fit(h, "2025-04")  # 2025-02 and 2025-03 only
    assert kde[5, 5] == pytest.approx(OWN_CELL_400 / 2)
    assert kde[2, 2] == pytest.approx(3 * OWN_CELL_400 / 2)
    prospective = analysis.ProspectiveKDE(400.0, 1.0).fit(h, "2025-04")
    weights = np.array([1 / 8, 1 / 4, 1 / 2]) / (7 / 8)  # ages 3, 2, 1
    assert prospective[5, 5] == pytest.approx((weights[0] + weights[1]) * OWN_CELL_400)
    assert prospective[2, 2] == pytest.approx(weights[2] * 3 * OWN_CELL_400)


def test_blend_is_decayed_counts_plus_a_share_of_the_same_smoothed() -> None:
    h = history([("2025-01", 5, 5, 2), ("2025-02", 1, 8, 1)])
    blend = analysis.Blend(6.0, 200.0, 0.3).fit(h, "2025-03")
    counts = analysis.DecayedCounts(6.0).fit(h, "2025-03")
    smooth = analysis.ProspectiveKDE(200.0, 6.0).fit(h, "2025-03")
    np.testing.assert_allclose(blend, 0.7 * counts + 0.3 * smooth)
    # The smoothed share ranks the cell next to a busy one above empty ground.
    assert blend[5, 6] > 0 and counts[5, 6] == 0 and blend[0, 0] == 0


def test_recursions_match_the_sums_they_stand_for() -> None:
    rng = np.random.default_rng(4)
    months = np.array([0, 1, 2, 5, 6, 9])  # gaps of missing months
    counts = rng.poisson(1.0, (months.size, 7)).astype(float)
    beta = 0.6
    s, u = forecast._recursions(counts, months, beta)
    for j in range(months.size):
        lags = months[j] - months[:j]
        expected_s = (beta ** (lags - 1))[:, None] * counts[:j]
        expected_u = (lags * beta ** (lags - 1))[:, None] * counts[:j]
        np.testing.assert_allclose(s[j], expected_s.sum(axis=0))
        np.testing.assert_allclose(u[j], expected_u.sum(axis=0))


def _self_exciting_stream(
    rng: np.random.Generator, *, cells: int, months: int, mu: np.ndarray, theta: float, beta: float
) -> tuple[list[float], list[float], list[str]]:
    x: list[float] = []
    y: list[float] = []
    month: list[str] = []
    excitation = np.zeros(cells)
    for k in range(months):
        counts = rng.poisson(mu + theta * (1 - beta) * excitation)
        excitation = beta * excitation + counts
        label = analysis_month(k)
        for cell in np.repeat(np.arange(cells), counts):
            cx, cy = centre(int(cell) // 40, int(cell) % 40)
            x.append(cx)
            y.append(cy)
            month.append(label)
    return x, y, month


def analysis_month(k: int) -> str:
    return f"{2020 + k // 12}-{k % 12 + 1:02d}"


def test_self_exciting_fit_recovers_the_planted_process() -> None:
    rng = np.random.default_rng(7)
    cells, months = 1_600, 60
    mu = rng.choice([0.02, 0.3], size=cells, p=[0.8, 0.2])
    x, y, month = _self_exciting_stream(rng, cells=cells, months=months, mu=mu, theta=0.5, beta=0.4)
    h = analysis.EventHistory(x, y, month, extent=(0, 0, 4_000, 4_000))
    method = analysis.SelfExciting()
    target = analysis_month(months)
    fitted = method.fit_parameters(h, target)
    assert fitted.theta == pytest.approx(0.5, abs=0.08)
    assert fitted.beta == pytest.approx(0.4, abs=0.12)
    assert fitted.mu.ravel()[mu > 0.1].mean() == pytest.approx(0.3, rel=0.15)
    assert fitted.iterations < method.max_iterations
    # The forecast is the background plus the decayed excitation of every earlier month.
    surface = method.fit(h, target)
    stack = np.stack([h.counts(analysis_month(k)).ravel() for k in range(months)])
    ages = months - np.arange(months)
    expected = fitted.mu.ravel() + fitted.theta * (1 - fitted.beta) * (fitted.beta ** (ages - 1)) @ stack
    np.testing.assert_allclose(surface.ravel(), expected, rtol=1e-9)


def test_self_exciting_without_self_excitation_finds_none() -> None:
    rng = np.random.default_rng(8)
    x, y, month = _self_exciting_stream(
        rng, cells=1_600, months=36, mu=np.full(1_600, 0.2), theta=0.0, beta=0.5
    )
    h = analysis.EventHistory(x, y, month, extent=(0, 0, 4_000, 4_000))
    assert analysis.SelfExciting().fit_parameters(h, analysis_month(36)).theta < 0.05


def test_methods_have_unique_short_names_and_refuse_nonsense() -> None:
    names = [m.name for m in analysis.DEFAULT_CANDIDATES]
    assert len(set(names)) == len(names) and names[0] == "naive(3mo)"
    assert analysis.method_from_name("kde(400m, 3mo)") == analysis.KernelDensity(400.0)
    with pytest.raises(ValueError, match="no candidate method named 'kde'"):
        analysis.method_from_name("kde")
    for build in (
        lambda: analysis.DecayedCounts(0.0),
        lambda: analysis.KernelDensity(-100.0),
        lambda: analysis.Blend(6.0, 200.0, 1.5),
        lambda: analysis.NaiveCounts(months=0),
    ):
        with pytest.raises(ValueError, match="must be"):
            build()
    assert all(m.describe() for m in analysis.DEFAULT_CANDIDATES)
