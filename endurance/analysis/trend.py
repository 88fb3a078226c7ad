"""Month-by-month trends: the Mann-Kendall test and the hotspot trend labels.

The Mann-Kendall test counts, over every pair of months, whether the later one is
higher or lower; a large surplus either way is a monotonic trend, whatever its shape.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any, Literal

import numpy as np
from scipy import stats


@dataclass(frozen=True)
class MannKendall:
    """The Mann-Kendall trend test on one series.

    Attributes
    ----------
    n
        Values tested.
    s
        Number of later-higher pairs minus later-lower pairs.
    var_s
        Variance of ``s`` under no trend, corrected for ties.
    z
        ``(s - 1) / sqrt(var_s)`` for ``s > 0``, ``(s + 1) / sqrt(var_s)`` for ``s < 0``, else 0.
    p_value
        Two-sided, from the normal distribution.
    """

    n: int
    s: int
    var_s: float
    z: float
    p_value: float


def mann_kendall(series: Any) -> MannKendall:
    """Test a series (in time order) for a monotonic trend with Mann-Kendall.

    NaNs are dropped. At least three values are needed.
    """
    v = np.asarray(series, dtype=float).ravel()
    v = v[np.isfinite(v)]
    n = v.size
    if n < 3:
        raise ValueError(f"series must hold at least 3 values for a trend test, got {n}")
    diff = np.sign(v[None, :] - v[:, None])
    s = int(np.triu(diff, k=1).sum())
    _, ties = np.unique(v, return_counts=True)
    var_s = (n * (n - 1) * (2 * n + 5) - float(np.sum(ties * (ties - 1) * (2 * ties + 5)))) / 18.0
    if var_s <= 0:
        return MannKendall(n, s, var_s, 0.0, 1.0)
    z = (s - math.copysign(1, s)) / math.sqrt(var_s) if s != 0 else 0.0
    return MannKendall(n, s, var_s, z, float(2.0 * stats.norm.sf(abs(z))))


def trend_label(
    series_by_month: Any,
    *,
    alpha: float = 0.05,
    recent: int = 3,
    hot_level: float = 1.0,
) -> Literal["emerging", "persistent", "fading", "none"]:
    """Label a hotspot's monthly history.

    The rule, in order:

    * ``'emerging'``: Mann-Kendall finds a significant increasing trend (p < ``alpha``);
    * ``'fading'``: a significant decreasing trend;
    * ``'persistent'``: no significant trend, and the value reached ``hot_level`` in
      most (more than half) of the last ``recent`` months;
    * ``'none'``: otherwise.

    Parameters
    ----------
    series_by_month
        Monthly values in time order: counts, densities, or 1/0 for "flagged that month".
    hot_level
        The value at which a month counts as hot: 1 (one incident, or flagged) by default.
    """
    values = np.asarray(series_by_month, dtype=float).ravel()
    values = values[np.isfinite(values)]
    if values.size < 3:
        raise ValueError(f"series_by_month must hold at least 3 months, got {values.size}")
    if recent < 1:
        raise ValueError(f"recent must be at least 1 month, got {recent}")
    test = mann_kendall(values)
    if test.p_value < alpha and test.s > 0:
        return "emerging"
    if test.p_value < alpha and test.s < 0:
        return "fading"
    last = values[-recent:]
    if (last >= hot_level).sum() * 2 > last.size:
        return "persistent"
    return "none"
