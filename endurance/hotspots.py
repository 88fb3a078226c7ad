"""Find, test and score hotspots of off-road-bike incidents.

Every function here is pure: it takes coordinates in the project CRS (British National
Grid, metres), timestamps or counts, and returns numbers, masks or small records. None
reads the warehouse; the flow and the marts do that and pass the arrays in.

Kernel density (:func:`kernel_density`)
    Each incident is spread over the ground around it as a smooth bump, the quartic
    (biweight) kernel ``K(d) = 3 / (pi h^2) * (1 - d^2 / h^2)^2`` for a distance ``d``
    below the *bandwidth* ``h`` and zero beyond it. The bump holds exactly one incident,
    so adding the bumps gives a surface whose integral is the number of incidents; read
    at the centre of each cell of a regular grid it is a density in incidents per km².
    The bandwidth is how far one incident's influence reaches: small bandwidths draw
    every cluster of two reports as a hotspot, large ones smear a whole estate into one
    blob. The defaults, 100 m cells and a 400 m bandwidth, suit tasking patrols: a cell is
    about a street block, a bandwidth is a few streets, about what a patrol can watch
    from one spot. Both are stated in metres on the ground, not in screen pixels, so a
    map means the same at every zoom and two periods on the same grid can be compared.

Top cells (:func:`hotspot_cells`, :func:`dissolve_hotspots`)
    A hotspot map flags a fixed share of the study area (by default 5 % of its cells),
    the densest cells first, so maps of quiet and busy months cover the same ground.
    Touching flagged cells are dissolved into areas named after the gazetteer place they
    overlap most, else the ward they overlap most.

Getis-Ord Gi* (:func:`getis_ord_gi_star`)
    Asks of each cell (or ward) whether it and its neighbours together hold more (or
    fewer) incidents than chance would put there, as a z-score. With thousands of cells
    some pass any threshold by luck, so the p-values are adjusted by the
    Benjamini-Hochberg false discovery rate procedure: of the areas called significant
    at 95 %, about 5 % at most are expected to be false alarms, however many are tested.

Change (:func:`change_test`, :func:`compare_periods`)
    Two counts of incidents are compared with the conditional binomial test: if both are
    Poisson with the same rate, then given their total ``n = a + b`` the current count is
    ``Binomial(n, 1/2)``; the exact two-sided p-value says how surprising the split is.
    Small counts rarely differ significantly, which is the point.

Trend (:func:`mann_kendall`, :func:`trend_label`)
    The Mann-Kendall test counts, over every pair of months, whether the later one is
    higher or lower; a large surplus either way is a monotonic trend, whatever its shape.

Evaluation (:func:`evaluate_hotspots`, :func:`score_hotspots`)
    Hotspots from one period are scored on the next period's incidents: the *hit rate*
    is the share of those incidents inside the flagged cells, the Predictive Accuracy
    Index ``PAI = (n / N) / (a / A)`` divides it by the flagged share of the study area.
    The same is done for a naive baseline (last period's raw counts per cell), which a
    density map must beat to earn its keep.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal

import numpy as np
import pandas as pd
import shapely
from scipy import ndimage, sparse, stats
from shapely.geometry.base import BaseGeometry

from endurance.periods import Period

__all__ = [
    "ChangeResult",
    "DensityGrid",
    "Evaluation",
    "GiStar",
    "HotspotArea",
    "MannKendall",
    "Score",
    "area_weights",
    "benjamini_hochberg",
    "change_test",
    "compare_periods",
    "count_grid",
    "dissolve_hotspots",
    "evaluate_hotspots",
    "getis_ord_gi_star",
    "grid_weights",
    "hotspot_cells",
    "kernel_density",
    "mann_kendall",
    "monthly_chart_png",
    "score_hotspots",
    "temporal_profile",
    "trend_label",
]

#: Default cell size (metres): about a street block.
DEFAULT_CELL_M = 100.0
#: Default kernel bandwidth (metres): a few streets, what one patrol can cover.
DEFAULT_BANDWIDTH_M = 400.0
#: Days in an average month, the unit of a rate when ``period_days`` is given.
DAYS_PER_MONTH = 365.25 / 12
#: Most cells a grid may have: a 35 km x 28 km force at 10 m would be ~10 million.
_MAX_CELLS = 20_000_000
_M2_PER_KM2 = 1e6
_WEEKDAYS = ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun")


# --------------------------------------------------------------------------- grid


@dataclass(frozen=True)
class DensityGrid:
    """Values on a regular grid of square cells in British National Grid metres.

    Row 0 is the southern-most row and column 0 the western-most; cell ``(r, c)``
    covers ``x0 + c * cell_m <= x < x0 + (c + 1) * cell_m`` and the same in y from
    ``y0``. Flat cell numbers, where used, are row-major: ``r * ncols + c``.

    Attributes
    ----------
    x0, y0
        South-west corner of the grid (metres).
    cell_m
        Side of a cell (metres).
    values
        2-D array of shape ``(nrows, ncols)``.
    bandwidth_m
        Kernel bandwidth used (metres); 0 for a grid of raw counts.
    unit
        What a value means, e.g. ``'incidents per km²'``.
    """

    x0: float
    y0: float
    cell_m: float
    values: np.ndarray
    bandwidth_m: float = 0.0
    unit: str = "incidents per km²"

    @property
    def shape(self) -> tuple[int, int]:
        """``(nrows, ncols)``."""
        return (int(self.values.shape[0]), int(self.values.shape[1]))

    @property
    def cell_area_km2(self) -> float:
        """Area of one cell in km²."""
        return self.cell_m * self.cell_m / _M2_PER_KM2

    @property
    def bounds(self) -> tuple[float, float, float, float]:
        """``(xmin, ymin, xmax, ymax)`` of the whole grid."""
        nrows, ncols = self.shape
        return (self.x0, self.y0, self.x0 + ncols * self.cell_m, self.y0 + nrows * self.cell_m)

    def centres(self) -> tuple[np.ndarray, np.ndarray]:
        """Return the x and y of every cell centre as two arrays of the grid's shape."""
        nrows, ncols = self.shape
        xs = self.x0 + (np.arange(ncols) + 0.5) * self.cell_m
        ys = self.y0 + (np.arange(nrows) + 0.5) * self.cell_m
        cx, cy = np.meshgrid(xs, ys)
        return cx, cy

    def cell_polygons(self, mask: np.ndarray | None = None) -> np.ndarray:
        """Return the cells as shapely squares, flat in row-major order.

        Parameters
        ----------
        mask
            Boolean array of the grid's shape; only the cells where it is true are
            returned (still row-major).
        """
        rows, cols = self._cells(mask)
        xmin = self.x0 + cols * self.cell_m
        ymin = self.y0 + rows * self.cell_m
        return shapely.box(xmin, ymin, xmin + self.cell_m, ymin + self.cell_m)

    def cell_of(self, x: Any, y: Any) -> tuple[np.ndarray, np.ndarray]:
        """Return the row and column of the cell holding each point, -1 outside the grid."""
        x = np.asarray(x, dtype=float)
        y = np.asarray(y, dtype=float)
        nrows, ncols = self.shape
        with np.errstate(invalid="ignore"):
            col = np.floor((x - self.x0) / self.cell_m)
            row = np.floor((y - self.y0) / self.cell_m)
        inside = (col >= 0) & (col < ncols) & (row >= 0) & (row < nrows)
        return np.where(inside, row, -1).astype(np.int64), np.where(inside, col, -1).astype(np.int64)

    def mask_within(self, area: BaseGeometry) -> np.ndarray:
        """Return a boolean mask of the cells whose centre lies in ``area`` (e.g. the force area)."""
        cx, cy = self.centres()
        return np.asarray(shapely.contains_xy(area, cx, cy), dtype=bool)

    def _cells(self, mask: np.ndarray | None) -> tuple[np.ndarray, np.ndarray]:
        if mask is None:
            mask = np.ones(self.shape, dtype=bool)
        _check_mask(self, mask)
        rows, cols = np.nonzero(mask)
        return rows, cols


