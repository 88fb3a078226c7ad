"""The demo run the end-to-end tests share: generated once per session, then copied per test.

Tests that need a warehouse as `make demo` leaves it ask for ``demo_run`` (read it only) or
``demo_copy`` (a private copy the ``ENDURANCE_*`` settings point at).
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from endurance import warehouse
from endurance.sources import incident_log

HARTLEPOOL = "E06000001"
#: The layers of a map, in the layer control's order.
MAP_LAYERS = [
    "Wards (2024): incidents and change",
    "Hotspot risk (expected incidents per km²)",
    "Gi* hot and cold spots (cells)",
    "Hotspot areas (named)",
    "Gazetteer places",
    "Cleveland force area",
    "Incidents per 100 m square (clustered)",
    "Incident heat (exploration: changes with zoom)",
]


def table_counts(con):
    return {t: con.execute(f"SELECT count(*) FROM {t}").fetchone()[0] for t in TABLES}


TABLES = (
    "raw.policeuk_street",
    "raw.incident_log",
    "raw.intelligence",
    "staging.stg_policeuk_street",
    "staging.stg_incident_log_incidents",
    "staging.stg_intelligence_reports",
    "raw.fire_incidents",
    "raw.enforcement_outcomes",
    "staging.stg_fire_incidents",
    "staging.stg_fire_restricted",
    "staging.stg_enforcement_outcomes",
    "staging.stg_enforcement_restricted",
    "staging.event_wards",
    "staging.event_hotspots",
    "ops.rejects",
    "ops.files",
    "marts.ward_month_counts",
)


@pytest.fixture(scope="session")
def demo_run(tmp_path_factory: pytest.TempPathFactory, geodata_dir: Path, prefect_harness: None) -> dict:
    """Generate the demo inputs and run the nightly flow on them once per session."""
    from endurance.demo import generate_demo_inputs
    from pipelines.nightly import nightly

    out = tmp_path_factory.mktemp("demo-out")
    saved = {k: os.environ.get(k) for k in ("ENDURANCE_OUT", "ENDURANCE_DB", "ENDURANCE_GEODATA")}
    os.environ.update(
        {
            "ENDURANCE_OUT": str(out),
            "ENDURANCE_DB": str(out / "endurance.duckdb"),
            "ENDURANCE_GEODATA": str(geodata_dir),
        }
    )
    try:
        inputs = generate_demo_inputs(out / "demo-inputs", geodata_dir)
        result = nightly(
            input_dir=str(inputs.folder),
            period_from="2025-01",
            period_to="2025-12",
            data_label="SYNTHETIC DEMO DATA",
        )
        with warehouse.connect(out / "endurance.duckdb", read_only=True) as connection:
            counts_after_first = table_counts(connection)
        # A second run over the same files must change nothing (idempotent loads).
        second = nightly(
            input_dir=str(inputs.folder),
            period_from="2025-01",
            period_to="2025-12",
            data_label="SYNTHETIC DEMO DATA",
        )
        # The tasking pack for the first meeting after the demo year, as `make demo` writes it.
        from datetime import date

        from pipelines.briefing import tasking_briefing

        briefing = tasking_briefing(meeting=date(2026, 1, 6), data_label="SYNTHETIC DEMO DATA")
    finally:
        for key, value in saved.items():
            if value is None:
                os.environ.pop(key, None)
            else:
                os.environ[key] = value
    return {
        "out": out,
        "inputs": inputs,
        "result": result,
        "second": second,
        "briefing": briefing,
        "counts_after_first": counts_after_first,
        "db": out / "endurance.duckdb",
    }


@pytest.fixture
def demo_copy(demo_run: dict, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, geodata_dir: Path) -> Path:
    """Return a private copy of the demo warehouse, named by ENDURANCE_* settings (outputs in tmp_path)."""
    db = tmp_path / "endurance.duckdb"
    db.write_bytes(demo_run["db"].read_bytes())
    monkeypatch.setenv("ENDURANCE_OUT", str(tmp_path))
    monkeypatch.setenv("ENDURANCE_DB", str(db))
    monkeypatch.setenv("ENDURANCE_GEODATA", str(geodata_dir))
    monkeypatch.setenv("COLUMNS", "300")
    return db


def new_incidents(db: Path, folder: Path, n: int = 3) -> Path:
    """Write a control-room log of ``n`` off-road-bike incidents in Hartlepool in August 2025; return it.

    The incidents are far apart in time.
    """
    with warehouse.connect(db, read_only=True) as con:
        x, y = con.execute(
            "SELECT ST_X(p), ST_Y(p) FROM (SELECT ST_PointOnSurface(geom_27700) AS p FROM geo.wards"
            " WHERE vintage = '2024' AND lad_code = ? ORDER BY ward_code LIMIT 1)",
            [HARTLEPOOL],
        ).fetchone()
    rows = [
        f"LATE-{i},2025-08-{2 + 9 * i:02d}T04:1{i}:00,ASB-VEH,S59-WARN,Late report,{x:.0f},{y:.0f},,,"
        "Scrambler warned"
        for i in range(n)
    ]
    path = folder / "late_incidents.csv"
    folder.mkdir(parents=True, exist_ok=True)
    path.write_text(",".join(incident_log.HEADER) + "\n" + "\n".join(rows) + "\n")
    return path
