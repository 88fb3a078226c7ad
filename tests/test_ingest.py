"""`endurance ingest` stopped by Ctrl-C, SIGTERM or a full disk: one line, and a ledger that agrees.

Real processes of the real command against a real warehouse file; the full disk is a
real (small) filesystem.
"""

from __future__ import annotations

import json
import os
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from endurance import warehouse
from tests._policeuk import policeuk_file, wal_size

pytestmark = pytest.mark.slow
ENDURANCE = str(Path(sys.executable).with_name("endurance"))


def _env(db: Path, out: Path, geodata_dir: Path) -> dict[str, str]:
    return {
        **os.environ,
        "ENDURANCE_DB": str(db),
        "ENDURANCE_OUT": str(out),
        "ENDURANCE_GEODATA": str(geodata_dir),
        "COLUMNS": "400",  # one line stays one line
    }


def _ingest(db: Path, out: Path, geodata_dir: Path, csv: Path) -> subprocess.CompletedProcess[str]:
    """Run `endurance ingest policeuk_street CSV` to its end."""
    return subprocess.run(
        [ENDURANCE, "ingest", "policeuk_street", str(csv)],
        env=_env(db, out, geodata_dir),
        capture_output=True,
        text=True,
        timeout=300,
    )


def _one_line(done_out: str) -> str:
    """Return the one line a command printed (fails when it printed more)."""
    lines = [line for line in done_out.splitlines() if line.strip()]
    assert len(lines) == 1 and "Traceback" not in done_out, lines
    return lines[0]


def _ledger(db: Path) -> tuple[int, list[tuple[str, str, list[dict]]]]:
    with warehouse.connect(db) as con:
        files = con.execute("SELECT count(*) FROM ops.files").fetchone()[0]
        runs = [
            (status, error, json.loads(inputs or "[]"))
            for status, error, inputs in con.execute("SELECT status, error, inputs FROM ops.runs").fetchall()
        ]
    return files, runs


@pytest.mark.parametrize(
    ("sig", "code", "by"), [(signal.SIGINT, 130, "Ctrl-C"), (signal.SIGTERM, 143, "SIGTERM")]
)
def test_a_signal_during_the_commit_is_one_line_and_the_ledger_says_what_landed(
    geo_db, tmp_path, geodata_dir, sig, code, by
):
    db = tmp_path / "endurance.duckdb"
    shutil.copy(geo_db, db)
    csv = policeuk_file(tmp_path / "in" / "2025-05-cleveland-street.csv", 150_000, seed=21)
    child = subprocess.Popen(
        [ENDURANCE, "ingest", "policeuk_street", str(csv)],
        env=_env(db, tmp_path, geodata_dir),
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    # The run's start is the first commit; the load's commit is the next growth of the log.
    deadline = time.monotonic() + 120
    while wal_size(db) == 0 and child.poll() is None and time.monotonic() < deadline:
        time.sleep(0.001)
    started = wal_size(db)
    while wal_size(db) == started and child.poll() is None and time.monotonic() < deadline:
        pass
    assert child.poll() is None, "the load finished before its commit was seen"
    child.send_signal(sig)
    out, err = child.communicate(timeout=120)
    files, runs = _ledger(db)
    ((status, error, inputs),) = runs
    assert [i["path"] for i in inputs] == [str(csv)] * files  # the ledger lists what the warehouse holds
    if child.returncode == 0:  # the signal came as the commit ended, too late to stop anything
        assert (status, files) == ("completed", 1), out + err
        return
    assert child.returncode == code, out + err
    assert _one_line(out + err).startswith(f"interrupted: endurance ingest was stopped by {by}")
    # Never `failed` for a file that loaded: interrupted, with the file if its commit landed.
    assert status == "interrupted" and error.startswith("interrupted")
    again = _ingest(db, tmp_path, geodata_dir, csv)
    assert again.returncode == 0, again.stdout + again.stderr
    assert ("already_loaded" in again.stdout) == bool(files)


def test_a_full_disk_is_one_line_and_leaves_no_run_running(geo_db, tmp_path, geodata_dir, small_disk):
    db = small_disk.path / "endurance.duckdb"
    shutil.copy(geo_db, db)
    csv = policeuk_file(tmp_path / "in" / "2025-05-cleveland-street.csv", 150_000, seed=22)
    full = _ingest(db, tmp_path, geodata_dir, csv)
    assert full.returncode == 1
    assert _one_line(full.stdout + full.stderr).startswith("error: no room left to write (disk full): ")
    small_disk.resize("200m")
    files, runs = _ledger(db)
    assert files == 0 and [status for status, _, _ in runs] in (["failed"], ["interrupted"])
    with warehouse.connect(db, read_only=True) as con:
        assert con.execute("SELECT count(*) FROM staging.stg_policeuk_street_typed").fetchone()[0] == 0
    loaded = _ingest(db, tmp_path, geodata_dir, csv)
    assert loaded.returncode == 0 and "rows in 150,000 = staged 150,000" in loaded.stdout
