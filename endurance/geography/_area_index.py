"""Attribute points to areas fast, with the same rules as the SQL attribution.

Most incidents lie deep inside one ward, where no geometry test is needed to say which.
The index lays a regular grid of square cells over the layer and, once, classifies each
cell by its closed square (widened by a millimetre, so a point whose cell number is
rounded across a cell edge is still inside the square it is looked up in):

* *pure*: the square lies in the interior of exactly one area and touches no other.
  Every point in it belongs to that area, ``inside``, and is answered by a lookup.
* *mixed*: the square touches one or more areas without being pure (an edge, a corner,
  the coast, an overlap sliver). Points in it are tested exactly, with vectorised
  point-in-polygon predicates, but only against the areas that touch the square.
* *empty*: the square touches no area. Points in it, points beyond the grid and points
  in mixed cells that no candidate holds go to a nearest-area search over a tree of the
  areas' ring segments (outside an area, its distance is that of its nearest segment,
  and a tree of short segments finds it without measuring every vertex of a ward).

The rules are those of ``endurance/sql/attribution/event_wards.sql``: a point in (or on
the edge of) exactly one area is ``inside``; in or on more than one, an area holding it
in its interior wins, then the lowest code (``boundary``); in none, the nearest area
within the tolerance (ties: lowest code) is ``snapped``; otherwise ``outside`` with the
distance to the nearest area. Predicates and distances are GEOS's, so a point exactly on
an edge or a vertex is classified as the SQL classifies it.

Cell size trades build time and memory (cells grow with the inverse square of the size)
against the share of points that need an exact test (the cells along every boundary).
Around 100 m suits electoral wards and LSOAs in Cleveland: the boundary cells hold a
small share of the points and the grid builds in well under a second.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import shapely

from endurance._grid import Grid

__all__ = ["AreaIndex", "Assignment"]

#: Widening of every cell square (metres): far above the rounding error of a cell number
#: computed from British National Grid coordinates, far below any real distance.
_CELL_MARGIN_M = 1e-3
#: Points handled at once: bounds the scratch arrays (a few hundred bytes per point).
_CHUNK = 1_000_000

# Cell states in the owner table; a non-negative value is the owning area's position.
_MIXED = -1
_EMPTY = -2

# Method numbers, positions in _METHODS.
_INSIDE, _BOUNDARY, _SNAPPED, _OUTSIDE = 0, 1, 2, 3
_METHODS = np.array(["inside", "boundary", "snapped", "outside"], dtype=object)


@dataclass(frozen=True)
class Assignment:
    """One area per point: the code (``None`` when none), the rule that chose it, the distance.

    Attributes
    ----------
    code
        Object array of area codes, ``None`` where the point is outside.
    method
        Object array of ``'inside'``, ``'boundary'``, ``'snapped'`` or ``'outside'``.
    distance_m
        Distance in metres to the chosen (or, when outside, the nearest) area: 0 for
        ``inside`` and ``boundary``, NaN for points with a NaN coordinate.
    """

    code: np.ndarray
    method: np.ndarray
    distance_m: np.ndarray


class AreaIndex:
    """A grid over a polygon layer that answers most point lookups without geometry.

    Build it with :meth:`AreaIndex.build`; the constructor is private.
    """

    def __init__(
        self,
        *,
        codes: np.ndarray,
        geoms: np.ndarray,
        tolerance_m: float | None,
        grid: Grid,
        owner: np.ndarray,
        offsets: np.ndarray,
        candidates: np.ndarray,
        edges: tuple[shapely.STRtree, np.ndarray],
    ) -> None:
        self.codes = codes
        self.geoms = geoms
        self.tolerance_m = tolerance_m
        self.cell_m = grid.cell_m
        self._grid = grid
        self._owner = owner
        self._offsets = offsets
        self._candidates = candidates
        self._edges, self._edge_owner = edges
        # Position len(codes) stands for "no area", so a -1 index reads None.
        self._code_lookup = np.concatenate([codes, np.array([None], dtype=object)])

    @classmethod
    def build(
        cls,
        codes: Sequence[str] | np.ndarray,
        geoms: Sequence[shapely.Geometry] | np.ndarray,
        *,
        cell_m: float = 100.0,
        tolerance_m: float | None = None,
    ) -> AreaIndex:
        """Build the index over polygons in a projected CRS (metres).

        Parameters
        ----------
        codes
            One code per polygon; ties between areas go to the lowest code.
        geoms
            Polygons or multipolygons, in the same metric CRS as the points.
        cell_m
            Side of a grid cell in metres.
        tolerance_m
            Distance within which a point outside every area is snapped to the nearest
            one; ``None`` never snaps.

        Raises
        ------
        ValueError
            Listing every problem with the arguments.
        """
        code_arr = np.array([str(c) for c in codes], dtype=object)
        geom_arr = np.asarray(geoms, dtype=object)
        problems = _build_problems(code_arr, geom_arr, cell_m, tolerance_m)
        if problems:
            raise ValueError("cannot build an AreaIndex: " + "; ".join(problems))
        # Sorting by code once makes "lowest code" mean "lowest position" everywhere.
        order = np.argsort(code_arr, kind="stable")
        code_arr, geom_arr = code_arr[order], geom_arr[order]
        shapely.prepare(geom_arr)

        minx, miny, maxx, maxy = shapely.total_bounds(geom_arr)
        x0, y0 = float(minx) - cell_m / 2, float(miny) - cell_m / 2
        nx = int((maxx - x0) // cell_m) + 2
        ny = int((maxy - y0) // cell_m) + 2
        iy, ix = np.divmod(np.arange(nx * ny, dtype=np.int64), nx)
        boxes = shapely.box(
            x0 + ix * cell_m - _CELL_MARGIN_M,
            y0 + iy * cell_m - _CELL_MARGIN_M,
            x0 + (ix + 1) * cell_m + _CELL_MARGIN_M,
            y0 + (iy + 1) * cell_m + _CELL_MARGIN_M,
        )
        edges, edge_area = _edge_tree(geom_arr)
        # An area meets a (closed) square either along one of its edges, or by holding
        # the whole square, and then its centre. Testing edges against squares and
        # centres against areas is far cheaper than testing squares against areas.
        edge_cell, edge = edges.query(boxes, predicate="intersects")
        centre_cell, centre_area = shapely.STRtree(geom_arr).query(
            shapely.points(x0 + (ix + 0.5) * cell_m, y0 + (iy + 0.5) * cell_m)
        )
        holds = shapely.intersects_xy(
            geom_arr[centre_area],
            x0 + (ix[centre_cell] + 0.5) * cell_m,
            y0 + (iy[centre_cell] + 0.5) * cell_m,
        )
        crossed = np.zeros(nx * ny, dtype=bool)
        crossed[edge_cell] = True
        pairs = np.unique(
            np.concatenate(
                [
                    edge_cell * len(geom_arr) + edge_area[edge],
                    centre_cell[holds] * len(geom_arr) + centre_area[holds],
                ]
            )
        )
        cell, area = np.divmod(pairs, len(geom_arr))
        touching = np.bincount(cell, minlength=nx * ny)
        owner = np.full(nx * ny, _EMPTY, dtype=np.int32)
        owner[touching > 0] = _MIXED
        # No edge in the square and one area holding its centre: the area holds all of it
        # in its interior, and no other area reaches it.
        pure = (touching == 1) & ~crossed
        owner[cell[pure[cell]]] = area[pure[cell]]

        mixed = owner[cell] == _MIXED
        offsets = np.zeros(nx * ny + 1, dtype=np.int64)
        np.cumsum(np.bincount(cell[mixed], minlength=nx * ny), out=offsets[1:])
        return cls(
            codes=code_arr,
            geoms=geom_arr,
            tolerance_m=tolerance_m,
            grid=Grid(x0, y0, float(cell_m), nx, ny),
            owner=owner,
            offsets=offsets,
            candidates=area[mixed].astype(np.int32),
            edges=(edges, edge_area),
        )

    def cell_counts(self) -> dict[str, int]:
        """Return how many grid cells are pure, mixed and empty (for tuning the cell size)."""
        return {
            "pure": int((self._owner >= 0).sum()),
            "mixed": int((self._owner == _MIXED).sum()),
            "empty": int((self._owner == _EMPTY).sum()),
        }

    def assign(self, x: np.ndarray, y: np.ndarray) -> Assignment:
        """Attribute each point to one area by the SQL rules.

        Parameters
        ----------
        x, y
            Coordinates in the index's CRS, one-dimensional and of equal length.
        """
        x, y = _coordinates(x, y)
        area = np.empty(len(x), dtype=np.int64)
        method = np.empty(len(x), dtype=np.int8)
        distance = np.empty(len(x), dtype=np.float64)
        for start in range(0, len(x), _CHUNK):
            part = slice(start, start + _CHUNK)
            area[part], method[part], distance[part] = self._assign_chunk(x[part], y[part])
        return Assignment(self._code_lookup[area], _METHODS[method], distance)

    def members(self, x: np.ndarray, y: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """Return every (point position, code) pair where the area holds or touches the point.

        For layers whose areas overlap, such as the hotspot gazetteer: a point counts in
        each area it intersects (``ST_Intersects``), and in none when it is outside all.
        Pairs come ordered by point, then code.
        """
        x, y = _coordinates(x, y)
        points: list[np.ndarray] = []
        areas: list[np.ndarray] = []
        for start in range(0, len(x), _CHUNK):
            xs, ys = x[start : start + _CHUNK], y[start : start + _CHUNK]
            cell, state = self._cells(xs, ys)
            pure = np.flatnonzero(state >= 0)
            pair_pt, pair_area = self._candidate_pairs(np.flatnonzero(state == _MIXED), cell)
            hit = shapely.intersects_xy(self.geoms[pair_area], xs[pair_pt], ys[pair_pt])
            pt = np.concatenate([pure, pair_pt[hit]])
            ar = np.concatenate([state[pure].astype(np.int64), pair_area[hit]])
            order = np.lexsort((ar, pt))
            points.append(pt[order] + start)
            areas.append(ar[order])
        pt_all = np.concatenate(points) if points else np.empty(0, dtype=np.int64)
        ar_all = np.concatenate(areas) if areas else np.empty(0, dtype=np.int64)
        return pt_all, self._code_lookup[ar_all]

    def _cells(self, x: np.ndarray, y: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """Return each point's cell number and that cell's state (empty beyond the grid)."""
        ny, nx = self._grid.ny, self._grid.nx
        with np.errstate(invalid="ignore"):
            fx = np.floor((x - self._grid.origin_x) / self.cell_m)
            fy = np.floor((y - self._grid.origin_y) / self.cell_m)
            # NaN fails every comparison, so NaN coordinates land beyond the grid.
            on_grid = (fx >= 0) & (fx < nx) & (fy >= 0) & (fy < ny)
        cell = np.zeros(len(x), dtype=np.int64)
        cell[on_grid] = fy[on_grid].astype(np.int64) * nx + fx[on_grid].astype(np.int64)
        state = np.full(len(x), _EMPTY, dtype=np.int32)
        state[on_grid] = self._owner[cell[on_grid]]
        return cell, state

    def _candidate_pairs(self, pts: np.ndarray, cell: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """Return (point, area) pairs for every candidate area of each point's cell.

        Pairs come grouped by point in the order of ``pts``, areas ascending within a point.
        """
        first = self._offsets[cell[pts]]
        count = self._offsets[cell[pts] + 1] - first
        pair_pt = np.repeat(pts, count)
        group_start = np.repeat(np.cumsum(count) - count, count)
        slot = np.repeat(first, count) + (np.arange(len(pair_pt)) - group_start)
        return pair_pt, self._candidates[slot].astype(np.int64)

    def _assign_chunk(self, x: np.ndarray, y: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        cell, state = self._cells(x, y)
        area = np.where(state >= 0, state, -1).astype(np.int64)
        method = np.where(state >= 0, _INSIDE, _OUTSIDE).astype(np.int8)
        distance = np.zeros(len(x), dtype=np.float64)

        mixed = np.flatnonzero(state == _MIXED)
        pair_pt, pair_area = self._candidate_pairs(mixed, cell)
        hit = shapely.intersects_xy(self.geoms[pair_area], x[pair_pt], y[pair_pt])
        hit_pt, hit_area = pair_pt[hit], pair_area[hit]
        # Hits stay grouped by point, so each point's hits are one contiguous run.
        run_pt, run_start, run_len = np.unique(hit_pt, return_index=True, return_counts=True)
        single = run_len == 1
        area[run_pt[single]] = hit_area[run_start[single]]
        method[run_pt[single]] = _INSIDE
        if (~single).any():
            in_multi = np.repeat(~single, run_len)
            m_pt, m_area = hit_pt[in_multi], hit_area[in_multi]
            interior = shapely.contains_xy(self.geoms[m_area], x[m_pt], y[m_pt])
            # Interior first, then lowest code (= lowest position): the SQL's ORDER BY.
            key = np.where(interior, 0, len(self.codes)) + m_area
            starts = np.cumsum(run_len[~single]) - run_len[~single]
            best = np.minimum.reduceat(key, starts) % len(self.codes)
            area[run_pt[~single]] = best
            method[run_pt[~single]] = _BOUNDARY

        unmatched = np.flatnonzero(state == _EMPTY)
        unmatched = np.concatenate([unmatched, np.setdiff1d(mixed, run_pt, assume_unique=True)])
        if len(unmatched):
            self._nearest(x, y, unmatched, area, method, distance)
        return area, method, distance

    def _nearest(
        self,
        x: np.ndarray,
        y: np.ndarray,
        pts: np.ndarray,
        area: np.ndarray,
        method: np.ndarray,
        distance: np.ndarray,
    ) -> None:
        """Fill in the nearest area (snapped) or the outside distance for points in no area."""
        finite = np.isfinite(x[pts]) & np.isfinite(y[pts])
        distance[pts[~finite]] = np.nan
        pts = pts[finite]
        if not len(pts):
            return
        # Every point here is outside every area, where the distance to an area is the
        # distance to the nearest segment of its rings: GEOS measures it segment by
        # segment in ring order, exactly as the edge tree does, but the edge tree only
        # measures the few segments near the point instead of every vertex of a ward.
        (which, edge), dist = self._edges.query_nearest(
            shapely.points(x[pts], y[pts]), return_distance=True, all_matches=True
        )
        # Equidistant areas all come back; the lowest code (position) wins, as in the SQL.
        best = np.full(len(pts), len(self.codes), dtype=np.int64)
        np.minimum.at(best, which, self._edge_owner[edge])
        nearest_d = np.empty(len(pts))
        nearest_d[which] = dist
        distance[pts] = nearest_d
        if self.tolerance_m is None:
            return
        snap = nearest_d <= self.tolerance_m
        area[pts[snap]] = best[snap]
        method[pts[snap]] = _SNAPPED


def _edge_tree(geoms: np.ndarray) -> tuple[shapely.STRtree, np.ndarray]:
    """Return a tree of every ring segment as a two-point line, and each segment's area."""
    parts, part_area = shapely.get_parts(geoms, return_index=True)
    rings, ring_part = shapely.get_rings(parts, return_index=True)
    coords, coord_ring = shapely.get_coordinates(rings, return_index=True)
    # A segment joins consecutive vertices of one ring (never the last of one ring to the
    # first of the next).
    start = np.flatnonzero(coord_ring[:-1] == coord_ring[1:])
    edges = shapely.linestrings(np.stack([coords[start], coords[start + 1]], axis=1))
    return shapely.STRtree(edges), part_area[ring_part[coord_ring[start]]]


