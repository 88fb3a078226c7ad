r"""Choose the map's method by how well each candidate predicted, with no peeking.

A hotspot map is a bet on where next month's incidents will fall. Each candidate method
of :mod:`endurance.analysis.forecast` is judged the way the map is used: *rolling
origin*, for every month ``m`` scored, fitted on the months before ``m`` only and scored
on ``m``'s events, at a fixed share of the study area (5 % by default).

Scores per method and month
    *Hit rate* ``n / N``: the share of the month's events in the flagged cells.
    *PAI* ``(n / N) / (a / A)``: the hit rate over the flagged share of the area.
    *PEI\** ``n / n*``: the hit rate over the best any ``a`` cells could have done that
    month (the ``a`` busiest cells in hindsight), so 1 is perfect whatever the month.
    *Stability*: the share of flagged cells that were also flagged for the month before
    (a patrol plan that moves every month is harder to run), NaN when the month before
    was not scored.

Flagging
    Exactly ``ceil(coverage * A)`` study cells are flagged, highest risk first. Cells
    of equal risk, the empty ones included, are taken in one fixed random order of the
    grid (seed 0): a method that knows of too few busy cells spends the rest of its
    area at random, as a patrol would "anywhere else", and the same spare cells are
    drawn every month. Without that, a sparse method would be scored on a smaller area,
    where PAI is easily higher, and methods would not compare.

Selection and the honest figure
    The method chosen for a month is the candidate with the best mean PAI over the
    ``window`` (6) most recent scored months before it; PAIs equal to two decimals are a
    tie, which goes to the simpler candidate (the earlier in the candidate list; the
    naive baseline is first). With no scored month yet, the naive baseline is chosen.
    The best candidate's own mean PAI flatters it: it was picked for having scored
    well on those very months. The honest figure of the procedure is *nested*: for
    each month scored, the method is selected using only earlier months, then scored on
    that month. That nested figure is what the maps, briefings and ``endurance
    backtest`` report beside the naive baseline.
"""

from __future__ import annotations

import json
import math
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from endurance.analysis.forecast import DEFAULT_CANDIDATES, EventHistory, Method, NaiveCounts
from endurance.periods import _month_index, _month_text

#: Scored months each selection looks back over.
SELECTION_WINDOW = 6
#: PAIs are compared rounded to this many decimals (as printed); equal ones are a tie.
TIE_DECIMALS = 2
#: Seed of the fixed random order in which cells of equal risk are flagged.
TIE_SEED = 0
#: The label of the selection procedure's rows.
NESTED = "selected (nested)"

COLUMNS = [
    "method",
    "family",
    "params",
    "scored_month",
    "selected_method",
    "hits",
    "incidents",
    "best_hits",
    "flagged_cells",
    "study_cells",
    "hit_rate",
    "pai",
    "pei_star",
    "stability",
]


def tie_order(shape: tuple[int, int], seed: int = TIE_SEED) -> np.ndarray:
    """Flat cell numbers in the fixed random order used to break ties (first taken first)."""
    return np.random.default_rng(seed).permutation(shape[0] * shape[1])


def flag_top_cells(risk: np.ndarray, study: np.ndarray, coverage: float, order: np.ndarray) -> np.ndarray:
    """Flat numbers of the ``ceil(coverage * study cells)`` study cells of highest risk.

    Cells of equal risk (the empty ones included) are taken in ``order``
    (:func:`tie_order`). Runs in linear time: a partition finds the risk of the last
    cell taken, and the cells at exactly that risk are taken in ``order``.

    Raises
    ------
    ValueError
        If ``coverage`` is not in (0, 1] or a risk is negative or not finite.
    """
    if not 0 < coverage <= 1:
        raise ValueError(f"coverage must be a share in (0, 1], got {coverage}")
    flat_study = study.ravel()
    values = risk.ravel()
    cells = np.flatnonzero(flat_study)
    wanted = math.ceil(coverage * cells.size - 1e-9)
    if wanted >= cells.size:
        return cells
    in_study = values[cells]
    if not np.all(np.isfinite(in_study)) or in_study.min(initial=0.0) < 0:
        raise ValueError("risk must be finite and not negative in every study cell")
    positive = in_study[in_study > 0]
    cut = 0.0
    if positive.size >= wanted:
        cut = float(np.partition(positive, positive.size - wanted)[positive.size - wanted])
    above = cells[in_study > cut]
    spare = wanted - above.size
    ordered = order[flat_study[order]]
    level = ordered[values[ordered] == cut][:spare]
    return np.sort(np.concatenate([above, level]))


