"""Benchmark point attribution: the grid index against GeoPandas and DuckDB spatial joins.

Synthetic incidents are spread like real ones: 60% in clusters around 50 random
centres inside the Cleveland force area (each with its own spread, 300-800 m), 40%
uniformly inside the force area; seeded, so every run sees the same points. On the
same points, in the same run:

a. ``AreaIndex.assign`` against the 2024 wards (build time reported apart, and a second
   figure including it); also the 2011 LSOAs and the three ward vintages together;
b. GeoPandas ``sjoin(points, wards, predicate="intersects")`` (the join alone, and with
   making the point geometries);
c. a plain DuckDB spatial join, ``ST_Intersects(w.geom, ST_Point(p.x, p.y))``, on a fresh
   in-memory warehouse connection (DuckDB uses every core; the index uses one).

Each contender runs in its own fresh child process so that its peak resident memory can
be read. The index's answers are checked against the GeoPandas join for every point that
lies in exactly one ward (the index's boundary and snapping rules apply to the rest).

Run with ENDURANCE_GEODATA pointing at the official boundaries:
``python benchmarks/attribution.py --points 1000000``.
"""

from __future__ import annotations

import argparse
import multiprocessing
import os
import resource
import tempfile
import time
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path
from typing import Any

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely

from endurance.forces import DEFAULT_FORCE

FORCE_CODE = DEFAULT_FORCE.force_code
VINTAGES = ("2013", "2018", "2024")
DEFAULT_SIZES = (1_000_000, 10_000_000)


def _geodata() -> Path:
    folder = os.environ.get("ENDURANCE_GEODATA")
    if not folder:
        raise SystemExit("set ENDURANCE_GEODATA to the folder of official boundaries")
    return Path(folder)


def _layer(name: str, code_column: str) -> tuple[list[str], np.ndarray]:
    """Return the codes and EPSG:27700 polygons of one boundary file."""
    frame = gpd.read_file(_geodata() / name).to_crs(27700)
    return frame[code_column].astype(str).tolist(), frame.geometry.to_numpy()


def _force_area() -> shapely.Geometry:
    frame = gpd.read_file(_geodata() / "police_force_areas_cleveland_durham_2023.geojson").to_crs(27700)
    return frame.loc[frame["pfa_code"] == FORCE_CODE].geometry.iloc[0]


def _uniform_in(area: shapely.Geometry, n: int, rng: np.random.Generator) -> np.ndarray:
    minx, miny, maxx, maxy = area.bounds
    parts, have = [], 0
    while have < n:
        xy = rng.uniform([minx, miny], [maxx, maxy], size=(min(2 * (n - have) + 1000, 4_000_000), 2))
        xy = xy[shapely.contains_xy(area, xy[:, 0], xy[:, 1])]
        parts.append(xy)
        have += len(xy)
    return np.vstack(parts)[:n]


def incident_points(n: int, *, seed: int = 7) -> np.ndarray:
    """Return ``n`` seeded (x, y) points spread like incidents over the force area."""
    rng = np.random.default_rng(seed)
    area = _force_area()
    shapely.prepare(area)
    centres = _uniform_in(area, 50, rng)
    spread = rng.uniform(300, 800, size=50)
    n_cluster = int(0.6 * n)
    which = rng.integers(0, 50, size=n_cluster)
    clustered = centres[which] + rng.standard_normal((n_cluster, 2)) * spread[which, None]
    xy = np.vstack([clustered, _uniform_in(area, n - n_cluster, rng)])
    return xy[rng.permutation(n)]


def _peak_rss_mib() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def _ward_positions(codes: list[str], found: np.ndarray) -> np.ndarray:
    """Return each found code's position in the sorted code list, -1 for none."""
    return pd.Index(sorted(codes)).get_indexer(pd.Index(found, dtype=object))


