"""Rolling-origin backtests: flagging, scores, no peeking, and the selection of the planted best method."""

from __future__ import annotations

import json
import math
from collections.abc import Callable

import numpy as np
import pytest

from endurance import analysis
from endurance.analysis import selection as bt
from endurance.periods import add_months

# --------------------------------------------------------------------------- flagging


def test_flag_top_cells_takes_the_highest_risk_then_ties_in_the_fixed_order() -> None:
    risk = np.zeros((4, 5))
    risk[0, 0], risk[1, 1], risk[2, 2], risk[3, 3] = 5.0, 3.0, 3.0, 3.0
    study = np.ones((4, 5), dtype=bool)
    study[3, :] = False  # the cell of risk 3 at (3, 3) is outside the study area
    order = np.arange(20)[::-1]  # ties go to the highest flat number first
    # 15 study cells at 20 %: 3 cells; the 5, then both study cells of risk 3.
    assert bt.flag_top_cells(risk, study, 0.2, order).tolist() == [0, 6, 12]
    # At 40 %: 6 cells; after those three, empty study cells in the tie order: 14, 13, 11.
    assert bt.flag_top_cells(risk, study, 0.4, order).tolist() == [0, 6, 11, 12, 13, 14]
    # Only one of the risk-3 cells fits at 2 / 15: the tie order decides which.
    assert bt.flag_top_cells(risk, study, 2 / 15, order).tolist() == [0, 12]
    assert bt.flag_top_cells(risk, study, 2 / 15, np.arange(20)).tolist() == [0, 6]
    with pytest.raises(ValueError, match="not negative"):
        bt.flag_top_cells(-risk, study, 0.2, order)
    with pytest.raises(ValueError, match="coverage"):
        bt.flag_top_cells(risk, study, 0.0, order)


def test_tie_order_is_a_fixed_permutation() -> None:
    first, again = bt.tie_order((30, 40)), bt.tie_order((30, 40))
    assert sorted(first.tolist()) == list(range(1_200)) and first.tolist() == again.tolist()


# --------------------------------------------------------------------------- scores


def _stream(events: list[tuple[str, float, float, int]]) -> analysis.EventHistory:
    x, y, month = [], [], []
    for m, ex, ey, n in events:
        x += [ex] * n
        y += [ey] * n
        month += [m] * n
    return analysis.EventHistory(x, y, month, extent=(0.0, 0.0, 1_000.0, 1_000.0))


def test_scores_hit_rate_pai_pei_star_and_stability_by_hand() -> None:
    # 100 study cells; 5 % flags 5. January has events in five cells; February's in
    # four of them and one new one; March's 8 events: 6 in January's cells, 2 elsewhere.
    cells = [(50.0, 50.0), (150.0, 50.0), (250.0, 50.0), (350.0, 50.0), (450.0, 50.0)]
    events = [("2025-01", x, y, 1) for x, y in cells]
    events += [("2025-02", x, y, 1) for x, y in cells[:4]] + [("2025-02", 950.0, 950.0, 1)]
    events += [("2025-03", 50.0, 50.0, 6), ("2025-03", 550.0, 550.0, 2)]
    h = _stream(events)
    tested = analysis.backtest(
        h, study=np.ones(h.shape, dtype=bool), candidates=[analysis.NaiveCounts(months=1)], window=2
    )
    rows = tested.scores[tested.scores["method"] == "naive(1mo)"].set_index("scored_month")
    feb, mar = rows.loc["2025-02"], rows.loc["2025-03"]
    # February, from January's five cells: 4 of 5 events; the best 5 cells held all 5.
    assert (feb["hits"], feb["incidents"], feb["best_hits"], feb["flagged_cells"]) == (4, 5, 5, 5)
    assert feb["hit_rate"] == pytest.approx(0.8) and feb["pai"] == pytest.approx(0.8 / 0.05)
    assert feb["pei_star"] == pytest.approx(0.8)
    assert math.isnan(feb["stability"])  # January itself could not be scored (nothing before it)
    # March, from February's five cells: the 6 at (50, 50) of 8; the best 5 cells held all 8.
    assert (mar["hits"], mar["incidents"], mar["best_hits"]) == (6, 8, 8)
    assert mar["pai"] == pytest.approx(0.75 / 0.05) and mar["pei_star"] == pytest.approx(0.75)
    assert mar["stability"] == pytest.approx(4 / 5)  # four of February's cells flagged again
    assert tested.evaluated == ("2025-02", "2025-03")
    summary = tested.summary().set_index("method")
    assert summary.loc["naive(1mo)", "pai"] == pytest.approx((16.0 + 15.0) / 2)


# --------------------------------------------------------------------------- no peeking


def _clustered(rng: np.random.Generator, months: list[str]) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    centres = rng.uniform(1_000, 7_000, (12, 2))
    x, y, month = [], [], []
    for m in months:
        pick = rng.integers(0, 12, 60)
        x.append(centres[pick, 0] + rng.normal(0, 150, 60))
        y.append(centres[pick, 1] + rng.normal(0, 150, 60))
        month += [m] * 60
    return np.concatenate(x), np.concatenate(y), np.array(month)