@dataclass(frozen=True)
class Backtest:
    """Scores of every candidate and of the selection procedure, and the method chosen.

    Attributes
    ----------
    scores
        One row per method and scored month (columns :data:`COLUMNS`); the procedure's
        rows have ``method`` :data:`NESTED` and name the candidate chosen for each month
        in ``selected_method``.
    evaluated
        The months the summary figures average over (``YYYY-MM``).
    selected
        The method chosen for the month after the last evaluated one: the map's method.
    candidates
        The candidates, simplest first.
    window, coverage
        As given to :func:`backtest`.
    """

    scores: pd.DataFrame
    evaluated: tuple[str, ...]
    selected: Method
    candidates: tuple[Method, ...]
    window: int
    coverage: float

    @property
    def baseline(self) -> Method:
        """The naive baseline among the candidates (the first candidate if there is none)."""
        return _baseline(self.candidates)

    def summary(self) -> pd.DataFrame:
        """Mean hit rate, PAI, PEI* and stability per method over the evaluated months.

        One row per candidate (in candidate order) and one for the procedure, last;
        ``months`` is the number of months with a score.
        """
        rows = self.scores[self.scores["scored_month"].isin(self.evaluated)]
        order = [m.name for m in self.candidates] + [NESTED]
        table = rows.groupby("method", sort=False).agg(
            months=("pai", "count"),
            hit_rate=("hit_rate", "mean"),
            pai=("pai", "mean"),
            pei_star=("pei_star", "mean"),
            stability=("stability", "mean"),
        )
        table = table.reindex(order)
        table["months"] = table["months"].fillna(0).astype(int)
        families = {m.name: m.family for m in self.candidates} | {NESTED: "procedure"}
        params = {m.name: json.dumps(m.params) for m in self.candidates} | {NESTED: "{}"}
        table.insert(0, "family", [families[n] for n in table.index])
        table.insert(1, "params", [params[n] for n in table.index])
        return table.reset_index().rename(columns={"index": "method"})

    def report(self) -> dict[str, Any]:
        """Return the backtest as plain values for scripts (``endurance backtest --json``).

        Keys: ``months`` (evaluated, ``YYYY-MM``), ``coverage``, ``window``,
        ``candidates`` (one object per candidate: ``method``, ``family``, ``params``,
        ``label`` and the summary figures), ``selected`` (the procedure's nested
        figures, the method chosen for the month after the last evaluated one and, per
        month, the method chosen then) and ``naive`` (the baseline's figures).
        """
        summary = self.summary().set_index("method")
        labels = {m.name: m.describe() for m in self.candidates}

        def figures(name: str) -> dict[str, Any]:
            row = summary.loc[name]
            found: dict[str, Any] = {"months": int(np.asarray(row["months"]))}
            found.update(self.figure(name))
            return found

        candidates = [
            {"method": m.name, "family": m.family, "params": m.params, "label": labels[m.name]}
            | figures(m.name)
            for m in self.candidates
        ]
        nested = self.scores[self.scores["method"] == NESTED]
        chosen = [
            {"month": month, "method": name}
            for month, name in zip(nested["scored_month"], nested["selected_method"], strict=True)
        ]
        return {
            "months": list(self.evaluated),
            "coverage": self.coverage,
            "window": self.window,
            "candidates": candidates,
            "selected": {
                "method": self.selected.name,
                "label": labels.get(self.selected.name, self.selected.describe()),
                "params": self.selected.params,
                **figures(NESTED),
                "by_month": chosen,
            },
            "naive": {"method": self.baseline.name, **figures(self.baseline.name)},
        }

    def figure(self, method: str) -> dict[str, float | None]:
        """Mean PAI, hit rate, PEI* and stability of one row of :meth:`summary`, None where undefined.

        ``method`` is a candidate's name, or :data:`NESTED` for the selection procedure.
        """
        row = self.summary().set_index("method").loc[method]
        figures = {
            k: float(np.asarray(row[k], dtype=float)) for k in ("pai", "hit_rate", "pei_star", "stability")
        }
        return {k: (v if math.isfinite(v) else None) for k, v in figures.items()}


