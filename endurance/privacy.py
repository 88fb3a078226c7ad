"""Disclosure control for partner outputs.

Small counts identify people: a ward with one off-road-bike incident in a month may
point at one household. Partner exports therefore show counts from 1 up to the
threshold minus one as ``<5`` (for the default threshold of 5), and zeros as ``0``.

Suppressing one cell is not enough when totals are published: the total minus the
visible cells gives the hidden one back. Secondary suppression hides further cells
(shown as ``[c]``) until the totals say nothing about any small cell beyond what
``<5`` already says. Tables are trees of sums: ward cells add up to their local
authority's total, and (force-wide) the authority totals add up to the force total.

What a reader can work out is modelled exactly. A cell shown as a number is known; a
``<5`` cell lies in [1, 4]; a ``[c]`` ward cell is at least 5 (only counts of at
least the threshold are chosen as secondary cells); a withheld total (``[c]`` in a
total row) is any count. Because the constraints form a tree, the range each hidden
cell can take given everything published follows from adding intervals up and down
the tree (``_feasible_ranges``); this is the same answer a linear programme gives,
and the tests check it against one. A table is safe when every small cell can still
be any of 1 to threshold-1, and every other hidden cell can take more than one value.
A total that is itself small (1 to threshold-1) is withheld. Secondary cells are
chosen greedily (for a cell at risk, the smallest count in one of its sums that makes
it safe on its own, else the largest, else the total of that sum), then any
secondary cell that turns out unnecessary is shown again.

Text written to spreadsheets is neutralised: a cell starting with ``=``, ``+``,
``-``, ``@``, a tab or a carriage return would be run as a formula by Excel, so it is
prefixed with an apostrophe.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

from endurance._errors import ArgumentError

SECONDARY = "[c]"
_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")

#: An interval of whole counts; the upper end may be ``math.inf``.
Interval = tuple[float, float]


def neutralise_formula(text: str) -> str:
    """Return ``text`` safe to open in a spreadsheet (no formula can run from it)."""
    return "'" + text if text.startswith(_FORMULA_START) else text


@dataclass(frozen=True)
class SharingRules:
    """What a partner output may disclose: how small counts are hidden, which codes count.

    Attributes
    ----------
    threshold
        Counts from 1 to ``threshold - 1`` are shown as ``<threshold``
        (``Settings.suppression_threshold``).
    share_handling_c
        Count intelligence with handling code C as well as P; only where an
        information-sharing agreement covers it (``Settings.share_handling_c``).
    """

    threshold: int
    share_handling_c: bool = False


@dataclass(frozen=True)
class SuppressedColumn:
    """A column of counts as it may be published, with its total."""

    cells: list[str]
    total: str
    primary: frozenset[int]
    secondary: frozenset[int]


@dataclass(frozen=True)
class SuppressedGroups:
    """Groups of counts (wards by local authority) with group totals and a grand total."""

    groups: list[SuppressedColumn]
    total: str


class _Tree:
    """Counts joined by sums: node 0 is the grand total, every other node has a parent."""

    def __init__(self, values: list[int], parents: list[int | None], threshold: int) -> None:
        self.values = values
        self.parents = parents
        self.threshold = threshold
        self.children: list[list[int]] = [[] for _ in values]
        for node, parent in enumerate(parents):
            if parent is not None:
                self.children[parent].append(node)
        self.small = {n for n, v in enumerate(values) if 1 <= v < threshold}
        self.primary = {n for n in self.small if not self.children[n]}
        # Depth-first order, parents before children; checks run leaves first.
        self.order: list[int] = []
        stack = [n for n, p in enumerate(parents) if p is None]
        while stack:
            node = stack.pop()
            self.order.append(node)
            stack.extend(reversed(self.children[node]))

    def bounds(self, node: int, hidden: set[int]) -> Interval:
        """Return what a reader knows of ``node`` from its own cell."""
        value = self.values[node]
        if node not in hidden:
            return (value, value)
        if self.children[node]:
            return (0, math.inf)  # a withheld total may be any count
        if node in self.primary:
            return (1, self.threshold - 1)
        return (self.threshold, math.inf)

    def feasible(self, hidden: set[int]) -> list[Interval]:
        """Return the values each node can take given everything published (exact on a tree)."""
        own = [self.bounds(n, hidden) for n in range(len(self.values))]
        below = list(own)  # from the node's own cell and its subtree
        for node in reversed(self.order):
            kids = self.children[node]
            if kids:
                low = sum(below[k][0] for k in kids)
                high = sum(below[k][1] for k in kids)
                below[node] = (max(own[node][0], low), min(own[node][1], high))
        above: list[Interval] = [(-math.inf, math.inf)] * len(self.values)  # from outside the subtree
        for node in self.order:
            kids = self.children[node]
            if not kids:
                continue
            top = (max(own[node][0], above[node][0]), min(own[node][1], above[node][1]))
            low = sum(below[k][0] for k in kids)
            infinite = sum(1 for k in kids if below[k][1] == math.inf)
            finite_high = sum(below[k][1] for k in kids if below[k][1] != math.inf)
            for k in kids:
                others_low = low - below[k][0]
                if below[k][1] == math.inf:
                    others_high = math.inf if infinite > 1 else finite_high
                else:
                    others_high = math.inf if infinite else finite_high - below[k][1]
                above[k] = (top[0] - others_high, top[1] - others_low)
        return [(max(b[0], a[0]), min(b[1], a[1])) for b, a in zip(below, above, strict=True)]

    def safe(self, node: int, ranges: list[Interval]) -> bool:
        low, high = ranges[node]
        if node in self.primary:
            return low <= 1 and high >= self.threshold - 1
        return high > low

    def _partner(self, node: int, hidden: set[int]) -> int | None:
        """Return a cell to hide so that ``node`` gets closer to safe; None when nothing can help."""
        level = node
        while True:
            parent = self.parents[level]
            siblings = self.children[parent] if parent is not None else []
            candidates = sorted(
                (
                    n
                    for n in {*siblings, *self.children[level]}
                    if n not in hidden and self.values[n] >= self.threshold
                ),
                key=lambda n: (self.values[n], n),
            )
            for candidate in candidates:
                if self.safe(node, self.feasible(hidden | {candidate})):
                    return candidate
            if candidates:
                return candidates[-1]  # the largest gives most room; look again next round
            if parent is None:
                return None
            if parent not in hidden:
                return parent  # withhold the total of this sum
            level = parent

    def suppress(self) -> set[int]:
        """Return the hidden nodes: small counts, and the secondary cells protecting them."""
        hidden = set(self.small)
        unfixable: set[int] = set()
        while (node := self._first_at_risk(hidden, unfixable)) is not None:
            partner = self._partner(node, hidden)
            if partner is None:
                unfixable.add(node)  # only with a threshold of 2, where "<2" already says 1
            else:
                hidden.add(partner)
        # Show again any secondary cell the others make unnecessary: totals first, then
        # the largest counts (hiding small ones costs readers least).
        extra = sorted(hidden - self.small, key=lambda n: (bool(not self.children[n]), -self.values[n], n))
        for node in extra:
            trial = hidden - {node}
            if self._first_at_risk(trial, unfixable) is None:
                hidden = trial
        return hidden

    def _first_at_risk(self, hidden: set[int], unfixable: set[int]) -> int | None:
        ranges = self.feasible(hidden)
        return next(
            (
                n
                for n in reversed(self.order)
                if n in hidden and n not in unfixable and not self.safe(n, ranges)
            ),
            None,
        )

    def publish(self) -> list[str]:
        """Return every node as shown: the count, ``<threshold`` or ``[c]``."""
        hidden = self.suppress()
        return [
            f"<{self.threshold}" if n in self.primary else SECONDARY if n in hidden else str(v)
            for n, v in enumerate(self.values)
        ]


def _check(groups: Sequence[Sequence[int]], threshold: int) -> None:
    if threshold < 1:
        raise ArgumentError(f"threshold must be at least 1, got {threshold}")
    if any(v < 0 for values in groups for v in values):
        raise ArgumentError(f"counts must be non-negative, got {[list(v) for v in groups]}")


def suppress_groups(groups: Sequence[Sequence[int]], threshold: int = 5) -> SuppressedGroups:
    """Suppress small counts in groups published with group totals and a grand total.

    Parameters
    ----------
    groups
        Non-negative whole counts: one sequence per group (local authority), one count
        per row (ward). Each group is published with its total, and all groups with a
        grand total (force-wide).
    threshold
        Counts from 1 to ``threshold - 1`` are shown as ``<threshold``.
    """
    _check(groups, threshold)
    values = [sum(sum(g) for g in groups), *(sum(g) for g in groups)]
    parents: list[int | None] = [None, *([0] * len(groups))]
    first_leaf = []
    for g, counts in enumerate(groups):
        first_leaf.append(len(values))
        values.extend(counts)
        parents.extend([g + 1] * len(counts))
    shown = _Tree(values, parents, threshold).publish()
    columns = [
        _column(shown[first : first + len(counts)], shown[g + 1], threshold)
        for g, (first, counts) in enumerate(zip(first_leaf, groups, strict=True))
    ]
    return SuppressedGroups(columns, shown[0])


def suppress_counts(values: Sequence[int], threshold: int = 5) -> SuppressedColumn:
    """Suppress small counts in a column published with its total.

    Parameters
    ----------
    values
        Non-negative whole counts, one per row (ward).
    threshold
        Counts from 1 to ``threshold - 1`` are shown as ``<threshold``.
    """
    _check([values], threshold)
    shown = _Tree([sum(values), *values], [None, *([0] * len(values))], threshold).publish()
    return _column(shown[1:], shown[0], threshold)


def _column(cells: list[str], total: str, threshold: int) -> SuppressedColumn:
    return SuppressedColumn(
        cells,
        total,
        frozenset(i for i, c in enumerate(cells) if c == f"<{threshold}"),
        frozenset(i for i, c in enumerate(cells) if c == SECONDARY),
    )