def _check_mask(grid: DensityGrid, mask: np.ndarray, name: str = "mask") -> None:
    if mask.shape != grid.shape or mask.dtype != bool:
        raise ValueError(
            f"{name} must be a boolean array of the grid's shape {grid.shape}, "
            f"got {mask.dtype} array of shape {mask.shape}"
        )


def _xy(x: Any, y: Any, name: str = "x, y") -> tuple[np.ndarray, np.ndarray]:
    xa = np.asarray(x, dtype=float).ravel()
    ya = np.asarray(y, dtype=float).ravel()
    if xa.shape != ya.shape:
        raise ValueError(f"{name} must have the same length, got {xa.size} and {ya.size}")
    keep = np.isfinite(xa) & np.isfinite(ya)
    return xa[keep], ya[keep]


def _empty_grid(
    extent: tuple[float, float, float, float] | None,
    x: np.ndarray,
    y: np.ndarray,
    cell_m: float,
    pad_m: float,
) -> tuple[float, float, int, int]:
    """Choose a grid origin and size; corners snap to multiples of ``cell_m`` so grids align."""
    if extent is None:
        if x.size == 0:
            raise ValueError("extent must be given when there are no points to take it from")
        extent = (x.min() - pad_m, y.min() - pad_m, x.max() + pad_m, y.max() + pad_m)
    xmin, ymin, xmax, ymax = (float(v) for v in extent)
    if not (xmax > xmin and ymax > ymin):
        raise ValueError(f"extent must be (xmin, ymin, xmax, ymax) with max > min, got {extent}")
    x0 = math.floor(xmin / cell_m) * cell_m
    y0 = math.floor(ymin / cell_m) * cell_m
    ncols = max(1, math.ceil((xmax - x0) / cell_m - 1e-9))
    nrows = max(1, math.ceil((ymax - y0) / cell_m - 1e-9))
    if nrows * ncols > _MAX_CELLS:
        raise ValueError(
            f"a grid of {nrows} x {ncols} cells of {cell_m} m over extent {extent} is too large "
            f"(at most {_MAX_CELLS:,} cells): use larger cells or a smaller extent"
        )
    return x0, y0, nrows, ncols


