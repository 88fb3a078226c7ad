"""How well flagged cells caught a period's incidents: hit rate and Predictive Accuracy Index.

The *hit rate* is the share of the incidents inside the flagged cells; the Predictive
Accuracy Index ``PAI = (n / N) / (a / A)`` divides it by the flagged share of the study
area, so a map flagging twice the area must catch twice the incidents to score the
same. :mod:`endurance.analysis.selection` scores whole methods month by month with the
same definitions.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

import numpy as np

from endurance.analysis.grid import DensityGrid, _check_mask, _xy


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
