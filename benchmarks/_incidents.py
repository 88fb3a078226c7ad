"""Synthetic off-road-bike incidents staged straight into a warehouse, for the benchmarks at scale."""

from __future__ import annotations

import duckdb
import numpy as np
import pandas as pd

from endurance.demo.geography import DemoGeography, incident_points
from endurance.demo.timing import timestamps
from endurance.sources._common import lonlat_from_bng


def stage_incidents(con: duckdb.DuckDBPyConnection, geo: DemoGeography, n: int, seed: int = 11) -> None:
    """Stage ``n`` incident-log rows spread over a year as the demo spreads them (no files, no checks)."""
    rng = np.random.default_rng(seed)
    xy = incident_points(geo, n, rng)
    lon, lat = lonlat_from_bng(xy[:, 0], xy[:, 1])
    frame = pd.DataFrame(
        {
            "event_id": [f"INC:M{i}" for i in range(n)],
            "incident_ref": [f"M{i}" for i in range(n)],
            "file_sha256": "bench-maps",
            "row_number": np.arange(1, n + 1),
            "created_at": pd.to_datetime(timestamps(n, 2025, rng)),
            "opening_code": "ASB-VEH",
            "x": xy[:, 0],
            "y": xy[:, 1],
            "lon": lon,
            "lat": lat,
            "is_off_road_bike": True,
            "classification_rule": "keyword:scrambler",
        }
    )
    con.register("incoming", frame)
    con.execute("INSERT INTO staging.stg_incident_log_incidents BY NAME SELECT * FROM incoming")
    con.unregister("incoming")
