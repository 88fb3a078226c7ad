"""Mann-Kendall and the hotspot trend labels against hand-worked series."""

from __future__ import annotations

import math

import pytest

from endurance import analysis


def test_mann_kendall_hand_worked() -> None:
    # 1 3 2 5 4: ten pairs, eight rise and two fall, S = 6; var = 5 * 4 * 15 / 18 = 16.67.
    result = analysis.mann_kendall([1, 3, 2, 5, 4])
    assert (result.n, result.s) == (5, 6)
    assert result.var_s == pytest.approx(300 / 18)
    assert result.z == pytest.approx(5 / math.sqrt(300 / 18))  # 1.2247
    assert result.p_value == pytest.approx(0.2207, abs=1e-4)


def test_mann_kendall_corrects_the_variance_for_ties() -> None:
    # 1 2 2 3: five rises, one tie, S = 5; var = (4 * 3 * 13 - 2 * 1 * 9) / 18 = 138 / 18.
    result = analysis.mann_kendall([1, 2, 2, 3])
    assert result.s == 5
    assert result.var_s == pytest.approx(138 / 18)
    assert result.z == pytest.approx(4 / math.sqrt(138 / 18))  # 1.4446
    falling = analysis.mann_kendall([3, 2, 2, 1])
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
    assert analysis.trend_label(series) == label
