"""Benchmarks: `make bench`. Each prints its figure and the ratio to a baseline run alongside.

1. Ward attribution of synthetic points spread over the real Cleveland wards: the
   project's ``attribute_events`` (every vintage, with the boundary and snapping rules)
   against a plain GeoPandas ``sjoin`` of the same points to one vintage.
2. Ingest: the demo year's files loaded into a fresh warehouse (rows/s).
3. police.uk at scale: 1,000,000 and 10,000,000 synthetic street-level rows in one file,
   ingested through raw, staging and the quarantine, against DuckDB's bare ``read_csv``
   of the same file into a table (goal: within 3x). Each side runs in its own child
   process so that its peak resident memory can be read (goal: under 4 GiB at 10 M).

Run with ENDURANCE_GEODATA pointing at the official boundaries (the Makefile does);
``--only NAME`` runs one benchmark and ``--rows`` sets the police.uk row counts.
"""

from __future__ import annotations

import argparse
import multiprocessing
import os
import resource
import sys
import tempfile
import time
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path
from typing import Any

import duckdb
import geopandas as gpd
import numpy as np
import pandas as pd
import shapely

from endurance import attribution, geography, sources, warehouse
from endurance.demo import CRIME_TYPES, OUTCOMES, STREETS, generate_demo_inputs


def _points(geodata: Path, n: int, rng: np.random.Generator) -> np.ndarray:
    wards = gpd.read_file(geodata / "cleveland_wards_2024.geojson").to_crs(27700)
    land = shapely.union_all(wards.geometry.to_numpy())
    minx, miny, maxx, maxy = land.bounds
    out = np.empty((0, 2))
    shapely.prepare(land)
    while len(out) < n:
        xy = rng.uniform([minx, miny], [maxx, maxy], size=(2 * n, 2))
        out = np.vstack([out, xy[shapely.contains_xy(land, xy[:, 0], xy[:, 1])]])
    return out[:n]


def bench_attribution(geodata: Path, n: int) -> None:
    rng = np.random.default_rng(7)
    xy = _points(geodata, n, rng)
    with tempfile.TemporaryDirectory() as tmp, warehouse.connect(Path(tmp) / "bench.duckdb") as con:
        geography.load_official_layers(con, geodata)
        geography.load_hotspots(con)
        frame = pd.DataFrame(
            {
                "event_id": [f"INC:B{i}" for i in range(n)],
                "incident_ref": [f"B{i}" for i in range(n)],
                "file_sha256": "bench",
                "row_number": np.arange(1, n + 1),
                "created_at": pd.Timestamp("2025-06-01 19:00"),
                "opening_code": "ASB-VEH",
                "x": xy[:, 0],
                "y": xy[:, 1],
                "is_off_road_bike": True,
            }
        )
        con.register("incoming", frame)
        con.execute("INSERT INTO staging.stg_incident_log_incidents BY NAME SELECT * FROM incoming")
        vintages = len(geography.ward_vintages(con))
        started = time.perf_counter()
        attribution.attribute_events(con)
        ours = time.perf_counter() - started

    wards = gpd.read_file(geodata / "cleveland_wards_2024.geojson").to_crs(27700)
    pts = gpd.GeoDataFrame(geometry=gpd.points_from_xy(xy[:, 0], xy[:, 1]), crs=27700)
    started = time.perf_counter()
    gpd.sjoin(pts, wards[["ward_code", "geometry"]], predicate="intersects", how="left")
    baseline = time.perf_counter() - started

    ours_rate = n * vintages / ours
    base_rate = n / baseline
    print(
        f"attribution, {n:,} points x {vintages} vintages + hotspots: {ours:.2f} s, "
        f"{ours_rate:,.0f} point-wards/s"
    )
    print(f"  baseline geopandas sjoin, 1 vintage: {baseline:.2f} s, {base_rate:,.0f} points/s")
    print(f"  ratio (ours / baseline, per point-ward): {ours_rate / base_rate:.2f}")


