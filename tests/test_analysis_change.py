"""Change between periods: the conditional binomial test against hand-worked values."""

from __future__ import annotations

import math

import pandas as pd
import pytest
from scipy import stats

from endurance import analysis
from endurance.periods import Period


@pytest.mark.parametrize(("current", "previous"), [(10, 2), (2, 10), (7, 5), (30, 12), (1, 0)])
def test_change_test_matches_the_exact_binomial_test(current: int, previous: int) -> None:
    result = analysis.change_test(current, previous)
    expected = stats.binomtest(current, current + previous, 0.5).pvalue
    assert result.p_value == pytest.approx(expected)


def test_change_test_hand_worked() -> None:
    up = analysis.change_test(10, 2)
    # P(X >= 10 | n = 12) = (66 + 12 + 1) / 4096, doubled by symmetry: 158 / 4096 = 0.0386.
    assert up.p_value == pytest.approx(158 / 4096)
    assert (up.ratio, up.label) == (5.0, "up")
    assert analysis.change_test(2, 10).label == "down"
    small = analysis.change_test(3, 0)  # 2 * (1/2)^3 = 0.25: three against none proves nothing
    assert (small.p_value, small.ratio, small.label) == (0.25, math.inf, "no significant change")
    none = analysis.change_test(0, 0)
    assert none.p_value == 1.0 and math.isnan(none.ratio)
    # A current period twice as long: under no change it holds 2/3 of the total.
    assert analysis.change_test(8, 4, exposure=2.0).p_value == pytest.approx(1.0)
    with pytest.raises(ValueError, match="current must be a non-negative integer"):
        analysis.change_test(-1, 3)


def test_compare_periods_against_previous_and_year_ago() -> None:
    counts = pd.DataFrame(
        {
            "area": ["A", "A", "A", "A", "B", "B"],
            "month": ["2024-04", "2025-01", "2025-03", "2025-04", "2025-03", "2024-04"],
            "count": [2, 9, 1, 10, 4, 3],
        }
    )
    table = analysis.compare_periods(counts, Period("2025-03", "2025-04")).set_index("area")
    # Current Mar-Apr 2025, previous Jan-Feb 2025, year ago Mar-Apr 2024.
    counted = table[["current", "previous", "year_ago"]]
    assert counted.to_numpy().tolist() == [[11, 9, 2], [4, 0, 3]]
    assert table.loc["A", "p_year_ago"] == pytest.approx(stats.binomtest(11, 13, 0.5).pvalue)
    assert table.loc["A", "change_year_ago"] == "up"
    assert table.loc["A", "change_previous"] == "no significant change"
    assert table.loc["A", "ratio_previous"] == pytest.approx(11 / 9)


@pytest.mark.parametrize(
    ("current", "before", "expected"), [(15, 10, 0.5), (5, 10, -0.5), (0, 4, -1.0), (3, 0, None)]
)
def test_relative_change_is_the_ratio_minus_one_and_none_from_nothing(current, before, expected):
    assert analysis.relative_change(current, before) == expected
