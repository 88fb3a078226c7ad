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
from concurrent.futures.process import BrokenProcessPool
from pathlib import Path
from typing import Any

import duckdb
import geopandas as gpd
import numpy as np
import pandas as pd
import shapely

from endurance import geography, sources, warehouse
from endurance.demo import generate_demo_inputs
from endurance.demo.geography import STREETS
from endurance.demo.policeuk import CRIME_TYPES, OUTCOMES
from endurance.forces import DEFAULT_FORCE
from endurance.geography import attribution


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
#: police.uk names a map point after a street or a kind of place.
PLACES = (
    "Parking Area",
    "Supermarket",
    "Petrol Station",
    "Shopping Area",
    "Sports/Recreation Area",
    "Park/Open Space",
    "Nightclub",
    "Hospital",
    "Police Station",
)

#: One file per size, generated in DuckDB from a counter: every random choice is a hash of
#: the row number and the seed, drawn from small sampling tables, and DuckDB keeps the
#: counter's order through the joins, so the file is the same byte for byte on every run.
#: Parameters in arithmetic are cast: ``UBIGINT % $n`` with an untyped ``$n`` runs in
#: HUGEINT, five times slower. The year is 2025, wholly past, so no month is in the future.
_POLICEUK_SQL = """
COPY (
    WITH r AS (
        SELECT i,
               hash(i, $seed, 1) % 10000 < 2500 AS asb,
               hash(i, $seed, 2) % 1000 < 15 AS unlocated,
               (hash(i, $seed, 3) % $points::UBIGINT)::INTEGER AS p,
               (hash(i, $seed, 4) % $crimes::UBIGINT)::INTEGER AS c,
               (hash(i, $seed, 5) % $outcomes::UBIGINT)::INTEGER AS o,
               1 + (i * 12 // $rows::BIGINT)::INTEGER AS month
        FROM range($rows) AS t(i)
    )
    SELECT CASE WHEN NOT asb THEN sha256($seed::VARCHAR || ':' || i::VARCHAR) END AS "Crime ID",
           '2025-' || lpad(month::VARCHAR, 2, '0') AS "Month",
           'Cleveland Police' AS "Reported by",
           'Cleveland Police' AS "Falls within",
           CASE WHEN NOT unlocated THEN m.lon END AS "Longitude",
           CASE WHEN NOT unlocated THEN m.lat END AS "Latitude",
           CASE WHEN unlocated THEN 'No Location' ELSE m.location END AS "Location",
           CASE WHEN NOT unlocated THEN m.lsoa_code END AS "LSOA code",
           CASE WHEN NOT unlocated THEN m.lsoa_name END AS "LSOA name",
           CASE WHEN asb THEN $asb ELSE k.crime_type END AS "Crime type",
           CASE WHEN NOT asb THEN x.outcome END AS "Last outcome category",
           NULL::VARCHAR AS "Context"
    FROM r
    JOIN point_slots AS m USING (p)
    JOIN crime_slots AS k USING (c)
    JOIN outcome_slots AS x USING (o)
) TO '{path}' (FORMAT csv, HEADER true, DELIMITER ',')
"""


def _map_points(geodata: Path, rng: np.random.Generator, n: int = 7000) -> pd.DataFrame:
    """Anonymous map points inside Cleveland's force area, each in an LSOA, named like police.uk's.

    police.uk snaps every crime to one of a few thousand such points (Cleveland's 2025
    files use about 7,000), so a busy point collects many identical antisocial
    behaviour rows in a month. Points are spread one LSOA at a time (LSOAs hold similar
    populations, so towns get more points) and given a heavy-tailed popularity.
    """
    force = gpd.read_file(geodata / "police_force_areas_cleveland_durham_2023.geojson")
    area = force.loc[force["pfa_code"] == DEFAULT_FORCE.force_code, "geometry"].iloc[0]
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
            "location": [f"On or near {s}" for s in rng.choice([*STREETS, *PLACES], size=n)],
            "lsoa_code": lsoas["lsoa_code"].to_numpy()[pick],
            "lsoa_name": lsoas["lsoa_name"].to_numpy()[pick],
            "weight": rng.lognormal(0.0, 1.5, size=n),
        }
    )


def _slots(frame: pd.DataFrame, weights: np.ndarray, size: int, key: str) -> pd.DataFrame:
    """Return a sampling table: rows of ``frame`` repeated in proportion to ``weights``, numbered ``key``."""
    counts = np.maximum(1, np.round(weights / np.sum(weights) * size)).astype(int)
    out = frame.loc[frame.index.repeat(counts)].reset_index(drop=True)
    out.insert(0, key, np.arange(len(out), dtype=np.int32))
    return out


