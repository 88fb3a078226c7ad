"""One writer at a time: real second processes against a real warehouse file."""

from __future__ import annotations

import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import duckdb
import pytest
from typer.testing import CliRunner

from endurance import warehouse
from pipelines.cli import app

pytestmark = pytest.mark.slow

# A second process: opens the warehouse, says "ready", holds it, closes it, says "released".
HOLDER = """
import sys, time
from pathlib import Path
db, mode, seconds = Path(sys.argv[1]), sys.argv[2], float(sys.argv[3])
if mode == "raw":  # DuckDB alone, without the project's lock (the duckdb CLI, say)
    import duckdb
    con = duckdb.connect(str(db))
else:
    from endurance import warehouse
    con = warehouse.connect(db, read_only=mode == "read", lock_wait=60)
    if mode == "write":
        warehouse.start_run(con, warehouse.RunRecord(flow="holder", parameters={}, run_id="holder-run-1"))
        con.execute("CREATE TABLE IF NOT EXISTS main.t (x INTEGER)")
        con.execute("INSERT INTO main.t VALUES (1)")
print("ready", flush=True)
time.sleep(seconds)
con.close()
print("released", flush=True)
"""


class Holder:
    """A process holding the warehouse, started and waited for."""

    def __init__(self, db: Path, mode: str, seconds: float) -> None:
        self.process = subprocess.Popen(
            [sys.executable, "-c", HOLDER, str(db), mode, str(seconds)], stdout=subprocess.PIPE, text=True
        )
        assert self.process.stdout is not None
        line = self.process.stdout.readline().strip()
        assert line == "ready", f"holder did not start: {line!r}"
        self.ready_at = time.monotonic()

    def wait_released(self) -> None:
        assert self.process.stdout is not None
        assert self.process.stdout.readline().strip() == "released"
        assert self.process.wait(timeout=30) == 0


@pytest.fixture
def db(tmp_path: Path) -> Iterator[Path]:
    path = tmp_path / "endurance.duckdb"
    with warehouse.connect(path):  # created and migrated before any holder starts
        pass
    yield path


def test_a_second_writer_gets_a_clear_message_after_the_wait(db):
    holder = Holder(db, "write", 3.5)
    started = time.monotonic()
    with pytest.raises(warehouse.WarehouseLockedError) as caught:
        warehouse.connect(db, lock_wait=1.5)
    waited = time.monotonic() - started
    message = str(caught.value)
    assert 1.5 <= waited < 5
    assert f"{db}.lock" in message and "waited 1.5 s" in message
    assert f"pid {holder.process.pid}" in message and "run holder-run-1" in message
    assert "ENDURANCE_LOCK_WAIT" in message
    holder.wait_released()
    # Nothing was damaged: the holder's committed work is there and the file opens for writing.
    with warehouse.connect(db, lock_wait=5) as con:
        assert con.execute("SELECT count(*) FROM main.t").fetchone()[0] == 1
        # The holder ended without finishing its run: this opening marks it so.
        assert (
            con.execute("SELECT status FROM ops.runs WHERE run_id = 'holder-run-1'").fetchone()[0]
            == "interrupted"
        )
    assert (db.parent / f"{db.name}.lock").read_text() == ""  # no stale holder named


def test_a_waiting_writer_goes_on_when_the_first_releases(db):
    holder = Holder(db, "write", 2.5)
    with warehouse.connect(db, lock_wait=60) as con:
        got_it = time.monotonic()
        con.execute("INSERT INTO main.t VALUES (2)")
        assert sorted(r[0] for r in con.execute("SELECT x FROM main.t").fetchall()) == [1, 2]
    holder.wait_released()
    # It waited while the holder held the warehouse (2.5 s), and went on well before its 60 s.
    assert 2.0 <= got_it - holder.ready_at < 20