def bench_ingest(geodata: Path) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        inputs = generate_demo_inputs(Path(tmp) / "in", geodata)
        rows = sum(len(p.read_text(encoding="utf-8").splitlines()) - 1 for p in inputs.files)
        with warehouse.connect(Path(tmp) / "w.duckdb") as con:
            geography.load_official_layers(con, geodata)
            geography.load_hotspots(con)
            started = time.perf_counter()
            sources.ingest_folder(con, inputs.folder)
            seconds = time.perf_counter() - started
        # Baseline: pandas reading the same files as text, with no validation or writes.
        started = time.perf_counter()
        for path in inputs.files:
            pd.read_csv(path, dtype=str, keep_default_na=False)
        baseline = time.perf_counter() - started
    print(
        f"ingest, demo year ({rows:,} rows, {len(inputs.files)} files): {seconds:.2f} s, "
        f"{rows / seconds:,.0f} rows/s"
    )
    print(f"  baseline pandas read_csv only: {baseline:.2f} s; ratio {seconds / baseline:.1f}x slower")


# police.uk at scale ---------------------------------------------------------------------------

POLICEUK_ROWS = (1_000_000, 10_000_000)
MEMORY_GOAL_GIB = 4.0
RATIO_GOAL = 3.0
ASB = "Anti-social behaviour"
GIB = 1024**3

#: One file per size, generated in DuckDB from a counter: every random choice is a hash of
#: the row number and the seed, so the file is the same byte for byte on every run and
#: thread count. The year is 2025, wholly in the past, so no month is rejected as future.
_POLICEUK_SQL = """
COPY (
    WITH r AS (
        SELECT i,
               hash(i, $seed, 1) % 10000 AS u_type,
               hash(i, $seed, 2) % 1000 AS u_loc,
               1 + (hash(i, $seed, 3) % $points)::INTEGER AS p,
               1 + (hash(i, $seed, 4) % $crimes)::INTEGER AS c,
               1 + (hash(i, $seed, 5) % $outcomes)::INTEGER AS o,
               1 + (i * 12 // $rows)::INTEGER AS month
        FROM range($rows) AS t(i)
    ),
    typed AS (
        SELECT *, u_type < 2500 AS asb, u_loc < 15 AS unlocated FROM r
    )
    SELECT CASE WHEN NOT asb THEN sha256($seed::VARCHAR || ':' || i::VARCHAR) END AS "Crime ID",
           '2025-' || lpad(month::VARCHAR, 2, '0') AS "Month",
           'Cleveland Police' AS "Reported by",
           'Cleveland Police' AS "Falls within",
           CASE WHEN NOT unlocated THEN $lon[p] END AS "Longitude",
           CASE WHEN NOT unlocated THEN $lat[p] END AS "Latitude",
           CASE WHEN unlocated THEN 'No Location' ELSE $location[p] END AS "Location",
           CASE WHEN NOT unlocated THEN $lsoa_code[p] END AS "LSOA code",
           CASE WHEN NOT unlocated THEN $lsoa_name[p] END AS "LSOA name",
           CASE WHEN asb THEN $asb ELSE $crime_type[c] END AS "Crime type",
           CASE WHEN NOT asb THEN $outcome[o] END AS "Last outcome category",
           NULL::VARCHAR AS "Context"
    FROM typed
    ORDER BY i
) TO '{path}' (FORMAT csv, HEADER true, DELIMITER ',')
"""