def kernel_density(
    x: Any,
    y: Any,
    *,
    cell_m: float = DEFAULT_CELL_M,
    bandwidth_m: float = DEFAULT_BANDWIDTH_M,
    extent: tuple[float, float, float, float] | None = None,
    weights: Any = None,
    period_days: float | None = None,
) -> DensityGrid:
    """Estimate incident density on a grid with the quartic kernel.

    Parameters
    ----------
    x, y
        Incident coordinates, British National Grid metres. Points with a NaN are dropped.
    cell_m
        Side of a grid cell (metres). 100 m by default: about a street block.
    bandwidth_m
        Kernel radius ``h`` (metres): an incident adds to cells whose centre is nearer
        than this. 400 m by default: a few streets.
    extent
        ``(xmin, ymin, xmax, ymax)`` the grid must cover, e.g. the force area's bounds;
        corners are snapped outwards to multiples of ``cell_m`` so grids of different
        periods line up. By default, the points' bounds widened by the bandwidth.
        Points outside it still add their kernel's tail to the cells inside.
    weights
        A weight per point (e.g. 0.5 for a duplicate report); 1 each by default.
    period_days
        Length of the period the points cover. When given, values are a rate in incidents
        per km² per average month (30.44 days) so periods of different lengths compare;
        otherwise incidents per km² over the period.

    Returns
    -------
    DensityGrid
        Density at each cell centre. Summing ``values * cell_area_km2`` gives back the
        (weighted) number of incidents, less any kernel mass falling outside the grid.
    """
    if not (cell_m > 0 and bandwidth_m > 0):
        raise ValueError(f"cell_m and bandwidth_m must be positive, got {cell_m} and {bandwidth_m}")
    if period_days is not None and not period_days > 0:
        raise ValueError(f"period_days must be positive, got {period_days}")
    xr = np.asarray(x, dtype=float).ravel()
    yr = np.asarray(y, dtype=float).ravel()
    if xr.shape != yr.shape:
        raise ValueError(f"x and y must have the same length, got {xr.size} and {yr.size}")
    w = np.ones_like(xr) if weights is None else np.asarray(weights, dtype=float).ravel()
    if w.shape != xr.shape:
        raise ValueError(f"weights must have one value per point ({xr.size}), got {w.size}")
    keep = np.isfinite(xr) & np.isfinite(yr) & np.isfinite(w)
    xr, yr, w = xr[keep], yr[keep], w[keep]
    x0, y0, nrows, ncols = _empty_grid(extent, xr, yr, cell_m, bandwidth_m)
    values = _quartic_sum(xr, yr, w, x0, y0, nrows, ncols, cell_m, bandwidth_m) * _M2_PER_KM2
    unit = "incidents per km²"
    if period_days is not None:
        values *= DAYS_PER_MONTH / period_days
        unit = "incidents per km² per month"
    return DensityGrid(
        x0=x0, y0=y0, cell_m=float(cell_m), values=values, bandwidth_m=float(bandwidth_m), unit=unit
    )