def run_index(points_path: str, out_path: str, cell_m: float) -> dict[str, Any]:
    """Time AreaIndex on the 2024 wards, the 2011 LSOAs and all ward vintages (child process)."""
    from endurance.geography._area_index import AreaIndex
    from endurance.geography.attribution import SNAP_TOLERANCE_M

    xy = np.load(points_path)
    x, y = np.ascontiguousarray(xy[:, 0]), np.ascontiguousarray(xy[:, 1])
    del xy
    layers = {v: _layer(f"cleveland_wards_{v}.geojson", "ward_code") for v in VINTAGES}
    lsoas = _layer("cleveland_lsoa_2011.geojson", "lsoa_code")
    result: dict[str, Any] = {"rss_start_mib": _peak_rss_mib()}

    start = time.perf_counter()
    index = AreaIndex.build(*layers["2024"], cell_m=cell_m, tolerance_m=SNAP_TOLERANCE_M)
    result["build_s"] = time.perf_counter() - start
    start = time.perf_counter()
    got = index.assign(x, y)
    result["assign_s"] = time.perf_counter() - start
    result["peak_rss_mib"] = _peak_rss_mib()
    result["cells"] = index.cell_counts()
    result["methods"] = {
        str(k): int(v) for k, v in zip(*np.unique(got.method, return_counts=True), strict=True)
    }
    np.save(out_path, _ward_positions(layers["2024"][0], got.code))
    del got

    start = time.perf_counter()
    lsoa_index = AreaIndex.build(*lsoas, cell_m=cell_m, tolerance_m=SNAP_TOLERANCE_M)
    result["lsoa_build_s"] = time.perf_counter() - start
    start = time.perf_counter()
    lsoa_index.assign(x, y)
    result["lsoa_assign_s"] = time.perf_counter() - start

    start = time.perf_counter()
    indexes = [AreaIndex.build(*layers[v], cell_m=cell_m, tolerance_m=SNAP_TOLERANCE_M) for v in VINTAGES]
    result["all_build_s"] = time.perf_counter() - start
    start = time.perf_counter()
    for each in indexes:
        each.assign(x, y)
    result["all_assign_s"] = time.perf_counter() - start
    result["peak_rss_all_mib"] = _peak_rss_mib()
    return result


def run_geopandas(points_path: str, out_path: str) -> dict[str, Any]:
    """Time a GeoPandas intersects join of the points to the 2024 wards (child process)."""
    xy = np.load(points_path)
    codes, geoms = _layer("cleveland_wards_2024.geojson", "ward_code")
    wards = gpd.GeoDataFrame({"ward_code": codes}, geometry=geoms, crs=27700)
    start = time.perf_counter()
    points = gpd.GeoDataFrame(geometry=gpd.points_from_xy(xy[:, 0], xy[:, 1]), crs=27700)
    made = time.perf_counter()
    joined = gpd.sjoin(points, wards, predicate="intersects", how="inner")
    done = time.perf_counter()
    order = np.lexsort((joined["ward_code"].to_numpy(), joined.index.to_numpy()))
    np.save(
        out_path,
        np.column_stack(
            [joined.index.to_numpy()[order], _ward_positions(codes, joined["ward_code"].to_numpy()[order])]
        ),
    )
    return {"points_s": made - start, "sjoin_s": done - made, "peak_rss_mib": _peak_rss_mib()}


def run_duckdb(points_path: str) -> dict[str, Any]:
    """Time a plain DuckDB spatial join of the points to the 2024 wards (child process)."""
    from endurance import warehouse

    xy = np.load(points_path)
    codes, geoms = _layer("cleveland_wards_2024.geojson", "ward_code")
    con = warehouse.connect()
    frame = pd.DataFrame({"i": np.arange(len(xy)), "x": xy[:, 0], "y": xy[:, 1]})
    con.register("frame", frame)
    con.execute("CREATE TABLE pts AS SELECT * FROM frame")
    boundaries = pd.DataFrame({"ward_code": codes, "wkb": shapely.to_wkb(geoms)})
    con.register("boundaries", boundaries)
    con.execute("CREATE TABLE wards AS SELECT ward_code, ST_GeomFromWKB(wkb) AS geom FROM boundaries")
    del frame, xy
    start = time.perf_counter()
    con.execute(
        "CREATE TABLE hits AS SELECT p.i, w.ward_code FROM pts AS p"
        " JOIN wards AS w ON ST_Intersects(w.geom, ST_Point(p.x, p.y))"
    )
    elapsed = time.perf_counter() - start
    row = con.execute("SELECT count(*) FROM hits").fetchone()
    return {
        "join_s": elapsed,
        "rows": row[0] if row else 0,
        "threads": con.execute("SELECT current_setting('threads')").fetchone(),
    }


