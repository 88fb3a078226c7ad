"""Hit rate and PAI of flagged cells on a constructed example."""

from __future__ import annotations

import numpy as np
import pytest

from endurance import analysis
from tests._grids import grid_of


def test_score_hand_case_hit_rate_and_pai() -> None:
    # 10 x 10 study cells, 5 flagged, 8 of 20 test incidents inside: 0.4 and 0.4 / 0.05 = 8.
    grid = grid_of(np.zeros((10, 10)))
    flagged = np.zeros((10, 10), dtype=bool)
    flagged[0, :5] = True
    inside_x = np.repeat([50.0, 150.0, 250.0, 350.0], 2)
    outside_x = np.linspace(550.0, 950.0, 12)
    x = np.concatenate([inside_x, outside_x])
    y = np.concatenate([np.full(8, 50.0), np.full(12, 550.0)])
    score = analysis.score_hotspots(grid, flagged, x, y)
    assert (score.hits, score.total, score.flagged_cells, score.study_cells) == (8, 20, 5, 100)
    assert score.hit_rate == pytest.approx(0.4)
    assert score.area_share == pytest.approx(0.05)
    assert score.pai == pytest.approx(8.0)