def _quartic_sum(
    x: np.ndarray,
    y: np.ndarray,
    w: np.ndarray,
    x0: float,
    y0: float,
    nrows: int,
    ncols: int,
    cell: float,
    h: float,
) -> np.ndarray:
    """Sum the quartic kernels (per m²) at cell centres.

    Each point only reaches the cells of a small window around its own cell, so the
    loop runs over the window's offsets (81 for the defaults) and each step is one
    vectorised pass over all points: about ``n * (2h / cell)^2`` kernel evaluations.
    """
    out = np.zeros(nrows * ncols)
    if x.size == 0:
        return out.reshape(nrows, ncols)
    col = np.floor((x - x0) / cell).astype(np.int64)
    row = np.floor((y - y0) / cell).astype(np.int64)
    # Offsets of the point within its cell, from the cell's centre.
    fx = x - (x0 + (col + 0.5) * cell)
    fy = y - (y0 + (row + 0.5) * cell)
    reach = math.ceil(h / cell) + 1
    norm = 3.0 / (math.pi * h * h)
    h2 = h * h
    for dr in range(-reach, reach + 1):
        rr = row + dr
        row_ok = (rr >= 0) & (rr < nrows)
        dy2 = (dr * cell - fy) ** 2
        for dc in range(-reach, reach + 1):
            cc = col + dc
            d2 = (dc * cell - fx) ** 2 + dy2
            ok = row_ok & (cc >= 0) & (cc < ncols) & (d2 < h2)
            if not ok.any():
                continue
            u = 1.0 - d2[ok] / h2
            out += np.bincount(rr[ok] * ncols + cc[ok], weights=w[ok] * norm * u * u, minlength=out.size)
    return out.reshape(nrows, ncols)


def count_grid(x: Any, y: Any, like: DensityGrid) -> DensityGrid:
    """Count the points in each cell of a grid laid out like ``like`` (the naive baseline)."""
    xa, ya = _xy(x, y)
    row, col = like.cell_of(xa, ya)
    inside = row >= 0
    nrows, ncols = like.shape
    counts = np.bincount(row[inside] * ncols + col[inside], minlength=nrows * ncols).astype(float)
    return DensityGrid(like.x0, like.y0, like.cell_m, counts.reshape(nrows, ncols), 0.0, "incidents per cell")


# --------------------------------------------------------------------------- top cells


def hotspot_cells(
    grid: DensityGrid, *, coverage: float = 0.05, study_mask: np.ndarray | None = None
) -> np.ndarray:
    """Flag the densest cells covering a fixed share of the study area.

    Parameters
    ----------
    grid
        A density (or count) grid.
    coverage
        Share of the study cells to flag, in (0, 1]: ``ceil(coverage * study cells)``
        cells are flagged.
    study_mask
        Boolean array of the grid's shape: the cells of the study area (e.g. from
        :meth:`DensityGrid.mask_within` of the force area). All cells by default.

    Returns
    -------
    numpy.ndarray
        Boolean mask of the grid's shape. Cells are ranked by value, highest first;
        equal values go to the lower flat cell number (south first, then west first), so
        the choice is deterministic. A cell whose value is zero is never flagged, so
        fewer cells are flagged when fewer have any incidents.
    """
    if not 0 < coverage <= 1:
        raise ValueError(f"coverage must be a share in (0, 1], got {coverage}")
    study = np.ones(grid.shape, dtype=bool) if study_mask is None else study_mask
    _check_mask(grid, study, "study_mask")
    flat_values = grid.values.ravel()
    candidates = np.flatnonzero(study.ravel())
    wanted = math.ceil(coverage * candidates.size - 1e-9)
    order = np.lexsort((candidates, -flat_values[candidates]))
    chosen = candidates[order[:wanted]]
    chosen = chosen[flat_values[chosen] > 0]
    flags = np.zeros(flat_values.size, dtype=bool)
    flags[chosen] = True
    return flags.reshape(grid.shape)


