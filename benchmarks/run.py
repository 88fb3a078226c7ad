"""Benchmarks: `make bench`. Each prints its figure and the ratio to a baseline run alongside.

1. Ward attribution of synthetic points spread over the real Cleveland wards: the
   project's ``attribute_events`` (every vintage, with the boundary and snapping rules)
   against a plain GeoPandas ``sjoin`` of the same points to one vintage.
2. Ingest: the demo year's files loaded into a fresh warehouse (rows/s).

Run with ENDURANCE_GEODATA pointing at the official boundaries (the Makefile does).
"""

from __future__ import annotations

import argparse
import os
import tempfile
import time
from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely

from endurance import attribution, geography, sources, warehouse
from endurance.demo import generate_demo_inputs


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


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--points", type=int, default=1_000_000, help="points to attribute")
    args = parser.parse_args()
    geodata = geography.resolve_geodata_dir(
        env_dir=Path(os.environ["ENDURANCE_GEODATA"]) if os.environ.get("ENDURANCE_GEODATA") else None
    )
    bench_attribution(geodata, args.points)
    bench_ingest(geodata)


if __name__ == "__main__":
    main()
