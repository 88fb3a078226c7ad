"""Kernel density of incidents, and the hotspot cells and areas drawn from it.

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
    The sum is exact up to about ten million point-by-cell evaluations; beyond that, and
    for bandwidths of four cells or more, points are binned to a third of a cell and the
    kernel is applied by FFT, at a cost set by the grid rather than the points.

Top cells (:func:`hotspot_cells`, :func:`dissolve_hotspots`)
    A hotspot map flags a fixed share of the study area (by default 5 % of its cells),
    the densest cells first, so maps of quiet and busy months cover the same ground.
    Touching flagged cells are dissolved into areas named after the gazetteer place they
    overlap most, else the ward they overlap most (or, on a beach beyond the wards, the
    nearest). Areas can be ranked by the incidents they hold, so area 1 is the busiest.
    When several areas fall to one place or ward, each is told apart by where it lies
    in it, a compass point from the place's or ward's centre ("Fens & Greatham
    north-east"), to sixteen points if eight do not separate them, and then by its
    six-figure Ordnance Survey grid reference: a patrol can find every name, and no two
    areas share one (a number such as "(2)" tells a meeting nothing).
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, Literal

import numpy as np
import shapely
from numpy.typing import NDArray
from scipy import ndimage, signal
from shapely.geometry.base import BaseGeometry

from endurance._grid import Grid
from endurance.analysis.grid import _M2_PER_KM2, DensityGrid, _check_mask, _empty_grid

#: Default cell size (metres): about a street block.
DEFAULT_CELL_M = 100.0
#: Default kernel bandwidth (metres): a few streets, what one patrol can cover.
DEFAULT_BANDWIDTH_M = 400.0
#: Days in an average month, the unit of a rate when ``period_days`` is given.
DAYS_PER_MONTH = 365.25 / 12
#: Above this many point-by-cell kernel evaluations (about 0.2 s of work), points are
#: binned and the kernel applied by FFT instead (see :func:`_quartic_fft`) ...
EXACT_LIMIT = 10_000_000
#: ... when the bandwidth is at least this many cells: binning then moves no cell's
#: density by more than 1 % of the peak (at 2 cells it could move one by 3 %).
FFT_MIN_CELLS = 4
#: Sub-cells per cell side the FFT path bins points to (odd, so one sub-cell centre is
#: the cell centre): at 100 m cells, points move at most 24 m.
FFT_SUBCELLS = 3


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
    window = (2 * (math.ceil(bandwidth_m / cell_m) + 1) + 1) ** 2
    by_fft = bandwidth_m >= FFT_MIN_CELLS * cell_m and xr.size * window > EXACT_LIMIT
    summed = _quartic_fft if by_fft else _quartic_sum
    values = summed(xr, yr, w, Grid(x0, y0, float(cell_m), ncols, nrows), bandwidth_m) * _M2_PER_KM2
    unit = "incidents per km²"
    if period_days is not None:
        values *= DAYS_PER_MONTH / period_days
        unit = "incidents per km² per month"
    return DensityGrid(
        x0=x0, y0=y0, cell_m=float(cell_m), values=values, bandwidth_m=float(bandwidth_m), unit=unit
    )


def _quartic_sum(x: np.ndarray, y: np.ndarray, w: np.ndarray, cells: Grid, h: float) -> np.ndarray:
    """Sum the quartic kernels (per m²) at cell centres.

    Each point only reaches the cells of a small window around its own cell, so the
    loop runs over the window's offsets (81 for the defaults) and each step is one
    vectorised pass over all points: about ``n * (2h / cell)^2`` kernel evaluations.
    """
    x0, y0, nrows, ncols, cell = cells.origin_x, cells.origin_y, cells.ny, cells.nx, cells.cell_m
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


def _quartic_fft(x: np.ndarray, y: np.ndarray, w: np.ndarray, cells: Grid, h: float) -> np.ndarray:
    """Sum the quartic kernels (per m²) at cell centres by binning and FFT convolution.

    Points are binned to sub-cells a third of a cell wide (:data:`FFT_SUBCELLS`), on a
    sub-grid reaching one bandwidth beyond the grid so that points outside still add
    their tails; the kernel, sampled at sub-cell offsets, is applied to the binned
    counts by FFT; and the result is read at the sub-cells whose centres are the cell
    centres. Each point moves at most half a sub-cell diagonal, so the surface matches
    :func:`_quartic_sum` closely, at a cost set by the grid, not by the number of points.
    """
    x0, y0, nrows, ncols, cell = cells.origin_x, cells.origin_y, cells.ny, cells.nx, cells.cell_m
    factor = FFT_SUBCELLS
    fine = cell / factor
    margin = math.ceil(h / fine)
    fr_n, fc_n = nrows * factor + 2 * margin, ncols * factor + 2 * margin
    col = np.floor((x - x0) / fine).astype(np.int64) + margin
    row = np.floor((y - y0) / fine).astype(np.int64) + margin
    inside = (col >= 0) & (col < fc_n) & (row >= 0) & (row < fr_n)
    binned = np.bincount(row[inside] * fc_n + col[inside], weights=w[inside], minlength=fr_n * fc_n)
    offsets = np.arange(-margin, margin + 1) * fine
    d2 = offsets[None, :] ** 2 + offsets[:, None] ** 2
    kernel = np.where(d2 < h * h, 3.0 / (math.pi * h * h) * (1.0 - d2 / (h * h)) ** 2, 0.0)
    spread = signal.fftconvolve(binned.reshape(fr_n, fc_n), kernel, mode="same")
    centre = margin + factor // 2
    out: NDArray[np.float64] = spread[
        centre : centre + nrows * factor : factor, centre : centre + ncols * factor : factor
    ]
    # FFT round-off leaves tiny negative values where nothing reaches.
    return np.clip(out, 0.0, None)


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
        Gazetteer place or ward it overlaps most; when several areas share that place or
        ward, followed by where in it the area lies ("Eston Hills south-west"), unique.
    named_after
        ``'place'``, ``'ward'`` or ``'none'`` (then named ``'Hotspot N'``).
    geometry
        The dissolved cells (British National Grid).
    n_cells, area_km2
        Size of the patch.
    peak, mean
        Highest and mean cell value, in the grid's unit.
    cells
        Flat row-major numbers of the member cells, so incidents can be counted in the
        area by the cell they fall in.
    """

    name: str
    named_after: Literal["place", "ward", "none"]
    geometry: BaseGeometry
    n_cells: int
    area_km2: float
    peak: float
    mean: float
    cells: np.ndarray