def test_no_month_is_predicted_with_itself_or_anything_after_it() -> None:
    rng = np.random.default_rng(11)
    months = [add_months("2024-01", k) for k in range(14)]
    x, y, month = _clustered(rng, months)
    scored = "2024-12"
    # A cluster that appears only in the month scored and after: no fit for that month may see it.
    planted = np.full(300, 7_600.0), np.full(300, 400.0)
    planted_month = np.array(["2024-12"] * 150 + ["2025-02"] * 150)
    with_future = analysis.EventHistory(
        np.concatenate([x, planted[0]]),
        np.concatenate([y, planted[1]]),
        np.concatenate([month, planted_month]),
        extent=(0, 0, 8_000, 8_000),
    )
    without = analysis.EventHistory(x, y, month, extent=(0, 0, 8_000, 8_000))
    study = np.ones(without.shape, dtype=bool)
    row, col = without.layout.cell_of([7_600.0], [400.0])
    cluster_cell = int(row[0]) * without.shape[1] + int(col[0])
    for method in analysis.DEFAULT_CANDIDATES:
        np.testing.assert_array_equal(method.fit(with_future, scored), method.fit(without, scored))
    evaluate = [add_months(scored, -k) for k in range(5, -1, -1)]
    seen = analysis.backtest(with_future, study=study, evaluate=evaluate)
    blind = analysis.backtest(without, study=study, evaluate=evaluate)
    key = ["method", "scored_month"]
    both = seen.scores.merge(blind.scores, on=key, suffixes=("", "_blind"))
    before = both[both["scored_month"] < scored]
    assert len(before) > 0 and (before["pai"] == before["pai_blind"]).all()
    assert (before["selected_method"].fillna("") == before["selected_method_blind"].fillna("")).all()
    at = both[both["scored_month"] == scored]
    # In the month scored the cluster counts among the incidents, never among the hits.
    assert (at["incidents"] == at["incidents_blind"] + 150).all()
    assert (at["hits"] == at["hits_blind"]).all()
    # Fitted for the month after, the methods that keep history do see it.
    after = add_months(scored, 1)
    assert analysis.DecayedCounts(6.0).fit(with_future, after).ravel()[cluster_cell] > 0


# --------------------------------------------------------------------------- selection

#: One candidate of each family, each with parameters a stream below is built to favour.
REPRESENTATIVES = (
    analysis.NaiveCounts(),
    analysis.DecayedCounts(6.0),
    analysis.KernelDensity(200.0),
    analysis.ProspectiveKDE(400.0, 1.0),
    analysis.Blend(12.0, 400.0, 0.3),
    analysis.SelfExciting(),
)
SIDE = 8_000.0
MONTHS = [add_months("2024-01", k) for k in range(18)]


