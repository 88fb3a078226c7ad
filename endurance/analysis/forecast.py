"""Risk surfaces for the month ahead: the candidate methods a hotspot map can be drawn with.

Every method answers one question the same way: given the events of a stream up to the
end of some month, how many are expected in each grid cell in a later month? The answer
is a *risk surface*, one value per cell of an :class:`EventHistory`'s grid, in expected
events per cell per month. Hotspots are the cells with the highest risk; which method
draws them best is decided by backtesting (:mod:`endurance.analysis.selection`), never by
taste.

The interface is small: a method is a frozen dataclass with ``family``, ``params``,
``describe()`` (plain words for a map legend) and ``fit(history, target)``, which reads
only the months of ``history`` strictly before ``target`` and returns the surface.

The methods
    *Naive counts* (:class:`NaiveCounts`): the events of the last ``months`` months
    with data, counted per cell ("patrol where it happened last time"). The baseline
    every other method must beat.

    *Decayed counts* (:class:`DecayedCounts`): all loaded history, each month weighted
    by ``0.5 ** (age / half_life)``, age in calendar months before the target. Months
    with no data loaded (police.uk's archive has gaps of years) are missing, not zero:
    the surface is the weighted mean over the months that are present, so a gap does
    not read as a quiet spell.

    *Kernel density* (:class:`KernelDensity`): the last ``months`` months with data,
    each event spread by the quartic kernel of :func:`~endurance.analysis.density.kernel_density`
    at ``bandwidth_m``. Smoothing says "near where it happened", which helps when events
    are exact points that move a street from one month to the next, and hurts when they
    are snapped to a few thousand fixed map points, as police.uk's are.

    *Prospective kernel density* (:class:`ProspectiveKDE`): kernel density over all
    history with each month's events weighted by recency, as in Bowers, Johnson and
    Pease (2004), "Prospective hot-spotting": near and recent events weigh most. Their
    weights fall with distance and with weeks; here space is the quartic kernel and time
    the same half-life decay as the decayed counts (police.uk is monthly).

    *Blend* (:class:`Blend`): ``(1 - share)`` of the decayed counts plus ``share`` of the
    prospective kernel density at the same half-life: the counts keep the places that
    recur, the smoothed part ranks the cells next to them above empty ground.

    *Self-exciting* (:class:`SelfExciting`): the grid form of the self-exciting point
    process of Mohler et al. (2011), the model behind early predictive policing, on
    monthly counts. A cell's expected count in month ``m`` is its own background rate
    ``mu`` plus ``theta`` times a geometrically decaying sum of its counts in earlier
    months (each event "triggers" ``theta`` more on average, ``1 / (1 - beta)`` months
    later on average). ``mu``, ``theta`` and ``beta`` are fitted by expectation
    maximisation, as Mohler et al. do. Months with no data are neither fitted nor
    counted as parents.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any, ClassVar, Protocol, TypeVar, cast

import numpy as np

from endurance.analysis.density import DEFAULT_CELL_M, kernel_density
from endurance.analysis.grid import DensityGrid, _empty_grid
from endurance.periods import _month_index, check_month

#: Months of events the naive baseline counts (a quarter).
NAIVE_MONTHS = 3

_T = TypeVar("_T")


class EventHistory:
    """The located events of one stream, month by month, on a grid of square cells.

    Per-month counts and smoothed surfaces are computed once and kept as one stack of
    layers (a row per month with data), so that many methods fitted at many months
    share the work: every method here but the self-exciting one is a weighted sum of
    those layers (:meth:`weighted`), one matrix product each.

    Parameters
    ----------
    x, y
        Event coordinates, British National Grid metres (NaN rows are dropped).
    month
        Each event's month, ``YYYY-MM``.
    extent
        ``(xmin, ymin, xmax, ymax)`` the grid covers (e.g. the force area's bounds);
        corners snap to multiples of ``cell_m`` as for :func:`kernel_density`.
    cell_m
        Side of a cell (metres).
    months_present
        The months the stream has data for. By default, the months holding any event:
        a month with no rows at all is taken to be a month not loaded. Events of other
        months are left out.
    """

    def __init__(
        self,
        x: Any,
        y: Any,
        month: Any,
        *,
        extent: tuple[float, float, float, float],
        cell_m: float = DEFAULT_CELL_M,
        months_present: Sequence[str] | None = None,
    ) -> None:
        xa = np.asarray(x, dtype=float).ravel()
        ya = np.asarray(y, dtype=float).ravel()
        months = np.asarray(month, dtype=str).ravel()
        if not (xa.size == ya.size == months.size):
            raise ValueError(
                f"x, y and month must have the same length, got {xa.size}, {ya.size}, {months.size}"
            )
        keep = np.isfinite(xa) & np.isfinite(ya)
        self.x, self.y, self.month = xa[keep], ya[keep], months[keep]
        present = sorted(set(self.month.tolist()) if months_present is None else set(months_present))
        for text in present:
            check_month(text, "month")
        self.months: tuple[str, ...] = tuple(present)
        self._row = {m: k for k, m in enumerate(self.months)}
        # Events sorted by month once, so each month's events are one slice.
        position = np.searchsorted(np.array(self.months, dtype=str), self.month)
        position = np.where(position < len(self.months), position, 0)
        known = np.array(self.months, dtype=str)[position] == self.month if self.months else position < 0
        code = np.where(known, position, -1)
        self._order = np.argsort(code, kind="stable")
        self._starts = np.searchsorted(code[self._order], np.arange(len(self.months) + 1))
        x0, y0, nrows, ncols = _empty_grid(extent, self.x, self.y, cell_m, 0.0)
        self.layout = DensityGrid(x0, y0, float(cell_m), np.zeros((nrows, ncols)), 0.0, "incidents per cell")
        self._layers: dict[float, np.ndarray] = {}
        self._memo: dict[tuple[str, str], Any] = {}

    @property
    def shape(self) -> tuple[int, int]:
        """``(nrows, ncols)`` of the grid."""
        return self.layout.shape

    def before(self, target: str) -> list[str]:
        """Months with data strictly before ``target``, oldest first."""
        return [m for m in self.months if m < target]

    def events_in(self, month: str) -> tuple[np.ndarray, np.ndarray]:
        """Return the x and y of the events of one month with data."""
        k = self._row[month]
        rows = self._order[self._starts[k] : self._starts[k + 1]]
        return self.x[rows], self.y[rows]

    def counts(self, month: str) -> np.ndarray:
        """Events per cell in one month (events outside the grid are left out)."""
        layer: np.ndarray = self._stack(0.0)[self._row[month]]
        return layer.reshape(self.shape)

    def smoothed(self, month: str, bandwidth_m: float) -> np.ndarray:
        """One month's events spread by the quartic kernel, as expected events per cell.

        Events outside the grid still add their kernel's tail to the cells inside.
        """
        if not bandwidth_m > 0:
            raise ValueError(f"bandwidth_m must be positive, got {bandwidth_m}")
        layer: np.ndarray = self._stack(bandwidth_m)[self._row[month]]
        return layer.reshape(self.shape)

    def weighted(self, weights: dict[str, float], *, bandwidth_m: float = 0.0) -> np.ndarray:
        """Sum of the months' layers times their weights: counts, or smoothed at ``bandwidth_m``."""
        vector = np.zeros(len(self.months), dtype=np.float32)
        for month, weight in weights.items():
            vector[self._row[month]] = weight
        total: np.ndarray = vector @ self._stack(bandwidth_m)
        return total.astype(float).reshape(self.shape)

    def total(self) -> int:
        """Located events held."""
        return int(self.x.size)

    def memoised(self, name: str) -> dict[str, Any]:
        """Return what :meth:`memo` holds under keys ``(name, ...)``, by the key's second part."""
        return {key[1]: value for key, value in self._memo.items() if key[0] == name}

    def memo(self, key: tuple[str, str], compute: Callable[[], _T]) -> _T:
        """Return ``compute()``, computed once per ``key`` for this history (a fitted model, say)."""
        if key not in self._memo:
            self._memo[key] = compute()
        # The memo holds values of many types; the one under ``key`` came from ``compute``.
        return cast(_T, self._memo[key])

    def _stack(self, bandwidth_m: float) -> np.ndarray:
        """One flat layer per month with data: counts (bandwidth 0) or smoothed counts."""
        key = float(bandwidth_m)
        if key not in self._layers:
            grid = self.layout
            # Single precision: half the memory and time of the matrix products, and far
            # finer than any difference between two cells that matters for ranking them.
            layers = np.zeros((len(self.months), grid.values.size), dtype=np.float32)
            for k, month in enumerate(self.months):
                x, y = self.events_in(month)
                if key == 0.0:
                    row, col = grid.cell_of(x, y)
                    inside = row >= 0
                    layers[k] = np.bincount(
                        row[inside] * self.shape[1] + col[inside], minlength=grid.values.size
                    )
                else:
                    density = kernel_density(x, y, cell_m=grid.cell_m, bandwidth_m=key, extent=grid.bounds)
                    layers[k] = density.values.ravel() * grid.cell_area_km2
            self._layers[key] = layers
        return self._layers[key]


def _ages(months: Sequence[str], target: str) -> np.ndarray:
    """Calendar months from each month to ``target`` (1 for the month just before)."""
    t = _month_index(target)
    return np.array([t - _month_index(m) for m in months], dtype=float)


def _decay_weights(months: Sequence[str], target: str, half_life: float) -> np.ndarray:
    """``0.5 ** (age / half_life)`` for each month, normalised to sum to one."""
    weights: np.ndarray = 0.5 ** (_ages(months, target) / half_life)
    return weights / float(weights.sum())


def _even(months: Sequence[str]) -> dict[str, float]:
    """Equal weights summing to one: the mean of the months."""
    return {m: 1 / len(months) for m in months}


def _decayed(months: Sequence[str], target: str, half_life: float) -> dict[str, float]:
    return dict(zip(months, _decay_weights(months, target, half_life).tolist(), strict=True))


class Method(Protocol):
    """What every candidate method offers (see the module notes)."""

    family: ClassVar[str]

    @property
    def name(self) -> str:
        """The method's short name (``kde(400m, 3mo)``), unique among candidates."""
        ...

    @property
    def params(self) -> dict[str, float]:
        """The parameters the method was made with, by name; its short name shows them."""
        ...

    def describe(self) -> str:
        """Return the method in plain words, its parameters written out."""
        ...

    def fit(self, history: EventHistory, target: str) -> np.ndarray:
        """Return the forecast for month ``target`` per grid cell, from the months before it only."""
        ...


def _check_positive(**values: float) -> None:
    problems = [f"{k} must be positive, got {v!r}" for k, v in values.items() if not (v > 0)]
    if problems:
        raise ValueError("; ".join(problems))


#: How each parameter is written in a method's short name.
_UNITS = {"months": "{:g}mo", "half_life": "half-life {:g}mo", "bandwidth_m": "{:g}m", "share": "{:.0%}"}


def _every(months: float) -> str:
    """``every month`` or ``every 6 months``."""
    return "every month" if months == 1 else f"every {months:g} months"


def _name(family: str, params: dict[str, float]) -> str:
    """``kde(400m, 3mo)``: a method's short name, unique among candidates and fit for a table."""
    inner = ", ".join(_UNITS[k].format(v) for k, v in params.items())
    return f"{family}({inner})" if inner else family


class _Candidate:
    """What the candidates share: a short name built from the family and parameters."""

    family: ClassVar[str]

    @property
    def params(self) -> dict[str, float]:
        raise NotImplementedError

    @property
    def name(self) -> str:
        """``kde(400m, 3mo)``: unique among candidates, short enough for a table."""
        return _name(self.family, self.params)


@dataclass(frozen=True)
class NaiveCounts(_Candidate):
    """The last ``months`` months with data, counted per cell: the baseline."""

    months: int = NAIVE_MONTHS
    family: ClassVar[str] = "naive"

    def __post_init__(self) -> None:
        _check_positive(months=self.months)

    @property
    def params(self) -> dict[str, float]:
        """The number of months counted."""
        return {"months": self.months}

    def describe(self) -> str:
        """Return the method in plain words, with how many months it counts."""
        return f"counts of the last {self.months} months (the naive baseline)"

    def fit(self, history: EventHistory, target: str) -> np.ndarray:
        """Return each cell's mean count over the last ``months`` months with data before ``target``."""
        used = history.before(target)[-self.months :]
        if not used:
            return np.zeros(history.shape)
        return history.weighted(_even(used))


@dataclass(frozen=True)
class DecayedCounts(_Candidate):
    """Counts over all history, each month weighted by ``0.5 ** (age / half_life)``."""

    half_life: float
    family: ClassVar[str] = "decayed_counts"

    def __post_init__(self) -> None:
        _check_positive(half_life=self.half_life)

    @property
    def params(self) -> dict[str, float]:
        """The half-life of a month's weight, in months."""
        return {"half_life": self.half_life}

    def describe(self) -> str:
        """Return the method in plain words, with its half-life."""
        return f"counts over all history, halving in weight {_every(self.half_life)}"

    def fit(self, history: EventHistory, target: str) -> np.ndarray:
        """Return each cell's counts before ``target``, a month's weight halving every ``half_life``."""
        used = history.before(target)
        if not used:
            return np.zeros(history.shape)
        return history.weighted(_decayed(used, target, self.half_life))


@dataclass(frozen=True)
class KernelDensity(_Candidate):
    """Quartic kernel density of the last ``months`` months with data."""

    bandwidth_m: float
    months: int = NAIVE_MONTHS
    family: ClassVar[str] = "kde"

    def __post_init__(self) -> None:
        _check_positive(bandwidth_m=self.bandwidth_m, months=self.months)

    @property
    def params(self) -> dict[str, float]:
        """The bandwidth in metres and the number of months smoothed."""
        return {"bandwidth_m": self.bandwidth_m, "months": self.months}

    def describe(self) -> str:
        """Return the method in plain words, with its months and bandwidth."""
        return f"kernel density of the last {self.months} months, {self.bandwidth_m:g} m bandwidth"

    def fit(self, history: EventHistory, target: str) -> np.ndarray:
        """Return the mean of the last ``months`` months with data before ``target``, kernel-smoothed."""
        used = history.before(target)[-self.months :]
        if not used:
            return np.zeros(history.shape)
        return history.weighted(_even(used), bandwidth_m=self.bandwidth_m)


@dataclass(frozen=True)
class ProspectiveKDE(_Candidate):
    """Kernel density of all history, recent months weighing most (Bowers, Johnson and Pease 2004)."""

    bandwidth_m: float
    half_life: float
    family: ClassVar[str] = "prospective"

    def __post_init__(self) -> None:
        _check_positive(bandwidth_m=self.bandwidth_m, half_life=self.half_life)

    @property
    def params(self) -> dict[str, float]:
        """The bandwidth in metres and the half-life of a month's weight, in months."""
        return {"bandwidth_m": self.bandwidth_m, "half_life": self.half_life}

    def describe(self) -> str:
        """Return the method in plain words, with its bandwidth and half-life."""
        return (
            f"prospective kernel density: {self.bandwidth_m:g} m bandwidth over all history, "
            f"halving in weight {_every(self.half_life)}"
        )

    def fit(self, history: EventHistory, target: str) -> np.ndarray:
        """Return the age-weighted counts of every month before ``target``, smoothed by the quartic kernel."""
        used = history.before(target)
        if not used:
            return np.zeros(history.shape)
        return history.weighted(_decayed(used, target, self.half_life), bandwidth_m=self.bandwidth_m)


@dataclass(frozen=True)
class Blend(_Candidate):
    """``(1 - share)`` decayed counts plus ``share`` prospective kernel density."""

    half_life: float
    bandwidth_m: float
    share: float
    family: ClassVar[str] = "blend"

    def __post_init__(self) -> None:
        _check_positive(half_life=self.half_life, bandwidth_m=self.bandwidth_m)
        if not 0 < self.share < 1:
            raise ValueError(f"share must be between 0 and 1, got {self.share!r}")

    @property
    def params(self) -> dict[str, float]:
        """The half-life, the bandwidth and the share of the smoothed part."""
        return {"half_life": self.half_life, "bandwidth_m": self.bandwidth_m, "share": self.share}

    def describe(self) -> str:
        """Return the method in plain words, with its half-life, share and bandwidth."""
        return (
            f"counts over all history halving in weight {_every(self.half_life)}, "
            f"plus {self.share:.0%} of the same smoothed at {self.bandwidth_m:g} m"
        )

    def fit(self, history: EventHistory, target: str) -> np.ndarray:
        """Return ``1 - share`` of the decayed counts plus ``share`` of the prospective density."""
        counts = DecayedCounts(self.half_life).fit(history, target)
        smooth = ProspectiveKDE(self.bandwidth_m, self.half_life).fit(history, target)
        return (1 - self.share) * counts + self.share * smooth


@dataclass(frozen=True)
class SelfExcitingFit:
    """Parameters of a fitted self-exciting model.

    Attributes
    ----------
    mu
        Background rate of each cell, events per month (grid shape).
    theta
        Events each event triggers on average in its own cell.
    beta
        Geometric decay of triggering: a triggered event follows its parent ``k``
        months later with probability ``(1 - beta) * beta ** (k - 1)``.
    iterations
        EM iterations run.
    """

    mu: np.ndarray
    theta: float
    beta: float
    iterations: int


@dataclass(frozen=True)
class SelfExciting(_Candidate):
    """Self-exciting point process on monthly cell counts (Mohler et al. 2011), fitted by EM."""

    max_iterations: int = 200
    tolerance: float = 1e-5
    family: ClassVar[str] = "self_exciting"

    @property
    def params(self) -> dict[str, float]:
        """No parameters (an empty mapping): ``mu``, ``theta`` and ``beta`` are fitted to each history."""
        return {}

    def describe(self) -> str:
        """Return the method in plain words."""
        return "self-exciting point process (each event raises its cell's rate for months after)"

    def fit(self, history: EventHistory, target: str) -> np.ndarray:
        """Return each cell's expected count in ``target``: background plus earlier months' excitation."""
        used = history.before(target)
        if not used:
            return np.zeros(history.shape)
        fitted = self.fit_parameters(history, target)
        counts, months = _present_stack(history, used)
        ages = _month_index(target) - months
        # The excitation of the target month: every earlier month's counts, decayed by age.
        excitation: np.ndarray = (fitted.beta ** (ages - 1)) @ counts
        return fitted.mu + (fitted.theta * (1 - fitted.beta) * excitation).reshape(history.shape)

    def fit_parameters(self, history: EventHistory, target: str) -> SelfExcitingFit:
        """Fit ``mu``, ``theta`` and ``beta`` on the months before ``target`` by EM.

        The fit for the latest earlier target of the same history, when there is one,
        is the starting point, so a backtest's month-by-month fits converge quickly.
        """

        def compute() -> SelfExcitingFit:
            used = history.before(target)
            counts, months = _present_stack(history, used)
            start = _latest_fit(history, self.name, target)
            return _fit_self_exciting(
                counts, months, history.shape, self.max_iterations, self.tolerance, start
            )

        return history.memo((self.name, target), compute)


def _latest_fit(history: EventHistory, name: str, target: str) -> SelfExcitingFit | None:
    fits = history.memoised(name)
    earlier = [month for month in fits if month < target]
    return fits[max(earlier)] if earlier else None


def _present_stack(history: EventHistory, months: Sequence[str]) -> tuple[np.ndarray, np.ndarray]:
    """Return the counts of the given months (one flat row each) and their calendar month numbers."""
    stack = np.stack([history.counts(m).ravel() for m in months])
    return stack, np.array([_month_index(m) for m in months])


def _recursions(counts: np.ndarray, months: np.ndarray, beta: float) -> tuple[np.ndarray, np.ndarray]:
    """For each month ``j`` with data, ``S_j`` and ``U_j`` over the earlier months ``i`` with data.

    ``S_j = sum_i beta ** (t_j - t_i - 1) * c_i`` (the decayed parents) and
    ``U_j = sum_i (t_j - t_i) * beta ** (t_j - t_i - 1) * c_i`` (the same weighted by lag,
    for the mean lag of triggered events), computed in one pass: with ``d = t_j - t_{j-1}``,
    ``S_j = beta**d * S_{j-1} + beta**(d-1) * c_{j-1}`` and
    ``U_j = beta**d * U_{j-1} + d * beta**d * S_{j-1} + d * beta**(d-1) * c_{j-1}``.
    A gap of missing months only decays what came before it.
    """
    s = np.zeros_like(counts)
    u = np.zeros_like(counts)
    for j in range(1, counts.shape[0]):
        d = float(months[j] - months[j - 1])
        bd, bd1 = beta**d, beta ** (d - 1)
        s[j] = bd * s[j - 1] + bd1 * counts[j - 1]
        u[j] = bd * u[j - 1] + d * bd * s[j - 1] + d * bd1 * counts[j - 1]
    return s, u


def _fit_self_exciting(
    counts: np.ndarray,
    months: np.ndarray,
    shape: tuple[int, int],
    max_iterations: int,
    tolerance: float,
    start: SelfExcitingFit | None = None,
) -> SelfExcitingFit:
    """Fit ``lambda[j, n] = mu[n] + theta * (1 - beta) * S[j, n]`` by expectation maximisation.

    E-step: each month's count in a cell is shared between background and triggering
    in proportion to ``mu`` and ``theta * (1 - beta) * S``; M-step: ``mu`` is the
    background share per month observed, ``theta`` the triggered events over the
    offspring the parents could have had in the months observed, and ``beta`` from the
    mean lag of the triggered events (a geometric lag has mean ``1 / (1 - beta)``).
    Only cells with any event are fitted; the others have ``mu = 0``. The first month
    has no past, so all of it is background.
    """
    occupied = counts.sum(axis=0) > 0
    c = counts[:, occupied]
    n_months = c.shape[0]
    if start is not None:
        mu, theta, beta = start.mu.ravel()[occupied], start.theta, start.beta
    else:
        mu, theta, beta = c.mean(axis=0), 0.2, 0.5
    iterations = 0
    for iterations in range(1, max_iterations + 1):  # noqa: B007 (reported in the fit)
        s, u = _recursions(c, months, beta)
        trig = theta * (1 - beta) * s
        lam = mu + trig
        with np.errstate(divide="ignore", invalid="ignore"):
            share = np.where(lam > 0, trig / lam, 0.0)
            lag_share = np.where(s > 0, share * u / s, 0.0)
        triggered = float((c * share).sum())
        new_mu = (c * (1 - share)).sum(axis=0) / n_months
        room = float(((1 - beta) * s).sum())
        new_theta = min(triggered / room, 0.99) if room > 0 else 0.0
        mean_lag = float((c * lag_share).sum() / triggered) if triggered > 0 else 1.0
        new_beta = min(max(1 - 1 / max(mean_lag, 1.0), 0.0), 0.99)
        change = max(
            float(np.abs(new_mu - mu).max(initial=0.0)), abs(new_theta - theta), abs(new_beta - beta)
        )
        mu, theta, beta = new_mu, new_theta, new_beta
        if change < tolerance:
            break
    full = np.zeros(occupied.size)
    full[occupied] = mu
    return SelfExcitingFit(full.reshape(shape), theta, beta, iterations)


#: The candidates every stream is backtested with, simplest first (ties go to the earlier).
DEFAULT_CANDIDATES: tuple[Method, ...] = (
    NaiveCounts(),
    *(DecayedCounts(h) for h in (1.0, 3.0, 6.0, 12.0, 24.0)),
    *(KernelDensity(b) for b in (100.0, 200.0, 400.0, 800.0)),
    *(ProspectiveKDE(b, h) for b in (200.0, 400.0) for h in (1.0, 3.0)),
    *(Blend(h, b, s) for h in (6.0, 12.0) for b in (200.0, 400.0) for s in (0.1, 0.3)),
    SelfExciting(),
)


def method_from_name(name: str, candidates: Sequence[Method] = DEFAULT_CANDIDATES) -> Method:
    """Return the candidate called ``name`` (as :attr:`Method.name` writes it)."""
    for method in candidates:
        if method.name == name:
            return method
    known = ", ".join(m.name for m in candidates)
    raise ValueError(f"no candidate method named {name!r}; known: {known}")