def dissolve_hotspots(
    grid: DensityGrid,
    mask: np.ndarray,
    *,
    places: Mapping[str, BaseGeometry] | None = None,
    wards: Mapping[str, BaseGeometry] | None = None,
    rank_by: DensityGrid | None = None,
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
        Ward polygons by name: used when a patch overlaps no place. A patch overlapping
        no ward either (on a beach beyond wards clipped to the coast) takes the nearest.
    rank_by
        A grid laid out like ``grid`` (e.g. incident counts from :func:`count_grid`):
        areas are ordered by the sum of its values over their cells, highest first, and
        then by peak. By default they are ordered by peak alone.

    Returns
    -------
    list of HotspotArea
        In rank order, with unique names: areas sharing a place or ward are named by
        where in it they lie (see the module docstring). Cells touching only at a
        corner form separate areas, so each area is one polygon.
    """
    _check_mask(grid, mask)
    if rank_by is not None and rank_by.shape != grid.shape:
        raise ValueError(f"rank_by must have the grid's shape {grid.shape}, got {rank_by.shape}")
    labels, count = ndimage.label(mask)  # edge-sharing (rook) connectivity
    rows, cols = np.nonzero(mask)
    cells = grid.cell_polygons(mask)
    flat = rows * grid.shape[1] + cols
    cell_labels = labels[rows, cols]
    cell_values = grid.values[rows, cols]
    rank_values = rank_by.values[rows, cols] if rank_by is not None else np.zeros(rows.size)
    patches = []
    for label in range(1, count + 1):
        members = cell_labels == label
        geometry = shapely.union_all(cells[members])
        vals = cell_values[members]
        rank = float(rank_values[members].sum())
        patches.append((geometry, float(vals.max()), float(vals.mean()), flat[members], rank))
    patches.sort(key=lambda p: (-p[4], -p[1], p[0].bounds))
    named = [_base_name(number, p[0], places, wards) for number, p in enumerate(patches, start=1)]
    names = _unique_names(
        [(name, reference, p[0]) for (name, _, reference), p in zip(named, patches, strict=True)]
    )
    return [
        HotspotArea(
            name,
            kind,
            geometry,
            int(members.size),
            int(members.size) * grid.cell_area_km2,
            peak,
            mean,
            members,
        )
        for name, (_, kind, _), (geometry, peak, mean, members, _) in zip(names, named, patches, strict=True)
    ]


_Kind = Literal["place", "ward", "none"]


def _base_name(
    number: int,
    geometry: BaseGeometry,
    places: Mapping[str, BaseGeometry] | None,
    wards: Mapping[str, BaseGeometry] | None,
) -> tuple[str, _Kind, BaseGeometry | None]:
    """Name a patch after the place, else the ward, it overlaps most; return the name's polygon too."""
    name = _best_overlap(geometry, places)
    if name is not None and places is not None:
        return name, "place", places[name]
    name = _best_overlap(geometry, wards) or _nearest(geometry, wards)
    if name is not None and wards is not None:
        return name, "ward", wards[name]
    return f"Hotspot {number}", "none", None


#: Compass points clockwise from north, for 8 and 16 sectors.
_COMPASS_8 = ("north", "north-east", "east", "south-east", "south", "south-west", "west", "north-west")
_COMPASS_16 = (
    "north", "north-north-east", "north-east", "east-north-east",
    "east", "east-south-east", "south-east", "south-south-east",
    "south", "south-south-west", "south-west", "west-south-west",
    "west", "west-north-west", "north-west", "north-north-west",
)  # fmt: skip


def _compass(geometry: BaseGeometry, reference: BaseGeometry, points: tuple[str, ...]) -> str:
    """Return the compass point of ``geometry``'s centre seen from ``reference``'s centre."""
    here, there = geometry.centroid, reference.centroid
    bearing = math.degrees(math.atan2(here.x - there.x, here.y - there.y)) % 360
    sector = 360 / len(points)
    return points[int(((bearing + sector / 2) % 360) // sector)]


def grid_reference(x: float, y: float) -> str:
    """Six-figure Ordnance Survey grid reference of a British National Grid point ("NZ 512 234")."""
    e100, n100 = int(x // 100_000), int(y // 100_000)
    if not (0 <= e100 < 7 and 0 <= n100 < 13):
        raise ValueError(f"point ({x:.0f}, {y:.0f}) lies outside the Ordnance Survey National Grid")
    letters = "ABCDEFGHJKLMNOPQRSTUVWXYZ"  # 5 x 5 squares lettered without I
    north = 19 - n100
    first = letters[north - north % 5 + (e100 + 10) // 5]
    second = letters[north * 5 % 25 + e100 % 5]
    return f"{first}{second} {int(x % 100_000) // 100:03d} {int(y % 100_000) // 100:03d}"


def _unique_names(named: list[tuple[str, BaseGeometry | None, BaseGeometry]]) -> list[str]:
    """Tell apart areas named after the same place or ward by where in it they lie.

    ``named`` holds each area's base name, the polygon it is named after (None for
    "Hotspot N", already unique) and its own polygon, in rank order.
    """
    names = {k: name for k, (name, _, _) in enumerate(named)}
    groups: dict[str, list[int]] = {}
    for k, name in names.items():
        groups.setdefault(name, []).append(k)
    for base, members in groups.items():
        if len(members) < 2:
            continue
        told = {k: f"{base} {_compass(named[k][2], named[k][1] or named[k][2], _COMPASS_8)}" for k in members}
        for k in _clashing(told):  # finer sectors only where eight points do not separate
            told[k] = f"{base} {_compass(named[k][2], named[k][1] or named[k][2], _COMPASS_16)}"
        for k in _clashing(told):
            centre = named[k][2].representative_point()
            told[k] = f"{told[k]} ({grid_reference(centre.x, centre.y)})"
        names.update(told)
    return [names[k] for k in range(len(named))]


def _clashing(told: dict[int, str]) -> list[int]:
    counts: dict[str, int] = {}
    for name in told.values():
        counts[name] = counts.get(name, 0) + 1
    return [k for k, name in told.items() if counts[name] > 1]


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


def _nearest(geometry: BaseGeometry, layer: Mapping[str, BaseGeometry] | None) -> str | None:
    if not layer:
        return None
    names = sorted(layer)
    distances = shapely.distance(np.array([layer[n] for n in names], dtype=object), geometry)
    return names[int(np.argmin(distances))]