def _map_points(geodata: Path, rng: np.random.Generator, n: int = 4000) -> pd.DataFrame:
    """Anonymous map points inside Cleveland's force area, each in an LSOA, named like police.uk's.

    police.uk snaps every crime to one of a few thousand such points, so a busy point
    collects many identical antisocial behaviour rows in a month. Points are spread
    one LSOA at a time (LSOAs hold similar populations, so towns get more points) and
    given a heavy-tailed popularity.
    """
    force = gpd.read_file(geodata / "police_force_areas_cleveland_durham_2023.geojson")
    area = force.loc[force["pfa_code"] == geography.FORCE_CODE, "geometry"].iloc[0]
    lsoas = gpd.read_file(geodata / "cleveland_lsoa_2011.geojson")
    cells = shapely.intersection(lsoas.geometry.to_numpy(), area)
    keep = ~shapely.is_empty(cells)
    cells, lsoas = cells[keep], lsoas[keep].reset_index(drop=True)
    pick = rng.integers(0, len(cells), size=n)
    xy = np.empty((n, 2))
    for k, i in enumerate(pick):
        minx, miny, maxx, maxy = shapely.bounds(cells[i])
        while True:
            x, y = rng.uniform(minx, maxx), rng.uniform(miny, maxy)
            if shapely.contains_xy(cells[i], x, y):
                xy[k] = x, y
                break
    return pd.DataFrame(
        {
            "lon": [f"{v:.6f}" for v in xy[:, 0]],
            "lat": [f"{v:.6f}" for v in xy[:, 1]],
            "location": [f"On or near {s}" for s in rng.choice(STREETS, size=n)],
            "lsoa_code": lsoas["lsoa_code"].to_numpy()[pick],
            "lsoa_name": lsoas["lsoa_name"].to_numpy()[pick],
            "weight": rng.lognormal(0.0, 1.5, size=n),
        }
    )


def _slots(values: list[str], weights: np.ndarray, size: int) -> list[str]:
    """``values`` repeated in proportion to ``weights`` over ``size`` slots (a sampling table)."""
    counts = np.maximum(1, np.round(weights / weights.sum() * size)).astype(int)
    return [v for v, c in zip(values, counts, strict=True) for _ in range(c)]


def write_policeuk_street(path: Path, rows: int, geodata: Path, *, seed: int = 42) -> Path:
    """Write ``rows`` police.uk street-level rows for Cleveland, 2025, to one CSV file.

    About 25% antisocial behaviour (no Crime ID, no outcome), 64-hex Crime IDs for the
    rest, rows in month order, 1.5% with no location, points drawn from a few thousand
    map points with a heavy-tailed popularity.
    """
    rng = np.random.default_rng(seed)
    points = _map_points(geodata, rng)
    slots = _slots(list(range(len(points))), points["weight"].to_numpy(), 1 << 16)
    picked = points.iloc[slots]
    crime_types = {k: v for k, v in CRIME_TYPES.items() if k != ASB}
    crime_slots = _slots(list(crime_types), np.array(list(crime_types.values())), 1000)
    params: dict[str, Any] = {
        "seed": seed,
        "rows": rows,
        "points": len(picked),
        "crimes": len(crime_slots),
        "outcomes": len(OUTCOMES),
        "asb": ASB,
        "crime_type": crime_slots,
        "outcome": list(OUTCOMES),
        **{k: picked[k].tolist() for k in ("lon", "lat", "location", "lsoa_code", "lsoa_name")},
    }
    with duckdb.connect() as con:
        con.execute(_POLICEUK_SQL.format(path=str(path).replace("'", "''")), params)
    return path


def _peak_rss_bytes() -> int:
    """Peak resident memory of this process (ru_maxrss is KiB on Linux)."""
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024


def _ingest_in_child(path: Path, geodata: Path, db_path: Path) -> dict[str, Any]:
    """Ingest ``path`` into a fresh warehouse; time it and report this process's peak memory."""
    with warehouse.connect(db_path) as con:
        geography.load_official_layers(con, geodata)
        geography.load_hotspots(con)
        before = _peak_rss_bytes()
        started = time.perf_counter()
        (load,) = sources.ingest_paths(con, [path], source="policeuk_street")
        seconds = time.perf_counter() - started
        staged_rows = con.execute("SELECT count(*) FROM staging.stg_policeuk_street").fetchone()
    return {
        "seconds": seconds,
        "rss_before": before,
        "rss_peak": _peak_rss_bytes(),
        "load": load,
        "staged_rows": staged_rows[0] if staged_rows else 0,
    }


