"""Small-number suppression and formula neutralisation."""

import itertools

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from endurance.privacy import SECONDARY, neutralise_formula, suppress_counts, suppress_groups
from tests._disclosure import assert_nothing_derivable


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


@pytest.mark.parametrize(
    ("groups", "cells", "totals", "grand"),
    [
        # A small authority total is withheld; the force total would then give it back,
        # so another authority's total and one of its wards are withheld too.
        (
            [[3, 0, 0], [7], [10, 6]],
            [["<5", "0", "0"], ["7"], ["10", SECONDARY]],
            [SECONDARY, "7", SECONDARY],
            "26",
        ),
        # Four wards of 1 under a total shown as 4 would each be pinned to 1: the total hides.
        ([[1, 1, 1, 1]], [["<5"] * 4], [SECONDARY], SECONDARY),
        # One small ward is protected inside its authority; the other authority is untouched.
        ([[40, 3, 8], [20, 5]], [["40", "<5", SECONDARY], ["20", "5"]], ["51", "25"], "76"),
        # The only non-zero ward: its authority total and the force total both hide.
        ([[0, 0], [0, 4]], [["0", "0"], ["0", "<5"]], ["0", SECONDARY], SECONDARY),
    ],
)
def test_hand_worked_grouped_tables(groups, cells, totals, grand):
    result = suppress_groups(groups, 5)
    assert [g.cells for g in result.groups] == cells
    assert [g.total for g in result.groups] == totals
    assert result.total == grand
    assert_nothing_derivable([(g.cells, g.total) for g in result.groups], result.total, 5, groups)


ward_counts = st.one_of(st.integers(min_value=0, max_value=14), st.sampled_from([0, 0, 1, 2, 3]))


@settings(max_examples=150, deadline=None)
@given(
    groups=st.lists(st.lists(ward_counts, min_size=1, max_size=6), min_size=1, max_size=4),
    threshold=st.integers(min_value=3, max_value=6),
)
def test_grouped_tables_hide_every_small_count_from_every_total(groups, threshold):
    """Random authorities of random wards: no small count visible, none derivable by solving."""
    result = suppress_groups(groups, threshold)
    for values, column in zip(groups, result.groups, strict=True):
        for value, cell in zip(values, column.cells, strict=True):
            assert cell == f"<{threshold}" if 1 <= value < threshold else cell in (str(value), SECONDARY)
        assert column.total in (str(sum(values)), SECONDARY)
        assert not 1 <= sum(values) < threshold or column.total == SECONDARY
    grand = sum(map(sum, groups))
    assert result.total in (str(grand), SECONDARY)
    assert not 1 <= grand < threshold or result.total == SECONDARY
    assert_nothing_derivable([(g.cells, g.total) for g in result.groups], result.total, threshold, groups)


@settings(max_examples=100, deadline=None)
@given(
    values=st.lists(ward_counts, min_size=1, max_size=8),
    threshold=st.integers(min_value=3, max_value=6),
)
def test_single_columns_pass_the_same_solver(values, threshold):
    result = suppress_counts(values, threshold)
    assert_nothing_derivable([(result.cells, result.total)], None, threshold, [values])


def test_the_solver_catches_a_recoverable_cell():
    """The attacker is not toothless: tables that give a count back are caught."""
    with pytest.raises(AssertionError, match="one hidden cell"):
        assert_nothing_derivable([(["<5", "10", "7"], "20")], None, 5)
    with pytest.raises(AssertionError, match="narrowed"):
        assert_nothing_derivable([(["<5", "<5", "0"], "3")], None, 5)  # each is 1 or 2
    with pytest.raises(AssertionError, match="narrowed"):
        # Only through the force total: p + s1 + s2 = 11 with s1, s2 >= 5 gives p = 1.
        assert_nothing_derivable([(["<5", SECONDARY], SECONDARY), (["9", SECONDARY], SECONDARY)], "20", 5)
    with pytest.raises(AssertionError, match="pinned"):
        # s1 + s2 = 10 with both at least 5: both are 5.
        assert_nothing_derivable([(["5", SECONDARY], SECONDARY), (["6", SECONDARY], SECONDARY)], "21", 5)