def scorable_months(history: EventHistory, months: Sequence[str] | None = None) -> list[str]:
    """Months that can be scored: with data, and with data in some month before."""
    chosen = history.months if months is None else sorted(set(months) & set(history.months))
    return [m for m in chosen if history.before(m)]


def backtest(
    history: EventHistory,
    *,
    study: np.ndarray,
    evaluate: Sequence[str] | None = None,
    candidates: Sequence[Method] = DEFAULT_CANDIDATES,
    window: int = SELECTION_WINDOW,
    coverage: float = 0.05,
) -> Backtest:
    """Score every candidate month by month, select by the recent past, and score the selection.

    Parameters
    ----------
    history
        The stream's events on the grid.
    study
        Boolean mask of the grid's shape: the study cells (the force area).
    evaluate
        The months to report figures over (``YYYY-MM``); by default the ``window`` most
        recent scorable months. Months without data, or with nothing before them, are
        skipped. Each is also scored by the nested procedure, which in turn scores the
        candidates on the ``window`` scorable months before it.
    candidates
        Methods to compare, simplest first (ties go to the earlier).
    window
        Scored months each selection looks back over.
    coverage
        Share of the study cells flagged.

    Returns
    -------
    Backtest
    """
    if window < 1:
        raise ValueError(f"window must be at least 1 month, got {window}")
    if not candidates:
        raise ValueError("candidates must name at least one method")
    names = [m.name for m in candidates]
    if len(set(names)) != len(names):
        raise ValueError(f"candidate names must be unique, got {names}")
    if study.shape != history.shape or study.dtype != bool or not study.any():
        raise ValueError(f"study must be a boolean mask of the grid's shape {history.shape} with some cells")
    every = scorable_months(history)
    evaluated = every[-window:] if evaluate is None else scorable_months(history, evaluate)
    # The procedure also runs on the month before the first evaluated one, for its stability.
    first_before = [_month_before(evaluated[0])] if evaluated else []
    procedure = sorted(set(evaluated) | (set(first_before) & set(every)))
    needed = _months_needed(every, procedure, window)
    scorer = _Scorer(history, study, coverage)
    rows = [scorer.score(method, month, previous=method) for method in candidates for month in needed]
    scores = pd.DataFrame(rows, columns=COLUMNS)
    nested = _nested_rows(scorer, scores, candidates, every, procedure, evaluated, window)
    scores = pd.concat([scores, pd.DataFrame(nested, columns=COLUMNS)], ignore_index=True)
    # The map's method: selected over the window ending with the last evaluated month.
    upto = [m for m in every if evaluated and m <= evaluated[-1]][-window:]
    selected = _select(scores, candidates, upto)
    return Backtest(scores, tuple(evaluated), selected, tuple(candidates), window, coverage)


def _months_needed(every: list[str], procedure: list[str], window: int) -> list[str]:
    """Return the months the procedure runs on and the ``window`` scorable months before each."""
    needed = set(procedure)
    for month in procedure:
        needed.update(_window_before(every, month, window))
    return sorted(needed)


def _window_before(every: list[str], month: str, window: int) -> list[str]:
    """Return the ``window`` most recent scorable months before ``month``."""
    return [m for m in every if m < month][-window:]


def _month_before(month: str) -> str:
    return _month_text(_month_index(month) - 1)


