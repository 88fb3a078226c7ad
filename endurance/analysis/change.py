"""Change in incident counts between two periods, tested as Poisson counts.

Two counts of incidents are compared with the conditional binomial test: if both are
Poisson with the same rate, then given their total ``n = a + b`` the current count is
``Binomial(n, 1/2)``; the exact two-sided p-value says how surprising the split is.
Small counts rarely differ significantly, which is the point.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Literal

import numpy as np
import pandas as pd
from scipy import stats

from endurance.periods import Period


@dataclass(frozen=True)
class ChangeResult:
    """Two counts compared with the conditional binomial test.

    Attributes
    ----------
    current, previous
        The counts.
    ratio
        ``current / previous`` (inf when only the previous is zero, NaN when both are).
    p_value
        Exact two-sided p-value.
    label
        ``'up'``, ``'down'`` or ``'no significant change'``.
    """

    current: int
    previous: int
    ratio: float
    p_value: float
    label: Literal["up", "down", "no significant change"]


def change_test(current: int, previous: int, *, exposure: float = 1.0, alpha: float = 0.05) -> ChangeResult:
    """Test whether a count changed between two periods, as Poisson counts.

    Parameters
    ----------
    current, previous
        Incident counts (non-negative integers).
    exposure
        Length of the current period over the previous one (e.g. 31/28 for January
        against February); under no change the current count's share of the total is
        ``exposure / (1 + exposure)``.
    alpha
        Significance level for the label.
    """
    problems = [
        f"{n} must be a non-negative integer, got {v!r}"
        for n, v in (("current", current), ("previous", previous))
        if not (isinstance(v, int | np.integer) and v >= 0)
    ]
    if not exposure > 0:
        problems.append(f"exposure must be positive, got {exposure}")
    if problems:
        raise ValueError("; ".join(problems))
    a, b = int(current), int(previous)
    n = a + b
    share = exposure / (1.0 + exposure)
    p_value = 1.0 if n == 0 else float(stats.binomtest(a, n, share).pvalue)
    # Only the previous count at zero: an infinite rise; both at zero: no ratio at all.
    ratio = a / b if b > 0 else (math.inf if a > 0 else math.nan)
    label: Literal["up", "down", "no significant change"] = "no significant change"
    if p_value < alpha:
        label = "up" if a > n * share else "down"
    return ChangeResult(a, b, ratio, p_value, label)


def relative_change(current: int, before: int) -> float | None:
    """Return the relative change ``current / before - 1``; None when there was nothing before.

    Examples
    --------
    >>> relative_change(15, 10)
    0.5
    >>> relative_change(3, 0) is None
    True
    """
    return current / before - 1.0 if before > 0 else None


def compare_periods(
    counts: pd.DataFrame,
    period: Period,
    *,
    area: str = "area",
    month: str = "month",
    count: str = "count",
    alpha: float = 0.05,
) -> pd.DataFrame:
    """Compare each area's count in a period with the previous period and the year before.

    Parameters
    ----------
    counts
        Tidy monthly counts: one row per area and month (``YYYY-MM``); a missing row is
        zero incidents.
    period
        The current period. The previous period is the same number of months just
        before it; the year before is the same months twelve months earlier.

    Returns
    -------
    pandas.DataFrame
        One row per area: ``current``, and for ``previous`` and ``year_ago`` the count,
        ``ratio_*``, ``p_*`` and ``change_*`` from :func:`change_test`.
    """
    missing = [c for c in (area, month, count) if c not in counts.columns]
    if missing:
        raise ValueError(f"counts lacks column(s) {missing}; it has {list(counts.columns)}")
    windows = {
        "current": period,
        "previous": period.shifted(-len(period.months)),
        "year_ago": period.shifted(-12),
    }
    months = counts[month].astype(str)
    table = pd.DataFrame(index=pd.Index(sorted(counts[area].unique()), name=area))
    for key, window in windows.items():
        inside = (months >= window.start) & (months <= window.end)
        sums = counts.loc[inside].groupby(area)[count].sum()
        table[key] = sums.reindex(table.index, fill_value=0).astype(int)
    for key in ("previous", "year_ago"):
        results = [
            change_test(int(c), int(p), alpha=alpha)
            for c, p in zip(table["current"], table[key], strict=True)
        ]
        table[f"ratio_{key}"] = [r.ratio for r in results]
        table[f"p_{key}"] = [r.p_value for r in results]
        table[f"change_{key}"] = [r.label for r in results]
    return table.reset_index()
