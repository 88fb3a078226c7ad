"""Hit rate and PAI on constructed examples."""

from __future__ import annotations

import numpy as np
import pytest
import shapely

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


def test_evaluate_hotspots_scores_kde_and_the_naive_baseline() -> None:
    # Five lone training incidents at cell centres, far apart: with a 100 m bandwidth each
    # lights up only its own cell, so both methods flag the same five of 100 cells.
    centres = [(50, 50), (350, 350), (650, 650), (950, 950), (50, 950)]
    train = (np.array([c[0] for c in centres], float), np.array([c[1] for c in centres], float))
    test_x = [50, 50, 350, 350, 650, 650, 950, 50] + [250] * 12
    test_y = [50, 50, 350, 350, 650, 650, 950, 950] + [550] * 12
    result = analysis.evaluate_hotspots(
        train, (test_x, test_y), study_area=shapely.box(0, 0, 1000, 1000), bandwidth_m=100.0
    )
    assert result.grid.shape == (10, 10)
    for score in (result.kde, result.baseline):
        assert (score.hits, score.total, score.flagged_cells) == (8, 20, 5)
        assert score.hit_rate == pytest.approx(0.4)
        assert score.pai == pytest.approx(8.0)


def test_evaluate_kde_beats_the_baseline_when_incidents_move_a_street() -> None:
    # Training incidents ring an estate; next period's fall at its heart, where none was last time.
    angles = np.linspace(0, 2 * np.pi, 16, endpoint=False)
    train = (5_000 + 150 * np.cos(angles), 5_000 + 150 * np.sin(angles))
    test = (np.full(10, 5_020.0), np.full(10, 5_030.0))
    result = analysis.evaluate_hotspots(train, test, study_area=shapely.box(0, 0, 10_000, 10_000))
    assert result.kde.hit_rate == 1.0
    assert result.baseline.hit_rate == 0.0
