"""Getis-Ord Gi*: which cells or wards sit in a cluster of high (or low) counts.

Gi* asks of each cell (or ward) whether it and its neighbours together hold more (or
fewer) incidents than chance would put there, as a z-score. With thousands of cells
some pass any threshold by luck, so the p-values are adjusted by the
Benjamini-Hochberg false discovery rate procedure: of the areas called significant at
95 %, about 5 % at most are expected to be false alarms, however many are tested.

Where the p-values come from matters as much. Gi* is the sum of the counts in an area's
neighbourhood, standardised; the usual p-value reads it off the normal curve. With
incidents spread thinly over 100 m cells (most cells hold none, a few hold one or two),
that sum is far from normal, and the normal curve calls two incidents in one
neighbourhood "hot": 4,000 incidents scattered at random over Cleveland's 60,000 cells
give about 2,700 "hot" cells at 90 % even after the FDR correction. So for counts the
marts use *randomization* inference instead: the exact distribution of the
neighbourhood sum when the observed counts are dealt out to the areas at random (drawn
with replacement, which for thousands of cells is the same as shuffling and for a few
dozen wards errs on the cautious side). On the same random incidents it calls no cell
hot; a planted cluster of 60 incidents is found at 99 %.
"""

from __future__ import annotations

import warnings
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, Literal

import numpy as np
import shapely
from scipy import ndimage, sparse, stats
from shapely.geometry.base import BaseGeometry

from endurance.analysis.grid import DensityGrid, _check_mask


@dataclass(frozen=True)
class GiStar:
    """Getis-Ord Gi* for each cell or area, in the order of the weights' ids.

    Attributes
    ----------
    z
        Gi* z-scores (positive: a cluster of high values).
    p
        Two-sided p-values, from the normal approximation or by randomization.
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


def area_weights(geometries: Mapping[str, BaseGeometry], *, tolerance_m: float = 0.0) -> Any:
    """Return polygon-contiguity weights between areas such as wards, keyed by name.

    Two areas are neighbours when their polygons touch or overlap anywhere (an edge or a
    corner: queen contiguity), tested geometrically rather than by shared vertices, so
    boundaries generalised separately (as official ward files are) still meet.

    Parameters
    ----------
    geometries
        Polygons by id, in a projected CRS (metres).
    tolerance_m
        Also count areas within this distance of each other as neighbours, to bridge
        small gaps between generalised boundaries (0: they must touch).
    """
    from libpysal.weights import W

    if tolerance_m < 0:
        raise ValueError(f"tolerance_m must not be negative, got {tolerance_m}")
    ids = list(geometries)
    polygons = np.array([geometries[i] for i in ids], dtype=object)
    tree = shapely.STRtree(polygons)
    if tolerance_m > 0:
        left, right = tree.query(polygons, predicate="dwithin", distance=tolerance_m)
    else:
        left, right = tree.query(polygons, predicate="intersects")
    neighbours: dict[Any, list[Any]] = {i: [] for i in ids}
    for a, b in sorted(zip(left.tolist(), right.tolist(), strict=True)):
        if a != b:
            neighbours[ids[a]].append(ids[b])
    return W(neighbours, id_order=ids, silence_warnings=True)


def getis_ord_gi_star(
    values: Any,
    weights: Any,
    *,
    fdr: bool = True,
    inference: Literal["normal", "randomization"] = "normal",
) -> GiStar:
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
    inference
        ``'normal'``: p-values from the normal curve (fine for large counts, e.g. busy
        wards). ``'randomization'``: from the exact distribution of each neighbourhood's
        sum when the counts are dealt out at random (see the module notes); ``values``
        must then be whole non-negative counts. Use it for sparse cell counts.

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
    with warnings.catch_warnings():
        # A study area in several pieces (Cleveland's coast and river) is no problem for Gi*.
        warnings.filterwarnings("ignore", message="The weights matrix is not fully connected")
        gi = G_Local(y, weights, transform="B", permutations=0, star=True)
    z = np.asarray(gi.Zs, dtype=float)
    if inference == "normal":
        p = np.minimum(2.0 * stats.norm.sf(np.abs(z)), 1.0)
    elif inference == "randomization":
        p = _randomization_p(y, *_neighbourhoods(y, weights))
    else:
        raise ValueError(f"inference must be 'normal' or 'randomization', got {inference!r}")
    return _labelled(z, p, fdr, tuple(weights.id_order))


def grid_gi_star(counts: DensityGrid, mask: np.ndarray | None = None, *, fdr: bool = True) -> GiStar:
    """Gi* of every (masked) cell of a grid of counts, with randomization p-values.

    The same statistic as :func:`getis_ord_gi_star` with :func:`grid_weights` (queen
    contiguity, each cell its own neighbour, ``inference='randomization'``), computed
    on the grid directly: a neighbourhood's sum and size are 3 x 3 box sums over the
    masked cells, so no weights object of tens of thousands of lists is built. Ids are
    the masked cells' flat row-major numbers, in increasing order.
    """
    study = np.ones(counts.shape, dtype=bool) if mask is None else mask
    _check_mask(counts, study)
    y = np.where(study, counts.values, 0.0)
    values = y[study]
    if values.size < 2 or np.ptp(values) == 0:
        raise ValueError("values are all equal, so Gi* cannot be computed (no variance)")
    box = np.ones((3, 3))
    sums = ndimage.correlate(y, box, mode="constant", cval=0.0)[study]
    sizes = np.rint(ndimage.correlate(study.astype(float), box, mode="constant", cval=0.0)[study])
    n = values.size
    mean = values.mean()
    variance = (values**2).mean() - mean**2
    g = sums / values.sum()
    expected = sizes / n
    spread = sizes * (n - sizes) / (n - 1) / n**2 * variance / mean**2
    z = (g - expected) / np.sqrt(spread)
    p = _randomization_p(values, sizes.astype(np.int64), sums)
    return _labelled(z, p, fdr, tuple(np.flatnonzero(study.ravel()).tolist()))


def _labelled(z: np.ndarray, p: np.ndarray, fdr: bool, ids: tuple[Any, ...]) -> GiStar:
    """Adjust p-values (Benjamini-Hochberg when ``fdr``) and label each area hot, cold or neither."""
    p_adj = benjamini_hochberg(p) if fdr else p
    label = np.full(z.size, "not significant", dtype=object)
    for level, cutoff in (("90%", 0.10), ("95%", 0.05), ("99%", 0.01)):
        label[(p_adj <= cutoff) & (z > 0)] = f"hot {level}"
        label[(p_adj <= cutoff) & (z < 0)] = f"cold {level}"
    return GiStar(z=z, p=p, p_adjusted=p_adj, label=label, ids=ids)


def _neighbourhoods(counts: np.ndarray, weights: Any) -> tuple[np.ndarray, np.ndarray]:
    """Size (self included) and sum of counts of each area's neighbourhood under ``weights``."""
    binary = sparse.csr_matrix(weights.sparse, dtype=float) + sparse.identity(weights.n, format="csr")
    binary.data[:] = 1.0  # an area listed as its own neighbour still counts once
    size = np.asarray(binary.sum(axis=1)).ravel().astype(np.int64)
    return size, binary @ counts.astype(float)