def _bare_read_in_child(path: Path, db_path: Path) -> dict[str, Any]:
    """DuckDB's bare read of ``path`` into a table of a fresh database file, timed."""
    with duckdb.connect(str(db_path)) as con:
        before = _peak_rss_bytes()
        started = time.perf_counter()
        con.execute("CREATE TABLE t AS SELECT * FROM read_csv(?, all_varchar = true)", [str(path)])
        seconds = time.perf_counter() - started
        rows = con.execute("SELECT count(*) FROM t").fetchone()
    return {
        "seconds": seconds,
        "rss_before": before,
        "rss_peak": _peak_rss_bytes(),
        "rows": rows[0] if rows else 0,
    }


def _in_child(function: Any, *args: Any) -> dict[str, Any]:
    """Run ``function`` in a fresh process, so its peak memory is its own."""
    with ProcessPoolExecutor(max_workers=1, mp_context=multiprocessing.get_context("spawn")) as pool:
        return pool.submit(function, *args).result()


def bench_policeuk(geodata: Path, sizes: tuple[int, ...] = POLICEUK_ROWS) -> None:
    for rows in sizes:
        with tempfile.TemporaryDirectory(prefix="endurance-bench-") as tmp:
            path = Path(tmp) / "2025-cleveland-street.csv"
            started = time.perf_counter()
            write_policeuk_street(path, rows, geodata)
            generated = time.perf_counter() - started
            size_mib = path.stat().st_size / 1024**2
            ours = _in_child(_ingest_in_child, path, geodata, Path(tmp) / "bench.duckdb")
            bare = _in_child(_bare_read_in_child, path, Path(tmp) / "bare.duckdb")
        load = ours["load"]
        reconciles = (
            load.reconciles
            and load.rows_in == rows
            and bare["rows"] == rows
            and ours["staged_rows"] == load.staged
        )
        print(
            f"police.uk ingest, {rows:,} rows ({size_mib:,.0f} MiB, generated in {generated:.1f} s): "
            f"{ours['seconds']:.2f} s, {rows / ours['seconds']:,.0f} rows/s; "
            f"peak RSS {ours['rss_peak'] / GIB:.2f} GiB (goal < {MEMORY_GOAL_GIB:.0f}; "
            f"{ours['rss_before'] / GIB:.2f} GiB before the ingest)"
        )
        print(
            f"  baseline DuckDB read_csv into a table: {bare['seconds']:.2f} s, "
            f"{rows / bare['seconds']:,.0f} rows/s; peak RSS {bare['rss_peak'] / GIB:.2f} GiB"
        )
        ratio = ours["seconds"] / bare["seconds"]
        print(
            f"  ratio (ours / bare read): {ratio:.2f}x (goal <= {RATIO_GOAL:.0f}x: "
            f"{'met' if ratio <= RATIO_GOAL else 'NOT met'}); memory goal "
            f"{'met' if ours['rss_peak'] < MEMORY_GOAL_GIB * GIB else 'NOT met'}"
        )
        print(
            f"  reconciliation {'holds' if reconciles else 'FAILS'}: rows in {load.rows_in:,} "
            f"(generated {rows:,}) = staged {load.staged:,} + rejected {load.rejected:,} "
            f"+ duplicate {load.duplicate:,}; unlocated {load.unlocated:,}"
        )
        sys.stdout.flush()


BENCHMARKS = ("attribution", "ingest", "policeuk")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--points", type=int, default=1_000_000, help="points to attribute")
    parser.add_argument("--only", choices=BENCHMARKS, help="run one benchmark")
    parser.add_argument(
        "--rows",
        type=int,
        nargs="+",
        default=list(POLICEUK_ROWS),
        help="police.uk row counts, one file each (default: 1,000,000 and 10,000,000)",
    )
    args = parser.parse_args()
    geodata = geography.resolve_geodata_dir(
        env_dir=Path(os.environ["ENDURANCE_GEODATA"]) if os.environ.get("ENDURANCE_GEODATA") else None
    )
    chosen = [args.only] if args.only else BENCHMARKS
    if "attribution" in chosen:
        bench_attribution(geodata, args.points)
    if "ingest" in chosen:
        bench_ingest(geodata)
    if "policeuk" in chosen:
        bench_policeuk(geodata, tuple(args.rows))


if __name__ == "__main__":
    main()
