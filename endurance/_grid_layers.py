"""Draw analysis grid cells on a web map: as a warped image, or as dissolved polygons.

The hotspot analysis works on square cells of a regular grid in British National Grid
metres (EPSG:27700). A web map is drawn in Web Mercator (EPSG:3857), and Leaflet's
``ImageOverlay`` simply stretches a picture between two latitude/longitude corners: its
columns are evenly spaced in longitude and its rows evenly spaced in Mercator northing.
The BNG grid is rotated against that (about 1.5 degrees at Cleveland) and its scale
differs, so stretching the BNG raster would put cells up to a few hundred metres out at
the edges of the force. Instead the picture is *resampled*: every output pixel centre
is taken in Mercator, transformed back to BNG with pyproj, and given the value of the
grid cell it falls in (nearest cell, no blending, so a pixel shows exactly one cell's
class). The picture's size is set by the grid extent and the pixel size (a fraction of
a cell), never by how many incidents there are.

Cells shown as areas with tooltips (Gi* classes) are dissolved instead: the touching
squares of one class become one polygon, transformed to WGS 84, whose edges are the
cell edges.
"""

from __future__ import annotations

import base64
import io
import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from functools import cache

import numpy as np
import shapely
from PIL import Image
from pyproj import Transformer

from endurance import DISPLAY_CRS, PROJECT_CRS
from endurance._grid import Grid

WEB_MERCATOR = "EPSG:3857"
#: Most pixels one overlay may hold (about 2000 x 2000); larger grids get coarser pixels.
MAX_PIXELS = 4_000_000
#: Output pixels per cell side: 3 keeps the staircase of rotated cell edges below 35 m.
PIXELS_PER_CELL = 3

#: ``[[south, west], [north, east]]`` in degrees, as Leaflet takes bounds.
LatLonBounds = tuple[tuple[float, float], tuple[float, float]]
#: ``(xmin, ymin, xmax, ymax)`` in British National Grid metres.
BngBox = tuple[float, float, float, float]
#: Keeps a pixel when true, given arrays of BNG x and y.
PixelMask = Callable[[np.ndarray, np.ndarray], np.ndarray]


@dataclass(frozen=True)
class Overlay:
    """A georeferenced PNG for ``L.imageOverlay``."""

    png: bytes
    bounds: LatLonBounds
    width: int
    height: int

    @property
    def data_uri(self) -> str:
        """The PNG as a ``data:`` URI, to embed in the page."""
        return "data:image/png;base64," + base64.b64encode(self.png).decode("ascii")


@cache
def transformer(source: str, target: str) -> Transformer:
    """Return a cached pyproj transformer taking and giving ``x, y`` (longitude first)."""
    return Transformer.from_crs(source, target, always_xy=True)


def classify(values: np.ndarray, breaks: Sequence[float]) -> np.ndarray:
    """Return class numbers: 0 below ``breaks[0]``, ``k`` from ``breaks[k-1]`` up to ``breaks[k]``."""
    return np.searchsorted(np.asarray(breaks, dtype=float), values, side="right").astype(np.uint8)


def class_raster(grid: Grid, cols: np.ndarray, rows: np.ndarray, classes: np.ndarray) -> np.ndarray:
    """Return a ``(ny, nx)`` array of class numbers, 0 where no cell is given."""
    raster = np.zeros((grid.ny, grid.nx), dtype=np.uint8)
    raster[np.asarray(rows, dtype=int), np.asarray(cols, dtype=int)] = classes
    return raster


def _mercator_box(box: BngBox) -> tuple[float, float, float, float]:
    """Return the Mercator box holding a BNG box (its edges are curved in Mercator: densify)."""
    xmin, ymin, xmax, ymax = box
    t = np.linspace(0.0, 1.0, 65)
    xs = np.concatenate(
        [xmin + t * (xmax - xmin), np.full(65, xmax), xmax - t * (xmax - xmin), np.full(65, xmin)]
    )
    ys = np.concatenate(
        [np.full(65, ymin), ymin + t * (ymax - ymin), np.full(65, ymax), ymax - t * (ymax - ymin)]
    )
    mx, my = transformer(PROJECT_CRS, WEB_MERCATOR).transform(xs, ys)
    return float(np.min(mx)), float(np.min(my)), float(np.max(mx)), float(np.max(my))