def _select(scores: pd.DataFrame, candidates: Sequence[Method], months: Sequence[str]) -> Method:
    """Return the candidate with the best mean PAI over ``months`` (ties to the simpler); naive with none."""
    if not months:
        return _baseline(candidates)
    rows = scores[scores["scored_month"].isin(months) & (scores["method"] != NESTED)]
    means = rows.groupby("method")["pai"].mean()
    best, best_pai = candidates[0], -math.inf
    for method in candidates:
        pai = means.get(method.name, math.nan)
        if np.isfinite(pai) and round(pai, TIE_DECIMALS) > round(best_pai, TIE_DECIMALS):
            best, best_pai = method, pai
    return best


def _baseline(candidates: Sequence[Method]) -> Method:
    for method in candidates:
        if isinstance(method, NaiveCounts):
            return method
    return candidates[0]


def _nested_rows(
    scorer: _Scorer,
    scores: pd.DataFrame,
    candidates: Sequence[Method],
    every: list[str],
    procedure: list[str],
    evaluated: list[str],
    window: int,
) -> list[dict[str, Any]]:
    """Score the procedure on each evaluated month, selecting with earlier months only."""
    chosen = {m: _select(scores, candidates, _window_before(every, m, window)) for m in procedure}
    rows = []
    for month in evaluated:
        before = _month_before(month)
        row = scorer.score(chosen[month], month, previous=chosen.get(before))
        row.update(method=NESTED, family="procedure", params="{}", selected_method=chosen[month].name)
        rows.append(row)
    return rows


class _Scorer:
    """Fits, flags and scores methods month by month, keeping the flags for stability."""

    def __init__(self, history: EventHistory, study: np.ndarray, coverage: float) -> None:
        self.history = history
        self.study = study
        self.coverage = coverage
        self.order = tie_order(history.shape)
        self.study_cells = int(study.sum())
        self.scorable = set(scorable_months(history))
        self._flags: dict[tuple[str, str], np.ndarray] = {}
        self._sorted: dict[str, np.ndarray] = {}

    def flags(self, method: Method, month: str) -> np.ndarray:
        """Flat numbers of the cells ``method`` flags for ``month``."""
        key = (method.name, month)
        if key not in self._flags:
            risk = method.fit(self.history, month)
            self._flags[key] = flag_top_cells(risk, self.study, self.coverage, self.order)
        return self._flags[key]

    def _best_hits(self, month: str, cells: int) -> float:
        """Events in the ``cells`` busiest study cells of ``month``, in hindsight."""
        if month not in self._sorted:
            in_study = self.history.counts(month).ravel()[self.study.ravel()]
            self._sorted[month] = np.cumsum(np.sort(in_study)[::-1])
        ranked = self._sorted[month]
        return float(ranked[min(cells, ranked.size) - 1]) if cells else 0.0

    def score(self, method: Method, month: str, *, previous: Method | None) -> dict[str, Any]:
        """Score ``method`` on ``month``; stability against ``previous``'s flags for the month before."""
        flagged = self.flags(method, month)
        actual = self.history.counts(month).ravel()
        total = float(actual[self.study.ravel()].sum())
        hits = float(actual[flagged].sum())
        best = self._best_hits(month, flagged.size)
        share = flagged.size / self.study_cells
        hit_rate = hits / total if total else math.nan
        before = _month_before(month)
        stability = math.nan
        if previous is not None and before in self.scorable and flagged.size:
            earlier = self.flags(previous, before)
            stability = float(np.isin(flagged, earlier, assume_unique=True).mean())
        return {
            "method": method.name,
            "family": method.family,
            "params": json.dumps(method.params),
            "scored_month": month,
            "selected_method": None,
            "hits": int(hits),
            "incidents": int(total),
            "best_hits": int(best),
            "flagged_cells": int(flagged.size),
            "study_cells": self.study_cells,
            "hit_rate": hit_rate,
            "pai": hit_rate / share if total else math.nan,
            "pei_star": hits / best if best else math.nan,
            "stability": stability,
        }
