"""The regular grid every hotspot method works on, in British National Grid metres.

A :class:`DensityGrid` holds one value per square cell (a kernel density, or a raw
count from :func:`count_grid`). Grid corners snap to multiples of the cell size, so
grids drawn for different periods over the same extent line up cell for cell and can
be compared or scored against each other.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any, cast

import numpy as np
import shapely
from shapely.geometry.base import BaseGeometry

#: Most cells a grid may have: a 35 km x 28 km force at 10 m would be ~10 million.
_MAX_CELLS = 20_000_000
_M2_PER_KM2 = 1e6


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
        return cast(np.ndarray, shapely.box(xmin, ymin, xmin + self.cell_m, ymin + self.cell_m))

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


def count_grid(x: Any, y: Any, like: DensityGrid) -> DensityGrid:
    """Count the points in each cell of a grid laid out like ``like`` (the naive baseline)."""
    xa, ya = _xy(x, y)
    row, col = like.cell_of(xa, ya)
    inside = row >= 0
    nrows, ncols = like.shape
    counts = np.bincount(row[inside] * ncols + col[inside], minlength=nrows * ncols).astype(float)
    return DensityGrid(like.x0, like.y0, like.cell_m, counts.reshape(nrows, ncols), 0.0, "incidents per cell")
