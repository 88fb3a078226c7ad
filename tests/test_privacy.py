"""Small-number suppression and formula neutralisation."""

import itertools

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from endurance.privacy import SECONDARY, neutralise_formula, suppress_counts


@pytest.mark.parametrize(
    ("values", "cells", "total"),
    [
        ([0, 7, 12], ["0", "7", "12"], "19"),  # nothing small: nothing hidden
        ([3, 10, 0, 20], ["<5", SECONDARY, "0", "20"], "33"),  # one small cell needs a partner
        ([1, 2, 4, 0], ["<5", "<5", "<5", "0"], "7"),  # three small cells hide each other
        ([1, 5, 5], ["<5", "5", "5"], SECONDARY),  # no safe partner: withhold the total
        ([2], ["<5"], SECONDARY),  # a lone ward is its total
    ],
)
def test_hand_worked_columns(values, cells, total):
    result = suppress_counts(values, 5)
    assert result.cells == cells and result.total == total


def feasible_values(cells, total, threshold):
    """Every assignment of the hidden cells consistent with what is published."""
    hidden = [i for i, c in enumerate(cells) if c in (f"<{threshold}", SECONDARY)]
    if total == SECONDARY:
        return None
    remainder = int(total) - sum(int(c) for c in cells if c not in (f"<{threshold}", SECONDARY))
    ranges = [
        range(1, threshold) if cells[i] != SECONDARY else range(threshold, remainder + 1) for i in hidden
    ]
    return hidden, [combo for combo in itertools.product(*ranges) if sum(combo) == remainder]


@settings(max_examples=300, deadline=None)
@given(
    values=st.lists(st.integers(min_value=0, max_value=14), min_size=1, max_size=6),
    threshold=st.integers(min_value=2, max_value=6),
)
def test_no_small_count_is_visible_or_derivable_from_the_total(values, threshold):
    result = suppress_counts(values, threshold)
    for value, cell in zip(values, result.cells, strict=True):
        if 1 <= value < threshold:
            assert cell == f"<{threshold}"
        else:
            assert cell in (str(value), SECONDARY)
    solved = feasible_values(result.cells, result.total, threshold)
    if solved is None:
        return  # total withheld: nothing to derive from
    hidden, combos = solved
    assert tuple(values[i] for i in hidden) in combos  # the truth is consistent
    for position, i in enumerate(hidden):
        if i in result.primary:
            # An attacker solving from the total learns nothing beyond "<threshold".
            assert {c[position] for c in combos} == set(range(1, threshold))


@pytest.mark.parametrize("text", ['=HYPERLINK("http://x")', "+44 7700", "-1+1", "@SUM(A1)", "\tcmd", "\rcmd"])
def test_formula_starts_are_neutralised(text):
    assert neutralise_formula(text) == "'" + text


@pytest.mark.parametrize("text", ["Eston", "Brambles & Thorntree", "", "1-2"])
def test_ordinary_text_is_untouched(text):
    assert neutralise_formula(text) == text