@dataclass(frozen=True)
class HotspotArea:
    """A patch of touching flagged cells, dissolved into one polygon and named.

    Attributes
    ----------
    name
        Gazetteer place or ward it overlaps most (numbered if two patches share a name).
    named_after
        ``'place'``, ``'ward'`` or ``'none'`` (then named ``'Hotspot N'``).
    geometry
        The dissolved cells (British National Grid).
    n_cells, area_km2
        Size of the patch.
    peak, mean
        Highest and mean cell value, in the grid's unit.
    """

    name: str
    named_after: Literal["place", "ward", "none"]
    geometry: BaseGeometry
    n_cells: int
    area_km2: float
    peak: float
    mean: float


def dissolve_hotspots(
    grid: DensityGrid,
    mask: np.ndarray,
    *,
    places: Mapping[str, BaseGeometry] | None = None,
    wards: Mapping[str, BaseGeometry] | None = None,
) -> list[HotspotArea]:
    """Dissolve flagged cells that share an edge into named hotspot areas.

    Parameters
    ----------
    grid
        The grid the mask was drawn on.
    mask
        Flagged cells, e.g. from :func:`hotspot_cells`.
    places
        Gazetteer polygons by name: a patch is named after the one it overlaps most.
    wards
        Ward polygons by name: used when a patch overlaps no place.

    Returns
    -------
    list of HotspotArea
        Highest peak first. Cells touching only at a corner form separate areas, so each
        area is one polygon.
    """
    _check_mask(grid, mask)
    labels, count = ndimage.label(mask)  # edge-sharing (rook) connectivity
    rows, cols = np.nonzero(mask)
    cells = grid.cell_polygons(mask)
    cell_labels = labels[rows, cols]
    cell_values = grid.values[rows, cols]
    patches = []
    for label in range(1, count + 1):
        members = cell_labels == label
        geometry = shapely.union_all(cells[members])
        vals = cell_values[members]
        patches.append((geometry, int(members.sum()), float(vals.max()), float(vals.mean())))
    patches.sort(key=lambda p: (-p[2], p[0].bounds))
    areas: list[HotspotArea] = []
    used: dict[str, int] = {}
    for number, (geometry, n, peak, mean) in enumerate(patches, start=1):
        kind: Literal["place", "ward", "none"] = "place"
        name = _best_overlap(geometry, places)
        if name is None:
            name, kind = _best_overlap(geometry, wards), "ward"
        if name is None:
            name, kind = f"Hotspot {number}", "none"
        used[name] = used.get(name, 0) + 1
        if used[name] > 1:
            name = f"{name} ({used[name]})"
        areas.append(HotspotArea(name, kind, geometry, n, n * grid.cell_area_km2, peak, mean))
    return areas


def _best_overlap(geometry: BaseGeometry, layer: Mapping[str, BaseGeometry] | None) -> str | None:
    if not layer:
        return None
    names = list(layer)
    overlaps = shapely.area(shapely.intersection(np.array([layer[n] for n in names], dtype=object), geometry))
    best = None
    best_area = 0.0
    for name, area in sorted(zip(names, overlaps, strict=True)):
        if area > best_area:  # strict: equal overlaps go to the name first alphabetically
            best, best_area = name, float(area)
    return best


# --------------------------------------------------------------------------- Gi*