def _randomization_p(counts: np.ndarray, sizes: np.ndarray, sums: np.ndarray) -> np.ndarray:
    """Two-sided p-values of each neighbourhood sum (self included) under random dealing.

    A neighbourhood of ``k`` areas receives ``k`` counts drawn at random from the
    observed ones, so its sum has the ``k``-fold convolution of their frequency
    distribution; the p-value is twice the smaller tail at the observed sum. The
    convolution powers are taken in closed form through the Fourier transform (the
    transform of a ``k``-fold convolution is the ``k``-th power of the transform), so
    counts in the thousands, as busy wards have, cost one transform per size, not a
    product of lengths.
    """
    if np.any(counts < 0) or np.any(counts != np.round(counts)):
        raise ValueError("randomization inference needs whole non-negative counts as values")
    whole = counts.astype(np.int64)
    observed = np.rint(sums).astype(np.int64)
    frequency = np.bincount(whole) / whole.size
    largest = int(sizes.max())
    length = largest * (frequency.size - 1) + 1
    spectrum = np.fft.rfft(frequency, n=length)
    p = np.ones(whole.size)
    for k in np.unique(sizes):
        chosen = sizes == k
        distribution = np.clip(np.fft.irfft(spectrum ** int(k), n=length), 0.0, None)
        upper = np.cumsum(distribution[::-1])[::-1]  # P(sum >= s)
        lower = np.cumsum(distribution)  # P(sum <= s)
        s = observed[chosen]
        p[chosen] = np.minimum(1.0, 2.0 * np.minimum(upper[s], lower[s]))
    return p
