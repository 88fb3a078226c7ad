"""How well hotspots predict: hit rate and Predictive Accuracy Index against a naive baseline.

Hotspots from one period are scored on the next period's incidents: the *hit rate* is
the share of those incidents inside the flagged cells, the Predictive Accuracy Index
``PAI = (n / N) / (a / A)`` divides it by the flagged share of the study area. The
same is done for a naive baseline (last period's raw counts per cell), which a density
map must beat to earn its keep.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

import numpy as np
from shapely.geometry.base import BaseGeometry

from endurance.analysis.density import DEFAULT_BANDWIDTH_M, DEFAULT_CELL_M, hotspot_cells, kernel_density
from endurance.analysis.grid import DensityGrid, _check_mask, _xy, count_grid


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
) -> Evaluation:
    """Score hotspots drawn from one period on the next period's incidents.

    The density grid covers ``study_area``'s bounds; the study cells are those whose
    centre lies in it. The top ``coverage`` of study cells by density are flagged, and
    so are the top cells by the training period's raw counts (the naive baseline,
    "patrol where it happened last time"); both are scored with :func:`score_hotspots`.

    Parameters
    ----------
    train_xy, test_xy
        ``(x, y)`` arrays of the period ``t`` incidents and the period ``t + 1`` incidents.
    study_area
        Polygon of the study area (e.g. the force area), British National Grid.
    """
    tx, ty = _xy(*train_xy, name="train_xy")
    grid = kernel_density(tx, ty, cell_m=cell_m, bandwidth_m=bandwidth_m, extent=study_area.bounds)
    study = grid.mask_within(study_area)
    flagged = hotspot_cells(grid, coverage=coverage, study_mask=study)
    counts = count_grid(tx, ty, grid)
    baseline_flagged = hotspot_cells(counts, coverage=coverage, study_mask=study)
    sx, sy = test_xy
    return Evaluation(
        kde=score_hotspots(grid, flagged, sx, sy, study_mask=study),
        baseline=score_hotspots(grid, baseline_flagged, sx, sy, study_mask=study),
        grid=grid,
        flagged=flagged,
        baseline_flagged=baseline_flagged,
    )