def _centres(cells: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    return (cells % 80 + 0.5) * 100.0, (cells // 80 + 0.5) * 100.0


Stream = tuple[list[np.ndarray], list[np.ndarray], list[str]]


def _add(stream: Stream, x: np.ndarray, y: np.ndarray, month: str) -> None:
    stream[0].append(x)
    stream[1].append(y)
    stream[2].extend([month] * x.size)


def _discs(rng: np.random.Generator, centres: np.ndarray, per: float, radius: float):
    n = rng.poisson(per, len(centres))
    cx, cy = np.repeat(centres[:, 0], n), np.repeat(centres[:, 1], n)
    angle, reach = rng.uniform(0, 2 * np.pi, n.sum()), radius * np.sqrt(rng.uniform(0, 1, n.sum()))
    return cx + reach * np.cos(angle), cy + reach * np.sin(angle)


def places_that_burn_out(rng: np.random.Generator, stream: Stream) -> None:
    """Favours naive: cells busy for six months, then quiet for good; old history misleads."""
    cells = rng.choice(6_400, 400, replace=False)
    start = rng.integers(-6, 18, 400)
    for k, month in enumerate(MONTHS):
        live = cells[(start <= k) & (k < start + 6)]
        _add(stream, *_centres(np.repeat(live, rng.poisson(2.0, live.size))), month)


def steady_sparse_places(rng: np.random.Generator, stream: Stream) -> None:
    """Favours decayed counts: fixed cells with rare events; all of history is needed to see them."""
    cells = rng.choice(6_400, 250, replace=False)
    for month in MONTHS:
        _add(stream, *_centres(np.repeat(cells, rng.poisson(0.25, cells.size))), month)


def small_moving_patches(rng: np.random.Generator, stream: Stream) -> None:
    """Favours kernel density at 200 m: small patches that move every six months."""
    for k, month in enumerate(MONTHS):
        if k % 6 == 0:
            centres = rng.uniform(800, SIDE - 800, (60, 2))
        _add(stream, *_discs(rng, centres, 2, 120.0), month)


def drifting_patches(rng: np.random.Generator, stream: Stream) -> None:
    """Favours prospective density: wide patches drifting 150 m a month; recent and near count most."""
    centres = rng.uniform(2_000, SIDE - 2_000, (10, 2))
    heading = rng.normal(0, 1, (10, 2))
    step = 150 * heading / np.linalg.norm(heading, axis=1)[:, None]
    for k, month in enumerate(MONTHS):
        _add(stream, *_discs(rng, centres + k * step, 12, 300.0), month)


def steady_places_spilling_over(rng: np.random.Generator, stream: Stream) -> None:
    """Favours the blend: rare events at fixed cells, a third spilling into a neighbouring cell."""
    inner = np.arange(6_400).reshape(80, 80)[2:-2, 2:-2].ravel()
    cells = rng.choice(inner, 100, replace=False)
    dx, dy = np.array([-1, 0, 1, -1, 1, -1, 0, 1]) * 100.0, np.array([-1, -1, -1, 0, 0, 1, 1, 1]) * 100.0
    for month in MONTHS:
        x, y = _centres(np.repeat(cells, rng.poisson(0.2, cells.size)))
        spill = rng.random(x.size) < 0.3
        way = rng.integers(0, 8, spill.sum())
        x[spill] += dx[way]
        y[spill] += dy[way]
        _add(stream, x, y, month)


def self_exciting_places(rng: np.random.Generator, stream: Stream) -> None:
    """Favours the self-exciting process: steady places plus bursts that follow any event."""
    mu = np.full(6_400, 0.003)
    mu[rng.choice(6_400, 250, replace=False)] = 0.25
    excitation = np.zeros(6_400)
    for month in MONTHS:
        counts = rng.poisson(mu + 0.7 * 0.7 * excitation)
        excitation = 0.3 * excitation + counts
        _add(stream, *_centres(np.repeat(np.arange(6_400), counts)), month)


@pytest.mark.parametrize(
    ("build", "family"),
    [
        (places_that_burn_out, "naive"),
        (steady_sparse_places, "decayed_counts"),
        (small_moving_patches, "kde"),
        (drifting_patches, "prospective"),
        (steady_places_spilling_over, "blend"),
        (self_exciting_places, "self_exciting"),
    ],
)
def test_selection_picks_the_method_each_stream_was_built_to_favour(
    build: Callable[[np.random.Generator, Stream], None], family: str
) -> None:
    stream: Stream = ([], [], [])
    build(np.random.default_rng(0), stream)
    h = analysis.EventHistory(
        np.concatenate(stream[0]), np.concatenate(stream[1]), stream[2], extent=(0, 0, SIDE, SIDE)
    )
    tested = analysis.backtest(h, study=np.ones(h.shape, dtype=bool), candidates=REPRESENTATIVES)
    assert tested.selected.family == family
    summary = tested.summary().set_index("family")
    assert summary.loc[family, "pai"] == summary.loc[summary.index != "procedure", "pai"].max()


def test_equal_scores_go_to_the_simpler_method_and_no_history_to_naive() -> None:
    # Every month the same three cells, far apart, a few events each: every count method
    # flags them, the rest at random, so all score alike: the simplest wins the tie.
    events = [(m, 50.0 + 300 * k, 50.0, 2) for m in MONTHS[:8] for k in range(3)]
    h = _stream(events)
    counting = (analysis.NaiveCounts(), analysis.DecayedCounts(6.0), analysis.DecayedCounts(12.0))
    tested = analysis.backtest(h, study=np.ones(h.shape, dtype=bool), candidates=counting)
    assert tested.summary()["pai"].nunique() == 1
    assert tested.selected == analysis.NaiveCounts()
    lone = _stream([("2025-01", 50.0, 50.0, 1)])
    nothing = analysis.backtest(lone, study=np.ones(lone.shape, dtype=bool))
    assert nothing.evaluated == () and nothing.selected == analysis.NaiveCounts()
    assert nothing.figure(bt.NESTED)["pai"] is None


def test_each_month_s_choice_is_the_best_over_the_months_before_it() -> None:
    stream: Stream = ([], [], [])
    drifting_patches(np.random.default_rng(3), stream)
    h = analysis.EventHistory(
        np.concatenate(stream[0]), np.concatenate(stream[1]), stream[2], extent=(0, 0, SIDE, SIDE)
    )
    tested = analysis.backtest(h, study=np.ones(h.shape, dtype=bool), candidates=REPRESENTATIVES, window=4)
    scores = tested.scores
    candidates = scores[scores["method"] != bt.NESTED]
    every = bt.scorable_months(h)
    for row in scores[scores["method"] == bt.NESTED].itertuples():
        window = [m for m in every if m < row.scored_month][-4:]
        means = candidates[candidates["scored_month"].isin(window)].groupby("method")["pai"].mean().round(2)
        best = [m.name for m in REPRESENTATIVES if means[m.name] == means.max()][0]
        assert row.selected_method == best
        own = candidates[(candidates["method"] == best) & (candidates["scored_month"] == row.scored_month)]
        assert row.pai == own["pai"].iloc[0]
    report = tested.report()
    assert [c["method"] for c in report["candidates"]] == [m.name for m in REPRESENTATIVES]
    assert report["selected"]["method"] == tested.selected.name
    assert json.loads(json.dumps(report)) == report