@dataclass(frozen=True)
class GiStar:
    """Getis-Ord Gi* for each cell or area, in the order of the weights' ids.

    Attributes
    ----------
    z
        Gi* z-scores (positive: a cluster of high values).
    p
        Two-sided p-values from the normal approximation.
    p_adjusted
        Benjamini-Hochberg adjusted p-values (equal to ``p`` when FDR control is off).
    label
        ``'hot 99%'``, ``'hot 95%'``, ``'hot 90%'``, the same for ``'cold'``, or
        ``'not significant'``, from ``p_adjusted`` and the sign of ``z``.
    ids
        The weights' ids, one per value.
    """

    z: np.ndarray
    p: np.ndarray
    p_adjusted: np.ndarray
    label: np.ndarray
    ids: tuple[Any, ...]


def benjamini_hochberg(p: Any) -> np.ndarray:
    """Return Benjamini-Hochberg adjusted p-values (q-values).

    Sorting the ``m`` p-values ascending, the ``k``-th is scaled by ``m / k`` and then
    made monotone from the largest down; a test is significant at false discovery rate
    ``q`` when its adjusted value is at most ``q``.
    """
    pv = np.asarray(p, dtype=float).ravel()
    if pv.size == 0:
        return pv.copy()
    if np.any(~np.isfinite(pv) | (pv < 0) | (pv > 1)):
        raise ValueError("p-values must all be finite and in [0, 1]")
    m = pv.size
    order = np.argsort(pv, kind="stable")
    scaled = pv[order] * m / np.arange(1, m + 1)
    monotone = np.minimum.accumulate(scaled[::-1])[::-1]
    out = np.empty(m)
    out[order] = np.minimum(monotone, 1.0)
    return out


def grid_weights(grid: DensityGrid, mask: np.ndarray | None = None) -> Any:
    """Return queen-contiguity weights between the (masked) cells of a grid.

    Cells are neighbours when they share an edge or a corner. The ids are the flat
    row-major cell numbers of the masked cells, in increasing order, so values for
    :func:`getis_ord_gi_star` are ``grid.values[mask]``.
    """
    from libpysal.weights import W

    rows, cols = grid._cells(mask)
    nrows, ncols = grid.shape
    position = np.full(nrows * ncols, -1, dtype=np.int64)
    flat = rows * ncols + cols
    position[flat] = np.arange(flat.size)
    src: list[np.ndarray] = []
    dst: list[np.ndarray] = []
    for dr in (-1, 0, 1):
        for dc in (-1, 0, 1):
            if dr == dc == 0:
                continue
            r2, c2 = rows + dr, cols + dc
            ok = (r2 >= 0) & (r2 < nrows) & (c2 >= 0) & (c2 < ncols)
            target = np.full(rows.size, -1, dtype=np.int64)
            target[ok] = position[r2[ok] * ncols + c2[ok]]
            has = target >= 0
            src.append(np.flatnonzero(has))
            dst.append(target[has])
    i, j = np.concatenate(src), np.concatenate(dst)
    matrix = sparse.csr_matrix((np.ones(i.size), (i, j)), shape=(flat.size, flat.size))
    ids = flat.tolist()
    ptr, idx = matrix.indptr, matrix.indices
    neighbours = {ids[k]: [ids[m] for m in idx[ptr[k] : ptr[k + 1]]] for k in range(flat.size)}
    return W(neighbours, id_order=ids, silence_warnings=True)


def area_weights(geometries: Mapping[str, BaseGeometry]) -> Any:
    """Return polygon-contiguity (queen) weights between areas such as wards, keyed by name."""
    from libpysal.weights import Queen

    ids = list(geometries)
    return Queen.from_iterable([geometries[i] for i in ids], ids=ids, silence_warnings=True)


