"""How well hotspots predict: hit rate and Predictive Accuracy Index against a naive baseline.

Hotspots from one period are scored on the next period's incidents: the *hit rate* is
the share of those incidents inside the flagged cells, the Predictive Accuracy Index
``PAI = (n / N) / (a / A)`` divides it by the flagged share of the study area. The
same is done for a naive baseline (last period's raw counts per cell), which a density
map must beat to earn its keep.

Both are compared on the same ground: each flags exactly ``coverage`` of the study
cells. A method ranks cells by its own values (density, or last period's count) and
never ranks an empty cell above a busy one; when fewer cells than that have any value
(the naive baseline almost always: a quarter's incidents touch well under 5 % of
Cleveland's 100 m cells), the rest of the area is drawn at random among the empty study
cells, with a fixed seed. That is "patrol where it happened last time, and spread the
remaining hours anywhere": without it the baseline would be scored on a far smaller
area, where PAI is easily higher, and the two would not compare.

:func:`rolling_evaluation` repeats this month by month, the way hotspot maps are used:
for each month scored, hotspots are drawn from the few months just before it (three by
default, a quarter: long enough to hold a pattern, short enough to follow a season)
and scored on that month's incidents.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd
from shapely.geometry.base import BaseGeometry

from endurance.analysis.density import DEFAULT_BANDWIDTH_M, DEFAULT_CELL_M, hotspot_cells, kernel_density
from endurance.analysis.grid import DensityGrid, _check_mask, _xy, count_grid
from endurance.periods import add_months

#: Months of incidents each rolling evaluation draws its hotspots from.
TRAINING_MONTHS = 3


@dataclass(frozen=True)
class Score:
    """How well a set of flagged cells caught a period's incidents.

    Attributes
    ----------
    hits
        Incidents ``n`` in flagged cells.
    total
        Incidents ``N`` in the study area.
    flagged_cells, study_cells
        ``a`` and ``A`` in cells.
    hit_rate
        ``n / N`` (NaN with no incidents).
    area_share
        ``a / A``.
    pai
        ``(n / N) / (a / A)`` (NaN when nothing is flagged or no incidents).
    """

    hits: int
    total: int
    flagged_cells: int
    study_cells: int
    hit_rate: float
    area_share: float
    pai: float


@dataclass(frozen=True)
class Evaluation:
    """Kernel-density hotspots and the naive baseline, scored on the next period."""

    kde: Score
    baseline: Score
    grid: DensityGrid
    flagged: np.ndarray
    baseline_flagged: np.ndarray


def score_hotspots(
    grid: DensityGrid, flagged: np.ndarray, x: Any, y: Any, *, study_mask: np.ndarray | None = None
) -> Score:
    """Score flagged cells on incidents: hit rate and Predictive Accuracy Index.

    Only incidents in study cells count towards ``N``; flagged cells outside the study
    area are ignored.
    """
    study = np.ones(grid.shape, dtype=bool) if study_mask is None else study_mask
    _check_mask(grid, study, "study_mask")
    _check_mask(grid, flagged, "flagged")
    xa, ya = _xy(x, y)
    row, col = grid.cell_of(xa, ya)
    inside = row >= 0
    row, col = row[inside], col[inside]
    in_study = study[row, col]
    total = int(in_study.sum())
    hits = int((in_study & flagged[row, col]).sum())
    a = int((flagged & study).sum())
    big_a = int(study.sum())
    if big_a == 0:
        raise ValueError("study_mask holds no cells")
    hit_rate = hits / total if total else math.nan
    share = a / big_a
    pai = hit_rate / share if (total and a) else math.nan
    return Score(hits, total, a, big_a, hit_rate, share, pai)


def evaluate_hotspots(
    train_xy: tuple[Any, Any],
    test_xy: tuple[Any, Any],
    *,
    study_area: BaseGeometry,
    coverage: float = 0.05,
    cell_m: float = DEFAULT_CELL_M,
    bandwidth_m: float = DEFAULT_BANDWIDTH_M,
    seed: int = 0,
) -> Evaluation:
    """Score hotspots drawn from one period on the next period's incidents.

    The density grid covers ``study_area``'s bounds; the study cells are those whose
    centre lies in it. The top ``coverage`` of study cells by density are flagged, and
    so are the top cells by the training period's raw counts (the naive baseline,
    "patrol where it happened last time"); both are scored with :func:`score_hotspots`.
    Either is topped up at random to exactly ``coverage`` when too few cells have any
    value (see the module notes).

    Parameters
    ----------
    train_xy, test_xy
        ``(x, y)`` arrays of the period ``t`` incidents and the period ``t + 1`` incidents.
    study_area
        Polygon of the study area (e.g. the force area), British National Grid.
    seed
        Seed of the random top-up, so a run can be repeated exactly.
    """
    tx, ty = _xy(*train_xy, name="train_xy")
    grid = kernel_density(tx, ty, cell_m=cell_m, bandwidth_m=bandwidth_m, extent=study_area.bounds)
    study = grid.mask_within(study_area)
    counts = count_grid(tx, ty, grid)
    rng = np.random.default_rng(seed)
    flagged = _fill_to_coverage(
        hotspot_cells(grid, coverage=coverage, study_mask=study), study, coverage, rng
    )
    baseline_flagged = _fill_to_coverage(
        hotspot_cells(counts, coverage=coverage, study_mask=study), study, coverage, rng
    )
    sx, sy = test_xy
    return Evaluation(
        kde=score_hotspots(grid, flagged, sx, sy, study_mask=study),
        baseline=score_hotspots(grid, baseline_flagged, sx, sy, study_mask=study),
        grid=grid,
        flagged=flagged,
        baseline_flagged=baseline_flagged,
    )


def _fill_to_coverage(
    flagged: np.ndarray, study: np.ndarray, coverage: float, rng: np.random.Generator
) -> np.ndarray:
    """Flag random unflagged study cells until ``ceil(coverage * study cells)`` are flagged."""
    wanted = math.ceil(coverage * int(study.sum()) - 1e-9)
    short = wanted - int((flagged & study).sum())
    if short <= 0:
        return flagged
    spare = np.flatnonzero((study & ~flagged).ravel())
    filled = flagged.copy().ravel()
    filled[rng.choice(spare, size=short, replace=False)] = True
    return filled.reshape(flagged.shape)


def rolling_evaluation(
    x: Any,
    y: Any,
    month: Any,
    *,
    scored_months: Sequence[str],
    study_area: BaseGeometry,
    training_months: int = TRAINING_MONTHS,
    coverage: float = 0.05,
    cell_m: float = DEFAULT_CELL_M,
    bandwidth_m: float = DEFAULT_BANDWIDTH_M,
) -> pd.DataFrame:
    """Score hotspots month by month, each drawn from the months just before it.

    Parameters
    ----------
    x, y
        Incident coordinates (British National Grid metres).
    month
        Each incident's month, ``YYYY-MM``.
    scored_months
        The months to score (``YYYY-MM``). Month ``t`` is scored with hotspots drawn
        from the ``training_months`` calendar months before it, with
        :func:`evaluate_hotspots`.
    study_area, coverage, cell_m, bandwidth_m
        As for :func:`evaluate_hotspots`.

    Returns
    -------
    pandas.DataFrame
        Two rows per scored month (``method`` ``'kde'`` and ``'naive'``) with
        ``trained_from``, ``trained_to``, ``scored_month`` (``YYYY-MM``), ``coverage``,
        ``flagged_cells``, ``study_cells``, ``hits``, ``incidents_scored``,
        ``hit_rate`` and ``pai`` (NaN where undefined).
    """
    if training_months < 1:
        raise ValueError(f"training_months must be at least 1, got {training_months}")
    xa = np.asarray(x, dtype=float).ravel()
    ya = np.asarray(y, dtype=float).ravel()
    months = np.asarray(month, dtype=str).ravel()
    if not (xa.size == ya.size == months.size):
        raise ValueError(f"x, y and month must have the same length, got {xa.size}, {ya.size}, {months.size}")
    rows = []
    for scored in scored_months:
        first, last = add_months(scored, -training_months), add_months(scored, -1)
        train = (months >= first) & (months <= last)
        test = months == scored
        result = evaluate_hotspots(
            (xa[train], ya[train]),
            (xa[test], ya[test]),
            study_area=study_area,
            coverage=coverage,
            cell_m=cell_m,
            bandwidth_m=bandwidth_m,
        )
        for method, score in (("kde", result.kde), ("naive", result.baseline)):
            rows.append(
                {
                    "trained_from": first,
                    "trained_to": last,
                    "scored_month": scored,
                    "method": method,
                    "coverage": coverage,
                    "flagged_cells": score.flagged_cells,
                    "study_cells": score.study_cells,
                    "hits": score.hits,
                    "incidents_scored": score.total,
                    "hit_rate": score.hit_rate,
                    "pai": score.pai,
                }
            )
    columns = [
        "trained_from",
        "trained_to",
        "scored_month",
        "method",
        "coverage",
        "flagged_cells",
        "study_cells",
        "hits",
        "incidents_scored",
        "hit_rate",
        "pai",
    ]
    return pd.DataFrame(rows, columns=columns)
