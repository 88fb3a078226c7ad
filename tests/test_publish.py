"""Outputs are put in place whole or not at all: full disks and kills leave the previous file."""

from __future__ import annotations

import hashlib
import os
import signal
import subprocess
import sys
from pathlib import Path

import pytest
from typer.testing import CliRunner

from endurance import _publish
from endurance._errors import ArgumentError
from pipelines.cli import app


def digest(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def fill(disk: Path, leave: int) -> None:
    """Fill the filesystem at ``disk`` until about ``leave`` bytes are free."""
    stats = os.statvfs(disk)
    free = stats.f_bavail * stats.f_frsize
    with open(disk / "filler", "wb") as handle:
        handle.write(b"\0" * max(free - leave, 0))


def test_a_write_that_runs_out_of_disk_leaves_the_previous_file(small_disk):
    target = small_disk.path / "maps" / "hotspots.html"
    _publish.write_text(target, "<html>the good map</html>")
    before = digest(target)
    fill(small_disk.path, 64 * 1024)
    with pytest.raises(OSError) as caught:
        _publish.write_text(target, "x" * (1 << 20))
    assert caught.value.errno == 28  # ENOSPC: a real full disk
    assert digest(target) == before
    assert sorted(p.name for p in target.parent.iterdir()) == ["hotspots.html"]


WRITER = r"""
import sys, time
from pathlib import Path
from endurance import _publish
from endurance._errors import ArgumentError
with _publish.publishing(Path(sys.argv[1])) as partial, open(partial, "w") as handle:
    handle.write("half a map")
    handle.flush()
    print("writing", flush=True)
    time.sleep(60)
"""


def test_a_writer_killed_mid_file_leaves_the_previous_file_and_the_next_write_tidies_up(tmp_path):
    target = tmp_path / "export.csv"
    _publish.write_text(target, "ward,incidents\nE05000001,7\n")
    writer = subprocess.Popen([sys.executable, "-c", WRITER, str(target)], stdout=subprocess.PIPE, text=True)
    assert writer.stdout is not None and writer.stdout.readline().strip() == "writing"
    os.kill(writer.pid, signal.SIGKILL)
    writer.wait()
    assert target.read_text() == "ward,incidents\nE05000001,7\n"
    (left,) = [p for p in tmp_path.iterdir() if p.name != "export.csv"]
    # Named so that a folder scan for input tables never takes it for one.
    assert left.name == f".export.csv.{writer.pid}.partial" and left.read_text() == "half a map"
    _publish.write_text(target, "ward,incidents\nE05000001,8\n")
    assert [p.name for p in tmp_path.iterdir()] == ["export.csv"]


@pytest.mark.slow
def test_the_map_command_on_a_full_disk_keeps_the_old_map_and_says_so_in_one_line(
    demo_run, tmp_path, small_disk, monkeypatch
):
    db = tmp_path / "endurance.duckdb"
    db.write_bytes(demo_run["db"].read_bytes())
    monkeypatch.setenv("ENDURANCE_DB", str(db))
    monkeypatch.setenv("ENDURANCE_OUT", str(tmp_path))
    monkeypatch.setenv("COLUMNS", "400")
    target = small_disk.path / "map.html"
    args = ["map", "--from", "2025-01", "--to", "2025-12", "--out", str(target)]
    first = CliRunner().invoke(app, args)
    assert first.exit_code == 0, first.output
    before = digest(target)
    fill(small_disk.path, 100 * 1024)  # the map is about half a megabyte
    second = CliRunner().invoke(app, args)
    assert second.exit_code == 1
    lines = [line for line in second.output.splitlines() if line.strip()]
    assert len(lines) == 1 and lines[0].startswith("error: no room left to write (disk full)"), second.output
    assert digest(target) == before  # the good map is still there, whole
    assert sorted(p.name for p in small_disk.path.iterdir()) == ["filler", "map.html"]


def test_a_folder_that_takes_no_files_is_refused_with_a_reason_that_fits(tmp_path):
    with pytest.raises(ArgumentError, match=r"^--out: cannot write to the folder /proc \(the system"):
        _publish.check_writable(Path("/proc"), "--out")
    under_a_file = tmp_path / "a-file"
    under_a_file.write_text("x")
    with pytest.raises(ArgumentError, match=r"cannot write to the folder .*a-file/sub \(Not a directory\)"):
        _publish.check_writable(under_a_file / "sub", "--out")