def _in_child(function: Any, *args: Any) -> dict[str, Any]:
    # A fresh interpreter per contender: its peak RSS is its own, not the parent's.
    with ProcessPoolExecutor(1, mp_context=multiprocessing.get_context("spawn")) as pool:
        return pool.submit(function, *args).result()


def bench(n: int, cell_m: float) -> None:
    """Run the three contenders on ``n`` points and print the figures."""
    xy = incident_points(n)
    with tempfile.TemporaryDirectory() as tmp:
        points_path, a_out, b_out = (str(Path(tmp) / f) for f in ("points.npy", "a.npy", "b.npy"))
        np.save(points_path, xy)
        del xy
        a = _in_child(run_index, points_path, a_out, cell_m)
        b = _in_child(run_geopandas, points_path, b_out)
        c = _in_child(run_duckdb, points_path)
        index_ward = np.load(a_out)
        pairs = np.load(b_out)

    a_rate = n / a["assign_s"]
    a_rate_built = n / (a["assign_s"] + a["build_s"])
    b_rate = n / b["sjoin_s"]
    b_rate_made = n / (b["sjoin_s"] + b["points_s"])
    c_rate = n / c["join_s"]
    hits = np.bincount(pairs[:, 0], minlength=n)
    single = np.flatnonzero(hits == 1)
    first = np.searchsorted(pairs[:, 0], single)
    agree = int((index_ward[single] == pairs[first, 1]).sum())
    print(f"\n== {n:,} points, cell {cell_m:g} m ==")
    print(f"methods (2024 wards): {a['methods']}; cells: {a['cells']}")
    print(f"(a) AreaIndex.assign, 2024 wards: {a_rate:,.0f} points/s (assign {a['assign_s']:.2f} s)")
    print(f"    index build {a['build_s']:.3f} s; including build: {a_rate_built:,.0f} points/s")
    print(
        f"    peak RSS {a['peak_rss_mib']:,.0f} MiB"
        f" (interpreter, points and boundaries alone: {a['rss_start_mib']:,.0f} MiB)"
    )
    print(
        f"(b) GeoPandas sjoin: {b_rate:,.0f} points/s (join {b['sjoin_s']:.2f} s; with making the points "
        f"{b_rate_made:,.0f} points/s); peak RSS {b['peak_rss_mib']:,.0f} MiB"
    )
    print(
        f"(c) DuckDB ST_Intersects join: {c_rate:,.0f} points/s ({c['join_s']:.2f} s, {c['rows']:,} rows, "
        f"threads {c['threads'][0]})"
    )
    best = max(b_rate, c_rate)
    print(
        f"ratio (a) / fastest of (b), (c): {a_rate / best:.1f}x (including build: {a_rate_built / best:.1f}x)"
    )
    print(
        f"(a) agrees with (b) on {agree:,} of {len(single):,} points in exactly one ward"
        f" ({'all' if agree == len(single) else 'NOT all'})"
    )
    print(f"(a) 2011 LSOAs (352): {n / a['lsoa_assign_s']:,.0f} points/s, build {a['lsoa_build_s']:.3f} s")
    print(
        f"(a) all three ward vintages: {3 * n / a['all_assign_s']:,.0f} point-vintages/s"
        f" ({n / a['all_assign_s']:,.0f} points/s for all three), builds {a['all_build_s']:.3f} s;"
        f" peak RSS {a['peak_rss_all_mib']:,.0f} MiB"
    )


def main() -> None:
    """Parse the arguments and run the benchmark at each size."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--points", type=int, nargs="+", default=list(DEFAULT_SIZES), help="point counts to run"
    )
    parser.add_argument("--cell-m", type=float, default=100.0, help="grid cell size of the index (metres)")
    args = parser.parse_args()
    _geodata()
    for n in args.points:
        bench(n, args.cell_m)


if __name__ == "__main__":
    main()