def getis_ord_gi_star(values: Any, weights: Any, *, fdr: bool = True) -> GiStar:
    """Test each cell or area for a cluster of high or low values with Getis-Ord Gi*.

    Parameters
    ----------
    values
        One value per id of ``weights``, in the weights' id order. Use counts per cell
        (or per ward), not a kernel density: smoothing already spreads each incident
        over its neighbours, which makes nearly every cell of a busy area "significant".
    weights
        libpysal weights, from :func:`grid_weights` or :func:`area_weights`. Binary
        contiguity is used and each area counts as its own neighbour (the star).
    fdr
        Control the false discovery rate with Benjamini-Hochberg (default). Without it
        every p-value is used as it is and noise produces "hotspots" at the nominal rate.

    Returns
    -------
    GiStar
    """
    from esda import G_Local

    y = np.asarray(values, dtype=float).ravel()
    if y.size != weights.n:
        raise ValueError(f"values must have one value per id of weights ({weights.n}), got {y.size}")
    if not np.all(np.isfinite(y)):
        raise ValueError("values must all be finite")
    if np.ptp(y) == 0:
        raise ValueError("values are all equal, so Gi* cannot be computed (no variance)")
    gi = G_Local(y, weights, transform="B", permutations=0, star=True)
    z = np.asarray(gi.Zs, dtype=float)
    p = np.minimum(2.0 * stats.norm.sf(np.abs(z)), 1.0)
    p_adj = benjamini_hochberg(p) if fdr else p
    label = np.full(y.size, "not significant", dtype=object)
    for level, cutoff in (("90%", 0.10), ("95%", 0.05), ("99%", 0.01)):
        label[(p_adj <= cutoff) & (z > 0)] = f"hot {level}"
        label[(p_adj <= cutoff) & (z < 0)] = f"cold {level}"
    return GiStar(z=z, p=p, p_adjusted=p_adj, label=label, ids=tuple(weights.id_order))


# --------------------------------------------------------------------------- change


@dataclass(frozen=True)
class ChangeResult:
    """Two counts compared with the conditional binomial test.

    Attributes
    ----------
    current, previous
        The counts.
    ratio
        ``current / previous`` (inf when only the previous is zero, NaN when both are).
    p_value
        Exact two-sided p-value.
    label
        ``'up'``, ``'down'`` or ``'no significant change'``.
    """

    current: int
    previous: int
    ratio: float
    p_value: float
    label: Literal["up", "down", "no significant change"]


def change_test(current: int, previous: int, *, exposure: float = 1.0, alpha: float = 0.05) -> ChangeResult:
    """Test whether a count changed between two periods, as Poisson counts.

    Parameters
    ----------
    current, previous
        Incident counts (non-negative integers).
    exposure
        Length of the current period over the previous one (e.g. 31/28 for January
        against February); under no change the current count's share of the total is
        ``exposure / (1 + exposure)``.
    alpha
        Significance level for the label.
    """
    problems = [
        f"{n} must be a non-negative integer, got {v!r}"
        for n, v in (("current", current), ("previous", previous))
        if not (isinstance(v, int | np.integer) and v >= 0)
    ]
    if not exposure > 0:
        problems.append(f"exposure must be positive, got {exposure}")
    if problems:
        raise ValueError("; ".join(problems))
    a, b = int(current), int(previous)
    n = a + b
    share = exposure / (1.0 + exposure)
    p_value = 1.0 if n == 0 else float(stats.binomtest(a, n, share).pvalue)
    # Only the previous count at zero: an infinite rise; both at zero: no ratio at all.
    ratio = a / b if b > 0 else (math.inf if a > 0 else math.nan)
    label: Literal["up", "down", "no significant change"] = "no significant change"
    if p_value < alpha:
        label = "up" if a > n * share else "down"
    return ChangeResult(a, b, ratio, p_value, label)


def _shift(period: Period, months: int) -> Period:
    def move(month: str) -> str:
        year, mon = map(int, month.split("-"))
        index = year * 12 + mon - 1 + months
        return f"{index // 12:04d}-{index % 12 + 1:02d}"

    return Period(move(period.start), move(period.end))


def _months(period: Period) -> int:
    (y1, m1), (y2, m2) = (map(int, period.start.split("-")), map(int, period.end.split("-")))
    return (y2 - y1) * 12 + m2 - m1 + 1