def warp_classes(
    grid: Grid,
    raster: np.ndarray,
    *,
    box: BngBox | None = None,
    keep: PixelMask | None = None,
    pixel_m: float | None = None,
    max_pixels: int = MAX_PIXELS,
) -> tuple[np.ndarray, LatLonBounds]:
    """Resample a BNG class raster onto pixels evenly spaced in Web Mercator.

    Parameters
    ----------
    grid
        The grid ``raster`` is on (shape ``(ny, nx)``, row 0 south).
    box
        BNG extent to draw (default: the whole grid).
    keep
        Optional mask on pixel centres (BNG x, y): pixels it rejects are class 0.
    pixel_m
        Ground size of a pixel at the centre of the extent (default: a third of a cell).
    max_pixels
        Coarsen pixels so that the image holds at most this many.

    Returns
    -------
    The ``(height, width)`` class image, row 0 north, and its Leaflet bounds.
    """
    x0, y0, x1, y1 = _mercator_box(box or grid.box)
    centre_lat = transformer(WEB_MERCATOR, DISPLAY_CRS).transform((x0 + x1) / 2, (y0 + y1) / 2)[1]
    # Mercator stretches ground distances by 1 / cos(latitude).
    step = (pixel_m or grid.cell_m / PIXELS_PER_CELL) / math.cos(math.radians(centre_lat))
    step = max(step, math.sqrt((x1 - x0) * (y1 - y0) / max_pixels))
    width, height = max(1, math.ceil((x1 - x0) / step)), max(1, math.ceil((y1 - y0) / step))
    x1, y0 = x0 + width * step, y1 - height * step
    mx, my = np.meshgrid(x0 + (np.arange(width) + 0.5) * step, y1 - (np.arange(height) + 0.5) * step)
    bx, by = transformer(WEB_MERCATOR, PROJECT_CRS).transform(mx.ravel(), my.ravel())
    col = np.floor((bx - grid.origin_x) / grid.cell_m).astype(np.int64)
    row = np.floor((by - grid.origin_y) / grid.cell_m).astype(np.int64)
    inside = (col >= 0) & (col < grid.nx) & (row >= 0) & (row < grid.ny)
    if keep is not None:
        inside &= keep(bx, by)
    image = np.zeros(width * height, dtype=np.uint8)
    image[inside] = raster[row[inside], col[inside]]
    west, south = transformer(WEB_MERCATOR, DISPLAY_CRS).transform(x0, y0)
    east, north = transformer(WEB_MERCATOR, DISPLAY_CRS).transform(x1, y1)
    return image.reshape(height, width), ((south, west), (north, east))


def palette_png(image: np.ndarray, colours: Sequence[tuple[int, int, int, int]]) -> bytes:
    """Encode a class image as an indexed PNG; class ``k`` gets ``colours[k]`` (RGBA)."""
    picture = Image.fromarray(image, mode="P")
    picture.putpalette([channel for rgba in colours for channel in rgba[:3]])
    buffer = io.BytesIO()
    picture.save(buffer, format="PNG", optimize=True, transparency=bytes(rgba[3] for rgba in colours))
    return buffer.getvalue()


def overlay(
    grid: Grid,
    raster: np.ndarray,
    colours: Sequence[tuple[int, int, int, int]],
    *,
    box: BngBox | None = None,
    keep: PixelMask | None = None,
) -> Overlay:
    """Warp a class raster to Web Mercator and encode it as a transparent PNG overlay."""
    image, bounds = warp_classes(grid, raster, box=box, keep=keep)
    return Overlay(palette_png(image, colours), bounds, image.shape[1], image.shape[0])


def dissolve_cells(grid: Grid, cols: np.ndarray, rows: np.ndarray) -> shapely.Geometry:
    """Return the cells' union as one (multi)polygon in WGS 84, edges on cell edges."""
    if len(cols) == 0:
        return shapely.MultiPolygon()
    x = grid.origin_x + np.asarray(cols, dtype=float) * grid.cell_m
    y = grid.origin_y + np.asarray(rows, dtype=float) * grid.cell_m
    squares = shapely.box(x, y, x + grid.cell_m, y + grid.cell_m)
    union = shapely.simplify(shapely.coverage_union_all(squares), 0.0)
    # Densify so the long straight edges bend as they should in WGS 84 (they barely do).
    union = shapely.segmentize(union, 10 * grid.cell_m)
    to_wgs = transformer(PROJECT_CRS, DISPLAY_CRS)
    lonlat = shapely.transform(union, lambda xy: np.column_stack(to_wgs.transform(xy[:, 0], xy[:, 1])))
    return shapely.set_precision(lonlat, 1e-5)