def test_readers_share_but_wait_for_a_writer_and_block_one(db):
    reader = Holder(db, "read", 2.5)
    with warehouse.connect(db, read_only=True, lock_wait=0) as con:  # readers never wait on readers
        assert warehouse.schema_version(con) > 0
    with pytest.raises(warehouse.WarehouseLockedError, match="read-only connections in other processes"):
        warehouse.connect(db, lock_wait=0.5)
    reader.wait_released()

    writer = Holder(db, "write", 2.5)
    # DuckDB itself refuses a reader while another process writes, so a reader waits too.
    with pytest.raises(warehouse.WarehouseLockedError, match=f"pid {writer.process.pid}"):
        warehouse.connect(db, read_only=True, lock_wait=0.5)
    writer.wait_released()


def test_after_a_writer_is_killed_the_busy_message_names_who_really_holds_the_lock(db):
    dead = Holder(db, "write", 60)
    dead.process.kill()  # kill -9: the lock is dropped, its record in the lock file stays
    dead.process.wait()
    lock = db.parent / f"{db.name}.lock"
    assert f'"pid": {dead.process.pid}' in lock.read_text()
    reader = Holder(db, "read", 3)
    with pytest.raises(warehouse.WarehouseLockedError) as caught:
        warehouse.connect(db, lock_wait=0.5)
    message = str(caught.value)
    assert f"pid {reader.process.pid}" in message and "read-only connections in other processes" in message
    assert f"pid {dead.process.pid}" not in message and "holder-run-1" not in message
    reader.wait_released()


def test_duckdbs_own_lock_is_waited_for_too(db):
    outsider = Holder(db, "raw", 3)
    with pytest.raises(
        warehouse.WarehouseLockedError, match="DuckDB still reports: IO Error: Could not set lock"
    ):
        warehouse.connect(db, lock_wait=0.5)
    with warehouse.connect(db, lock_wait=60) as con:
        assert time.monotonic() - outsider.ready_at >= 2.5
        assert warehouse.schema_version(con) > 0
    outsider.wait_released()


def test_connections_of_one_process_share_its_lock(db):
    first = warehouse.connect(db, lock_wait=0)
    with warehouse.connect(db, lock_wait=0) as second:  # no wait on itself
        second.execute("CREATE TABLE main.u (x INTEGER)")
    assert first.execute("SELECT count(*) FROM main.u").fetchone()[0] == 0
    first.close()
    reading = warehouse.connect(db, read_only=True, lock_wait=0)
    with pytest.raises(warehouse.WarehouseError, match="open read-only"):
        warehouse.connect(db, lock_wait=0)
    reading.close()
    with warehouse.connect(db, lock_wait=0):  # released: writing works again
        pass


def test_the_cli_reports_a_busy_warehouse_and_honours_the_wait_setting(db, monkeypatch):
    monkeypatch.setenv("ENDURANCE_DB", str(db))
    monkeypatch.setenv("ENDURANCE_LOCK_WAIT", "0.5")
    holder = Holder(db, "write", 3)
    result = CliRunner().invoke(app, ["runs"])
    assert result.exit_code == 1
    text = " ".join(result.output.split())
    assert "error: warehouse" in text and "is busy: waited 0.5 s" in text and "holder-run-1" in text
    holder.wait_released()


def test_memory_warehouses_take_no_lock(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    with warehouse.connect(":memory:") as con:
        assert isinstance(con, duckdb.DuckDBPyConnection)
    assert not list(tmp_path.iterdir())


def test_a_command_waiting_for_the_lock_says_who_holds_it_after_two_seconds(db, monkeypatch):
    monkeypatch.setenv("ENDURANCE_DB", str(db))
    monkeypatch.setenv("ENDURANCE_LOCK_WAIT", "30")
    monkeypatch.setenv("COLUMNS", "80")
    holder = Holder(db, "write", 3.5)
    result = CliRunner().invoke(app, ["runs"])
    holder.wait_released()
    assert result.exit_code == 0, result.output
    waiting = [line for line in result.output.splitlines() if line.startswith("waiting:")]
    assert len(waiting) == 1, result.output  # said once, on one line, before the command's output
    assert f"pid {holder.process.pid}" in waiting[0] and "holder-run-1" in waiting[0]
    assert waiting[0].startswith(f"waiting: warehouse {db} is held by a writer: pid {holder.process.pid}")
    assert waiting[0].endswith("this command waits up to 30 s in all (ENDURANCE_LOCK_WAIT)")
    assert result.output.index("waiting:") < result.output.index("holder-run-1  ")
