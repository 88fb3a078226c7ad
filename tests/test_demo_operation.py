"""`endurance demo` as a new user runs it: the whole operation, Cleveland and Durham, apart and together."""

from __future__ import annotations

import csv
import os
import subprocess
import sys
from pathlib import Path

import pytest

from endurance import warehouse
from tests._two_forces import skip_without_durham

PERIOD = "2025-01_to_2025-12"
AUTHORITIES = ["E06000001", "E06000002", "E06000003", "E06000004", "E06000005", "E06000047"]


def _endurance(args: list[str], env: dict[str, str]) -> str:
    done = subprocess.run(
        [str(Path(sys.executable).with_name("endurance")), *args],
        capture_output=True,
        text=True,
        env=env,
        timeout=900,
    )
    output = done.stdout + done.stderr
    assert done.returncode == 0, output
    assert "Traceback" not in output
    return output


@pytest.fixture(scope="module")
def operation(tmp_path_factory: pytest.TempPathFactory, geodata_dir: Path) -> dict:
    """Run `endurance demo` with ENDURANCE_FORCES unset, in a process of its own with its own Prefect."""
    skip_without_durham(geodata_dir)
    out = tmp_path_factory.mktemp("operation")
    env = {k: v for k, v in os.environ.items() if not k.startswith(("PREFECT_API", "ENDURANCE_"))}
    env |= {
        "ENDURANCE_OUT": str(out),
        "ENDURANCE_DB": str(out / "endurance.duckdb"),
        "ENDURANCE_GEODATA": str(geodata_dir),
        "COLUMNS": "80",
    }
    return {"out": out, "env": env, "printed": _endurance(["demo"], env)}


@pytest.mark.slow
def test_the_demo_publishes_both_forces_and_the_joint_operation(operation):
    out, printed = operation["out"], operation["printed"]
    assert "(32 files, synthetic, Cleveland and Durham)" in " ".join(printed.split())
    maps = sorted(p.name for p in (out / "maps").glob("*.html"))
    assert maps == [
        f"hotspots_{PERIOD}.html",
        f"hotspots_{PERIOD}_cleveland.html",
        f"hotspots_{PERIOD}_durham.html",
    ]
    assert all((out / "maps" / name).with_suffix(".png").stat().st_size > 50_000 for name in maps)
    packs = sorted(p.name for p in (out / "briefings").glob("briefing_*.pdf"))
    assert len(packs) == 3 and {p.rsplit("_", 1)[-1] for p in packs} >= {"cleveland.pdf", "durham.pdf"}
    exported = {p.name.split("_")[0] for p in (out / "exports").glob("*.xlsx")}
    assert exported == {*AUTHORITIES, "force"}
    with warehouse.connect(out / "endurance.duckdb", read_only=True) as con:
        areas = con.execute("SELECT analysis_area, incidents FROM marts.density_grid ORDER BY 1").fetchall()
    (cleveland, c), (durham, d), (joint, j) = areas
    assert (cleveland, durham, joint) == ("cleveland", "durham", "joint") and c + d == j and min(c, d) > 1000


@pytest.mark.slow
def test_county_durham_s_ward_summary_from_the_demo(operation, tmp_path):
    printed = _endurance(
        [
            "export",
            "wards",
            "--lad",
            "E06000047",
            "--period",
            "2025",
            "--format",
            "csv",
            "--out",
            str(tmp_path),
        ],
        operation["env"],
    )
    path = tmp_path / f"E06000047_{PERIOD}.csv"
    assert str(path) in " ".join(printed.split())
    with open(path, encoding="utf-8-sig", newline="") as handle:
        rows = list(csv.DictReader(handle))
    wards = [r for r in rows if r["row_type"] == "ward"]
    assert len(wards) == 63 and {r["lad_name"] for r in rows} == {"County Durham"}
    assert sum(1 for r in rows if r["row_type"] == "authority total") == 1