def write_policeuk_street(path: Path, rows: int, geodata: Path, *, seed: int = 42) -> Path:
    """Write ``rows`` police.uk street-level rows for Cleveland, 2025, to one CSV file.

    About 25% antisocial behaviour (no Crime ID, no outcome), 64-hex Crime IDs for the
    rest, rows in month order, 1.5% with no location, points drawn from a few thousand
    map points with a heavy-tailed popularity.
    """
    points = _map_points(geodata, np.random.default_rng(seed))
    point_slots = _slots(points.drop(columns="weight"), points["weight"].to_numpy(), 1 << 16, "p")
    crimes = {k: v for k, v in CRIME_TYPES.items() if k != ASB}
    crime_slots = _slots(
        pd.DataFrame({"crime_type": list(crimes)}), np.array(list(crimes.values())), 1000, "c"
    )
    outcome_slots = _slots(pd.DataFrame({"outcome": OUTCOMES}), np.ones(len(OUTCOMES)), len(OUTCOMES), "o")
    params = {
        "seed": seed,
        "rows": rows,
        "points": len(point_slots),
        "crimes": len(crime_slots),
        "outcomes": len(outcome_slots),
        "asb": ASB,
    }
    with duckdb.connect() as con:
        con.execute("SET enable_progress_bar = false")  # DuckDB draws one on stderr even off a terminal
        for name, frame in (
            ("point_slots", point_slots),
            ("crime_slots", crime_slots),
            ("outcome_slots", outcome_slots),
        ):
            con.register(f"{name}_frame", frame)
            con.execute(f"CREATE TABLE {name} AS SELECT * FROM {name}_frame")  # noqa: S608 (constant)
        con.execute(_POLICEUK_SQL.format(path=str(path).replace("'", "''")), params)
    return path


def _peak_rss_bytes() -> int:
    """Peak resident memory of this process.

    Linux's VmHWM starts afresh when a process executes a new program. ``ru_maxrss``
    does not: a spawned child starts from its parent's peak (1.6 GiB after the
    attribution benchmark), so it is only the fallback.
    """
    status = Path("/proc/self/status")
    if status.exists():
        for line in status.read_text().splitlines():
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) * 1024  # kB
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024  # KiB on Linux


def _ingest_in_child(path: Path, geodata: Path, db_path: Path) -> dict[str, Any]:
    """Ingest ``path`` into a fresh warehouse; time it and report this process's peak memory."""
    with warehouse.connect(db_path) as con:
        con.execute("SET enable_progress_bar = false")
        geography.load_official_layers(con, geodata)
        geography.load_hotspots(con)
        before = _peak_rss_bytes()
        started = time.perf_counter()
        (load,) = sources.ingest_paths(con, [path], source="policeuk_street")
        seconds = time.perf_counter() - started
        staged_rows = con.execute("SELECT count(*) FROM staging.stg_policeuk_street").fetchone()
        limit = con.execute("SELECT current_setting('memory_limit')").fetchone()
    return {
        "seconds": seconds,
        "rss_before": before,
        "rss_peak": _peak_rss_bytes(),
        "load": load,
        "staged_rows": staged_rows[0] if staged_rows else 0,
        "memory_limit": limit[0] if limit else "?",
    }


def _bare_read_in_child(path: Path, db_path: Path) -> dict[str, Any]:
    """DuckDB's bare read of ``path`` into a table of a fresh database file, timed."""
    with duckdb.connect(str(db_path)) as con:
        con.execute("SET enable_progress_bar = false")
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
            try:
                ours = _in_child(_ingest_in_child, path, geodata, Path(tmp) / "bench.duckdb")
            except (duckdb.Error, BrokenProcessPool) as exc:  # out of memory, or killed by the kernel
                print(f"police.uk ingest, {rows:,} rows: FAILED ({type(exc).__name__}: {exc})")
                continue
            bare = _in_child(_bare_read_in_child, path, Path(tmp) / "bare.duckdb")
        _report_policeuk(rows, size_mib, generated, ours, bare)


def _report_policeuk(
    rows: int, size_mib: float, generated: float, ours: dict[str, Any], bare: dict[str, Any]
) -> None:
    load = ours["load"]
    reconciles = (
        load.reconciles
        and load.rows_in == rows
        and bare["rows"] == rows
        and ours["staged_rows"] == load.staged
    )
    ratio = ours["seconds"] / bare["seconds"]
    print(
        f"police.uk ingest, {rows:,} rows ({size_mib:,.0f} MiB, generated in {generated:.1f} s): "
        f"{ours['seconds']:.2f} s, {rows / ours['seconds']:,.0f} rows/s; "
        f"peak RSS {ours['rss_peak'] / GIB:.2f} GiB (goal < {MEMORY_GOAL_GIB:.0f}; "
        f"{ours['rss_before'] / GIB:.2f} GiB before the ingest; DuckDB memory_limit {ours['memory_limit']})"
    )
    print(
        f"  baseline DuckDB read_csv into a table: {bare['seconds']:.2f} s, "
        f"{rows / bare['seconds']:,.0f} rows/s; peak RSS {bare['rss_peak'] / GIB:.2f} GiB"
    )
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