def compare_periods(
    counts: pd.DataFrame,
    period: Period,
    *,
    area: str = "area",
    month: str = "month",
    count: str = "count",
    alpha: float = 0.05,
) -> pd.DataFrame:
    """Compare each area's count in a period with the previous period and the year before.

    Parameters
    ----------
    counts
        Tidy monthly counts: one row per area and month (``YYYY-MM``); a missing row is
        zero incidents.
    period
        The current period. The previous period is the same number of months just
        before it; the year before is the same months twelve months earlier.

    Returns
    -------
    pandas.DataFrame
        One row per area: ``current``, and for ``previous`` and ``year_ago`` the count,
        ``ratio_*``, ``p_*`` and ``change_*`` from :func:`change_test`.
    """
    missing = [c for c in (area, month, count) if c not in counts.columns]
    if missing:
        raise ValueError(f"counts lacks column(s) {missing}; it has {list(counts.columns)}")
    span = _months(period)
    windows = {"current": period, "previous": _shift(period, -span), "year_ago": _shift(period, -12)}
    months = counts[month].astype(str)
    table = pd.DataFrame(index=pd.Index(sorted(counts[area].unique()), name=area))
    for key, window in windows.items():
        inside = (months >= window.start) & (months <= window.end)
        sums = counts.loc[inside].groupby(area)[count].sum()
        table[key] = sums.reindex(table.index, fill_value=0).astype(int)
    for key in ("previous", "year_ago"):
        results = [
            change_test(int(c), int(p), alpha=alpha)
            for c, p in zip(table["current"], table[key], strict=True)
        ]
        table[f"ratio_{key}"] = [r.ratio for r in results]
        table[f"p_{key}"] = [r.p_value for r in results]
        table[f"change_{key}"] = [r.label for r in results]
    return table.reset_index()


# --------------------------------------------------------------------------- trend


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


# --------------------------------------------------------------------------- time


def temporal_profile(timestamps: Any, *, timezone: str = "Europe/London") -> pd.DataFrame:
    """Count incidents by hour of day (rows 0-23) and day of week (columns Mon-Sun).

    Naive timestamps are taken as local clock time; aware ones are converted to
    ``timezone`` first, so a summer evening is not counted an hour early. Missing
    timestamps are dropped.
    """
    ts = pd.to_datetime(pd.Series(np.asarray(timestamps, dtype=object)), errors="raise")
    if isinstance(ts.dtype, pd.DatetimeTZDtype):
        ts = ts.dt.tz_convert(timezone)
    ts = ts.dropna()
    table = pd.crosstab(ts.dt.hour, ts.dt.day_of_week)
    table = table.reindex(index=range(24), columns=range(7), fill_value=0).astype(int)
    table.index.name = "hour"
    table.columns = pd.Index(_WEEKDAYS, name="weekday")
    return table


def monthly_chart_png(
    counts_by_month: pd.Series,
    path: str | Path,
    *,
    title: str,
    width_px: int = 640,
    height_px: int = 240,
) -> Path:
    """Write a small bar chart of monthly counts as a PNG and return its path.

    Parameters
    ----------
    counts_by_month
        Counts indexed by month (``YYYY-MM`` text or pandas periods), drawn in index order.
    path
        Where to write the PNG; its folder must exist.
    title
        Chart title, e.g. the hotspot's name.
    width_px, height_px
        Size of the image in pixels.
    """
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure

    out = Path(path)
    if not out.parent.is_dir():
        raise ValueError(f"path's folder {out.parent} does not exist")
    dpi = 100
    fig = Figure(figsize=(width_px / dpi, height_px / dpi), dpi=dpi)
    FigureCanvasAgg(fig)
    ax = fig.add_subplot()
    labels = [str(m) for m in counts_by_month.index]
    ax.bar(range(len(labels)), np.asarray(counts_by_month, dtype=float), color="#b2182b")
    step = max(1, math.ceil(len(labels) / 12))
    ax.set_xticks(range(0, len(labels), step), labels[::step], rotation=45, ha="right", fontsize=7)
    ax.tick_params(axis="y", labelsize=7)
    ax.set_ylabel("incidents", fontsize=8)
    ax.set_title(title, fontsize=9)
    ax.spines[["top", "right"]].set_visible(False)
    fig.tight_layout()
    fig.savefig(out, format="png", dpi=dpi)
    return out


# --------------------------------------------------------------------------- evaluation


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