def _coordinates(x: np.ndarray, y: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Return the coordinates as float arrays, refusing mismatched shapes."""
    xa = np.ascontiguousarray(x, dtype=np.float64)
    ya = np.ascontiguousarray(y, dtype=np.float64)
    if xa.ndim != 1 or xa.shape != ya.shape:
        raise ValueError(
            f"x and y must be one-dimensional and of equal length, got {xa.shape} and {ya.shape}"
        )
    return xa, ya


def _build_problems(
    codes: np.ndarray, geoms: np.ndarray, cell_m: float, tolerance_m: float | None
) -> list[str]:
    """List every problem with the arguments of :meth:`AreaIndex.build`."""
    problems = []
    if len(codes) != len(geoms):
        problems.append(f"codes has {len(codes)} values but geoms has {len(geoms)}")
    if not len(geoms):
        problems.append("geoms is empty; at least one polygon is needed")
    elif not all(isinstance(g, shapely.Geometry) for g in geoms):
        problems.append("geoms holds values that are not shapely geometries")
    else:
        kinds = shapely.get_type_id(geoms)
        polygonal = np.isin(kinds, [3, 6]) & ~shapely.is_empty(geoms)
        if not polygonal.all():
            problems.append(
                f"geoms must be non-empty Polygons or MultiPolygons; {int((~polygonal).sum())} are not"
            )
    if not (np.isfinite(cell_m) and cell_m > 0):
        problems.append(f"cell_m must be a positive number of metres, got {cell_m!r}")
    if tolerance_m is not None and not (np.isfinite(tolerance_m) and tolerance_m >= 0):
        problems.append(f"tolerance_m must be None or a non-negative number of metres, got {tolerance_m!r}")
    return problems
