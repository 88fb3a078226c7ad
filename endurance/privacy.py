"""Disclosure control for partner outputs.

Small counts identify people: a ward with one off-road-bike incident in a month may
point at one household. Partner exports therefore show counts from 1 up to the
threshold minus one as ``<5`` (for the default threshold of 5), and zeros as ``0``.

Suppressing one cell is not enough when a total is published: the total minus the
visible cells gives the hidden one back. Secondary suppression hides further cells
(shown as ``[c]``) until the total says nothing about any small cell beyond what
``<5`` already says: for every small cell, every value from 1 to threshold-1 stays
consistent with the published total. If no choice of further cells achieves that,
the total itself is withheld instead.

Text written to spreadsheets is neutralised: a cell starting with ``=``, ``+``,
``-``, ``@``, a tab or a carriage return would be run as a formula by Excel, so it is
prefixed with an apostrophe.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

SECONDARY = "[c]"
_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def neutralise_formula(text: str) -> str:
    """Return ``text`` safe to open in a spreadsheet (no formula can run from it)."""
    return "'" + text if text.startswith(_FORMULA_START) else text


@dataclass(frozen=True)
class SuppressedColumn:
    """A column of counts as it may be published, with its total."""

    cells: list[str]
    total: str
    primary: frozenset[int]
    secondary: frozenset[int]


def _total_reveals_nothing(
    values: Sequence[int], primary: set[int], secondary: set[int], threshold: int
) -> bool:
    """True if, given the total, each primary cell could still be any of 1..threshold-1.

    An attacker knows the total, the visible cells, that each primary cell lies in
    [1, threshold-1] and that each secondary cell is at least ``threshold``. The sum S
    of the hidden cells is then known, and cell i is pinned to
    [S - sum of the others' maxima, S - sum of the others' minima].
    """
    if not primary:
        return True
    # Every primary cell has the same bounds, so one check covers them all.
    hidden = sum(values[i] for i in primary | secondary)
    others_max = (threshold - 1) * (len(primary) - 1) + (math.inf if secondary else 0)
    others_min = (len(primary) - 1) + threshold * len(secondary)
    return hidden - others_max <= 1 and hidden - others_min >= threshold - 1


def suppress_counts(values: Sequence[int], threshold: int = 5) -> SuppressedColumn:
    """Suppress small counts in a column published with its total.

    Parameters
    ----------
    values
        Non-negative whole counts, one per row (ward).
    threshold
        Counts from 1 to ``threshold - 1`` are shown as ``<threshold``.
    """
    if threshold < 1:
        raise ValueError(f"threshold must be at least 1, got {threshold}")
    if any(v < 0 for v in values):
        raise ValueError(f"counts must be non-negative, got {list(values)}")
    primary = {i for i, v in enumerate(values) if 1 <= v < threshold}
    secondary: set[int] = set()
    total_hidden = False
    while primary and not _total_reveals_nothing(values, primary, secondary, threshold):
        candidates = sorted(
            (i for i, v in enumerate(values) if v >= threshold and i not in secondary),
            key=lambda i: (values[i], i),
        )
        if not candidates:
            total_hidden, secondary = True, set()  # with no total, nothing else need hide
            break
        # The smallest cell that makes the total safe on its own, else the largest
        # (which gives the most room) and try again.
        fixing = [
            i for i in candidates if _total_reveals_nothing(values, primary, secondary | {i}, threshold)
        ]
        secondary.add(fixing[0] if fixing else candidates[-1])
    cells = [
        f"<{threshold}" if i in primary else SECONDARY if i in secondary else str(v)
        for i, v in enumerate(values)
    ]
    return SuppressedColumn(
        cells,
        SECONDARY if total_hidden else str(sum(values)),
        frozenset(primary),
        frozenset(secondary),
    )
