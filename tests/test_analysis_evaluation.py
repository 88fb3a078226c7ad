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
    # The baseline flags the ring's own cells, not the heart; the rest of its 5 % is drawn at
    # random, so it scores exactly when the draw happened to take the heart's cell.
    heart = result.grid.cell_of([5_020.0], [5_030.0])
    drawn = bool(result.baseline_flagged[heart[0][0], heart[1][0]])
    assert result.baseline.hit_rate == (1.0 if drawn else 0.0)
    ring = analysis.count_grid(*train, result.grid).values > 0
    assert result.baseline_flagged[ring].all()


def test_both_methods_flag_exactly_the_coverage_topping_up_at_random() -> None:
    # 3 training incidents in a 100 x 100 cell area: 5 % is 500 cells, only 3 have a count.
    train = (np.array([2_050.0, 5_050.0, 8_050.0]), np.array([2_050.0, 5_050.0, 8_050.0]))
    study_area = shapely.box(0, 0, 10_000, 10_000)
    result = analysis.evaluate_hotspots(train, ([], []), study_area=study_area)
    assert result.flagged.sum() == result.baseline_flagged.sum() == 500
    counted = analysis.count_grid(*train, result.grid).values > 0
    assert result.baseline_flagged[counted].all()
    again = analysis.evaluate_hotspots(train, ([], []), study_area=study_area)
    np.testing.assert_array_equal(again.baseline_flagged, result.baseline_flagged)  # seeded
    other = analysis.evaluate_hotspots(train, ([], []), study_area=study_area, seed=1)
    assert (other.baseline_flagged != result.baseline_flagged).any()
    assert np.isnan(result.kde.pai) and result.kde.total == 0  # nothing to score


def test_rolling_evaluation_scores_each_month_from_the_three_before_it() -> None:
    study_area = shapely.box(0, 0, 2_000, 2_000)
    rng = np.random.default_rng(4)
    months = np.array([f"2025-{m:02d}" for m in rng.integers(1, 7, 300)])
    x = np.where(rng.random(300) < 0.7, rng.normal(600, 80, 300), rng.uniform(0, 2_000, 300))
    y = np.where(rng.random(300) < 0.7, rng.normal(1_400, 80, 300), rng.uniform(0, 2_000, 300))
    table = analysis.rolling_evaluation(
        x, y, months, scored_months=["2025-05", "2025-06"], study_area=study_area, bandwidth_m=200.0
    )
    assert table[["scored_month", "method"]].to_numpy().tolist() == [
        ["2025-05", "kde"],
        ["2025-05", "naive"],
        ["2025-06", "kde"],
        ["2025-06", "naive"],
    ]
    june = table[table["scored_month"] == "2025-06"].set_index("method")
    assert (june.loc["kde", "trained_from"], june.loc["kde", "trained_to"]) == ("2025-03", "2025-05")
    train = (months >= "2025-03") & (months <= "2025-05")
    direct = analysis.evaluate_hotspots(
        (x[train], y[train]), (x[months == "2025-06"], y[months == "2025-06"]),
        study_area=study_area, bandwidth_m=200.0,
    )  # fmt: skip
    for method, score in (("kde", direct.kde), ("naive", direct.baseline)):
        row = june.loc[method]
        assert (row["hits"], row["incidents_scored"], row["flagged_cells"], row["study_cells"]) == (
            score.hits,
            score.total,
            score.flagged_cells,
            score.study_cells,
        )
        assert row["pai"] == pytest.approx(score.pai)
        assert row["hit_rate"] == pytest.approx(score.hits / score.total)
    assert june.loc["kde", "flagged_cells"] == 20  # 5 % of 400 cells
