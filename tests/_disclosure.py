"""An attacker for published count tables: what can be worked out about each hidden cell.

Independent of ``endurance.privacy``: it states the published table as a linear
programme (every ward cell, authority total and force total a variable; each total
the sum of its parts; known bounds from the markers) and asks SciPy for the least
and greatest value of each hidden cell. Sum constraints over a tree give a totally
unimodular system, so the linear programme's bounds are whole counts the truth can take.
"""

import math

import numpy as np
from scipy.optimize import linprog

SECONDARY = "[c]"


def feasible_ranges(groups, grand_total, threshold):
    """Ranges of every hidden cell of a grouped table.

    ``groups`` is a list of ``(cells, total)`` as published (strings), ``grand_total``
    the published force total (or None when the table has no grand total). Returns
    ``{key: (low, high)}`` for hidden cells, keys ``("ward", g, i)``, ``("lad", g)``,
    ``("force",)``.
    """
    keys, shown, is_total = [], [], []
    for g, (cells, total) in enumerate(groups):
        for i, cell in enumerate(cells):
            keys.append(("ward", g, i))
            shown.append(cell)
            is_total.append(False)
        keys.append(("lad", g))
        shown.append(total)
        is_total.append(True)
    if grand_total is not None:
        keys.append(("force",))
        shown.append(grand_total)
        is_total.append(True)
    index = {k: n for n, k in enumerate(keys)}
    rows = []
    for g, (cells, _) in enumerate(groups):
        row = np.zeros(len(keys))
        row[index[("lad", g)]] = -1
        for i in range(len(cells)):
            row[index[("ward", g, i)]] = 1
        rows.append(row)
    if grand_total is not None:
        row = np.zeros(len(keys))
        row[index[("force",)]] = -1
        for g in range(len(groups)):
            row[index[("lad", g)]] = 1
        rows.append(row)
    bounds = []
    for cell, total in zip(shown, is_total, strict=True):
        if cell == f"<{threshold}":
            bounds.append((1, threshold - 1))
        elif cell == SECONDARY:
            bounds.append((0, None) if total else (threshold, None))
        else:
            bounds.append((int(cell), int(cell)))
    ranges = {}
    for key, n in index.items():
        if shown[n] not in (f"<{threshold}", SECONDARY):
            continue
        objective = np.zeros(len(keys))
        objective[n] = 1
        low = linprog(objective, A_eq=rows, b_eq=np.zeros(len(rows)), bounds=bounds)
        high = linprog(-objective, A_eq=rows, b_eq=np.zeros(len(rows)), bounds=bounds)
        assert low.status == 0, f"the published table is infeasible: {low.message}"
        ranges[key] = (round(low.fun), math.inf if high.status == 3 else round(-high.fun))
    return ranges


def assert_nothing_derivable(groups, grand_total, threshold, truth=None):
    """Fail if any small count or other hidden cell can be worked out from the totals.

    A small (``<threshold``) cell must still be able to take every value from 1 to
    threshold-1; any other hidden cell more than one value. ``truth`` (the real counts,
    list of lists) must lie in every range.
    """
    # The plainest attack first: a sum with a visible total and exactly one hidden part.
    hidden = (f"<{threshold}", SECONDARY)
    for cells, total in groups:
        lone = [c for c in cells if c in hidden]
        assert not (total not in hidden and len(lone) == 1), f"one hidden cell in {cells} with total {total}"
    if grand_total is not None and grand_total not in hidden:
        assert sum(total in hidden for _, total in groups) != 1, (
            f"one hidden total, force total {grand_total}"
        )
    for key, (low, high) in feasible_ranges(groups, grand_total, threshold).items():
        cell = groups[key[1]][0][key[2]] if key[0] == "ward" else None
        if truth is not None and key[0] == "ward":
            assert low <= truth[key[1]][key[2]] <= high
        if cell == f"<{threshold}":
            assert (low, high) == (1, threshold - 1), f"{key} narrowed to {low}..{high}"
        else:
            assert high > low, f"{key} is pinned to {low}"
