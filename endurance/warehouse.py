"""The DuckDB warehouse: connections, migrations and the run ledger.

The warehouse is one DuckDB file with the layers ``raw`` (rows as received),
``staging`` (typed, validated, reprojected), ``marts`` (what maps and exports read),
``geo`` (reference geography) and ``ops`` (run ledger, file manifest, quarantine).

Every connection loads the spatial extension from the file that the
``duckdb-extension-spatial`` package ships, so nothing is ever downloaded.
Schema changes are numbered ``.sql`` files under ``endurance/sql/migrations``;
``ops.schema_migrations`` records which have been applied. Migrations hold tables only.
Views and macros hold no data of their own: each is one ``.sql`` file under
``endurance/sql/views`` named after what it builds (``staging.events.sql``), and all of
them are re-created, in the order :data:`VIEWS` gives, every time the warehouse is
migrated (each opening for writing). Changing a view is editing its file; no migration.

A warehouse file has one writer at a time: every connection to a file first takes the
lock ``<file>.lock`` (exclusive to write, shared to read, as DuckDB itself requires
across processes) and waits for another process up to ``ENDURANCE_LOCK_WAIT``
seconds before failing with ``WarehouseLockedError``; see ``endurance._lock``.

Every opening for writing then puts right what a crash left (``endurance.recovery``):
rows of loads that never finished are rolled back, and runs whose process is gone are
marked interrupted. Runs are recorded with the process that runs them (``start_run``)
and end ``completed``, ``failed`` or ``interrupted`` (``ending``).
"""

from __future__ import annotations

import gc
import json
import logging
import os
import time
import traceback
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import datetime
from importlib import resources
from pathlib import Path
from typing import TYPE_CHECKING, Any, cast

import duckdb

from endurance import _lock, _process
from endurance._errors import WarehouseError, WarehouseLockedError, is_interrupt
from endurance._files import sha256_file
from endurance._lock import lock_path_for
from endurance.settings import Settings

if TYPE_CHECKING:
    import pandas as pd

__all__ = [
    "VIEWS",
    "WarehouseError",
    "WarehouseLockedError",
    "connect",
    "create_views",
    "lock_path_for",
    "migrate",
    "transaction",
]

log = logging.getLogger(__name__)
_SQL_ROOT = resources.files("endurance") / "sql"
LAYERS = ("raw", "staging", "marts", "ops", "geo")
#: The views and macros of ``endurance/sql/views``, in the order they are created: each
#: reads only tables and the objects listed before it (DuckDB binds a view when it is
#: created, so an object must exist before any view that reads it).
VIEWS = (
    "staging.stg_policeuk_street",  # typed table + raw text
    "staging.events",  # the staged tables of every source
    "staging.linked_incidents",  # staging.events + staging.event_groups
    "marts.map_geojson",  # a macro; reads nothing
)

#: DuckDB's memory budget for one warehouse. A national police.uk load holds tens of
#: millions of rows in temporary tables; within a budget DuckDB spills them to
#: ``<warehouse>.tmp`` beside the file rather than growing until the machine runs out.
MEMORY_LIMIT = "2GB"


def spatial_extension_path() -> Path:
    """Return the path of the spatial extension file shipped by its PyPI package."""
    package = resources.files("duckdb_extension_spatial")
    version = f"v{duckdb.__version__}"
    path = Path(str(package)) / "extensions" / version / "spatial.duckdb_extension"
    if not path.exists():
        raise WarehouseError(
            f"spatial extension for DuckDB {duckdb.__version__} not found at {path}; "
            "install duckdb-extension-spatial with the same version as duckdb"
        )
    return path


def connect(
    db_path: Path | str = ":memory:",
    *,
    read_only: bool = False,
    memory_limit: str = MEMORY_LIMIT,
    lock_wait: float | None = None,
) -> duckdb.DuckDBPyConnection:
    """Open the warehouse with the spatial extension loaded and migrations applied.

    Parameters
    ----------
    db_path
        The DuckDB file, created with its folder when missing; ``:memory:`` for tests.
    read_only
        Open without writing (no migrations are applied).
    memory_limit
        DuckDB's memory budget (e.g. ``"2GB"``); past it, work spills to disk.
    lock_wait
        Seconds to wait while another process holds the warehouse; default: the
        ``ENDURANCE_LOCK_WAIT`` setting (600).

    Raises
    ------
    WarehouseLockedError
        When another process still writes the warehouse (or, to write, reads it) after
        ``lock_wait`` seconds; the message names the lock file and the holder.
    """
    _process.deliver_interrupt()  # a Ctrl-C or SIGTERM swallowed since: stop here
    if str(db_path) == ":memory:":
        return _open(":memory:", read_only=read_only, memory_limit=memory_limit)
    path = Path(db_path)
    if path.stem in LAYERS:
        # DuckDB names the catalog after the file, which would shadow the schema.
        raise WarehouseError(
            f"warehouse file {db_path} may not be named after a schema ({', '.join(LAYERS)})"
        )
    path.parent.mkdir(parents=True, exist_ok=True)
    wait = Settings.from_env().lock_wait if lock_wait is None else lock_wait
    deadline = time.monotonic() + wait
    lock = _lock.acquire(lock_path_for(path), exclusive=not read_only, wait=wait, db_path=path)
    try:
        con = _open(path, read_only=read_only, memory_limit=memory_limit, deadline=deadline, wait=wait)
        if not read_only:
            _recover(con)
    except BaseException:
        lock.release()
        raise
    # The connection is used exactly as DuckDB's own; it also gives the lock back on close.
    return cast(duckdb.DuckDBPyConnection, _LockedConnection(con, lock))


def _open(
    db_path: Path | str,
    *,
    read_only: bool,
    memory_limit: str,
    deadline: float | None = None,
    wait: float = 0.0,
) -> duckdb.DuckDBPyConnection:
    """Open DuckDB, waiting until ``deadline`` while a process outside the lock holds the file."""
    while True:
        try:
            con = duckdb.connect(str(db_path), read_only=read_only)
            break
        except duckdb.IOException as exc:
            # DuckDB's own lock: a process that did not take ours (the duckdb CLI, say),
            # or a database this process is still closing.
            if "lock" not in str(exc).lower() or deadline is None:
                raise WarehouseError(f"cannot open warehouse {db_path}: {exc}") from exc
            if time.monotonic() >= deadline:
                raise WarehouseLockedError(
                    f"warehouse {db_path} is busy: waited {wait:g} s and DuckDB still reports: {exc}. "
                    "Try again when that process finishes, or wait longer with ENDURANCE_LOCK_WAIT (seconds)."
                ) from exc
            time.sleep(_lock.POLL_SECONDS)
    con.execute(f"LOAD '{spatial_extension_path()}'")
    con.execute(f"SET memory_limit = '{memory_limit}'")
    if not read_only:
        migrate(con)
    return con


def _recover(con: duckdb.DuckDBPyConnection) -> None:
    """Put right what a crash left (``endurance.recovery``), closing the connection if that fails."""
    from endurance import recovery  # imported late: it reads the sources, which import this module

    try:
        recovery.recover(con)
    except duckdb.Error as exc:
        con.close()
        raise WarehouseError(f"cannot check the warehouse after opening it: {exc}") from exc
    except BaseException:
        con.close()
        raise


class _LockedConnection:
    """A DuckDB connection that gives the warehouse lock back when it closes."""

    def __init__(self, con: duckdb.DuckDBPyConnection, lock: _lock.WarehouseLock) -> None:
        self._con = con
        self._lock = lock

    def __getattr__(self, name: str) -> Any:
        return getattr(self._con, name)

    def execute(self, *args: Any, **kwargs: Any) -> duckdb.DuckDBPyConnection:
        """DuckDB's ``execute``; a query cut short by Ctrl-C or SIGTERM raises that interrupt."""
        try:
            return self._con.execute(*args, **kwargs)
        except RuntimeError as exc:
            if is_interrupt(exc):
                raise _as_interrupt(exc, "a query was interrupted") from exc
            raise

    def close(self) -> None:
        try:
            self._con.close()
        finally:
            self._lock.release()

    def __enter__(self) -> _LockedConnection:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()

    def __del__(self) -> None:
        # A connection dropped without close() still closes (as DuckDB's does) and unlocks.
        lock = self.__dict__.get("_lock")
        if lock is not None:
            self.close()


def sql_text(relative: str) -> str:
    """Return the text of a ``.sql`` file under ``endurance/sql``."""
    return (_SQL_ROOT / relative).read_text(encoding="utf-8")


def records(cursor: duckdb.DuckDBPyConnection) -> list[dict[str, Any]]:
    """Return the rows of an executed query as dictionaries keyed by column name."""
    names = [column[0] for column in cursor.description or []]
    return [dict(zip(names, row, strict=True)) for row in cursor.fetchall()]


def quote_identifier(name: str) -> str:
    """Quote a SQL identifier (one part) for DuckDB."""
    return '"' + name.replace('"', '""') + '"'


def quote_table(name: str) -> str:
    """Quote a possibly schema-qualified table name, e.g. ``staging.events``."""
    return ".".join(quote_identifier(part) for part in name.split("."))


def insert_frame(con: duckdb.DuckDBPyConnection, table: str, frame: pd.DataFrame) -> None:
    """Insert a data frame's rows into ``table`` (quoted) by column name.

    A ``wkb`` column fills ``geom_4326``; nothing happens for an empty frame.
    """
    if frame.empty:
        return
    con.register("inserted_frame", frame)
    select = "* EXCLUDE (wkb), ST_GeomFromWKB(wkb) AS geom_4326" if "wkb" in frame.columns else "*"
    try:
        con.execute(f"INSERT INTO {table} BY NAME SELECT {select} FROM inserted_frame")  # noqa: S608
    finally:
        con.unregister("inserted_frame")


def _migration_files() -> list[tuple[int, str]]:
    found = []
    for entry in (_SQL_ROOT / "migrations").iterdir():
        if entry.name.endswith(".sql"):
            found.append((int(entry.name.split("_", 1)[0]), entry.name))
    return sorted(found)


def migrate(con: duckdb.DuckDBPyConnection) -> list[str]:
    """Apply every migration not yet recorded, then re-create the views; return the migrations applied."""
    con.execute("CREATE SCHEMA IF NOT EXISTS ops")
    con.execute(
        "CREATE TABLE IF NOT EXISTS ops.schema_migrations ("
        " version INTEGER PRIMARY KEY, name VARCHAR NOT NULL, applied_at TIMESTAMP NOT NULL)"
    )
    done = {row[0] for row in con.execute("SELECT version FROM ops.schema_migrations").fetchall()}
    applied = []
    for version, name in _migration_files():
        if version in done:
            continue
        con.execute("BEGIN")
        try:
            con.execute(sql_text(f"migrations/{name}"))
            con.execute("INSERT INTO ops.schema_migrations VALUES (?, ?, now()::TIMESTAMP)", [version, name])
            con.execute("COMMIT")
        except duckdb.Error as exc:
            con.execute("ROLLBACK")
            raise WarehouseError(f"migration {name} failed: {exc}") from exc
        applied.append(name)
    create_views(con)
    if applied:
        _checkpoint(con)
    return applied


def create_views(con: duckdb.DuckDBPyConnection) -> None:
    """Create or replace every view and macro of ``endurance/sql/views``, in the order of :data:`VIEWS`."""
    with transaction(con):
        for name in VIEWS:
            try:
                con.execute(sql_text(f"views/{name}.sql"))
            except duckdb.Error as exc:
                raise WarehouseError(f"view {name} cannot be created: {exc}") from exc


def _checkpoint(con: duckdb.DuckDBPyConnection) -> None:
    """Write committed changes into the file itself, emptying the write-ahead log.

    After migrations: DuckDB 1.5.5 fails to replay some schema changes from its log (an
    ALTER of a table with a CHECK constraint), so a crash before the next checkpoint
    would leave a file that does not open. Another connection's open transaction can
    refuse the checkpoint; then it happens when the last connection closes.
    """
    try:
        con.execute("CHECKPOINT")
    except duckdb.Error as exc:
        log.debug("checkpoint after migrations postponed: %s", exc)


def schema_version(con: duckdb.DuckDBPyConnection) -> int:
    """Return the highest migration number applied to this warehouse."""
    row = con.execute("SELECT coalesce(max(version), 0) FROM ops.schema_migrations").fetchone()
    return int(row[0]) if row else 0


@contextmanager
def transaction(con: duckdb.DuckDBPyConnection) -> Iterator[duckdb.DuckDBPyConnection]:
    """Run a block in one transaction: all of it lands, or none of it."""
    con.execute("BEGIN")
    try:
        yield con
    except BaseException as exc:
        con.execute("ROLLBACK")
        if is_interrupt(exc) and isinstance(exc, Exception):  # DuckDB's form of Ctrl-C
            raise _as_interrupt(exc, "a query was interrupted; the transaction was rolled back") from exc
        raise
    try:
        con.execute("COMMIT")
    except RuntimeError as exc:
        if not is_interrupt(exc):
            raise
        # Ctrl-C while DuckDB committed: the commit itself runs to its end (the file then
        # holds the whole transaction); only its report was cut short.
        raise _as_interrupt(exc, "interrupted while committing") from exc


def _as_interrupt(exc: BaseException, message: str) -> BaseException:
    """Return the interrupt behind DuckDB's "Query interrupted" (a SIGTERM stays a SIGTERM)."""
    cause = exc.__context__ or exc.__cause__
    return cause if cause is not None and not isinstance(cause, Exception) else KeyboardInterrupt(message)


def output_file(path: Path) -> dict[str, Any]:
    """How the ledger records a file a run wrote: its path, size and sha256."""
    return {"path": str(path), "bytes": Path(path).stat().st_size, "sha256": sha256_file(Path(path))}


@dataclass
class RunRecord:
    """What one flow run did, written to ``ops.runs`` as it goes."""

    flow: str
    parameters: dict[str, Any]
    settings: dict[str, str] = field(default_factory=dict)
    run_id: str = field(default_factory=lambda: uuid.uuid4().hex[:12])
    started_at: datetime = field(default_factory=datetime.now)
    inputs: list[dict[str, Any]] = field(default_factory=list)
    counts: dict[str, Any] = field(default_factory=dict)
    outputs: list[dict[str, Any]] = field(default_factory=list)
    prefect_flow_run_id: str | None = None
    deployment: str | None = None


def start_run(con: duckdb.DuckDBPyConnection, record: RunRecord) -> None:
    """Record that a run has started, by which process, and name it in the warehouse lock file while it runs.

    The process (pid, host, start time) lets a later opening tell a run that is still going
    from one whose process died (``endurance.recovery`` marks those ``interrupted``).
    """
    _lock.note_run(record.run_id)
    me = _process.current()
    con.execute(
        "INSERT INTO ops.runs (run_id, flow, started_at, status, parameters, settings,"
        " prefect_flow_run_id, deployment, pid, host, process_started)"
        " VALUES (?, ?, ?, 'running', ?, ?, ?, ?, ?, ?, ?)",
        [
            record.run_id,
            record.flow,
            record.started_at,
            json.dumps(record.parameters, default=str),
            json.dumps(record.settings),
            record.prefect_flow_run_id,
            record.deployment,
            me.pid,
            me.host,
            me.started,
        ],
    )


def files_of_run(con: duckdb.DuckDBPyConnection, run_id: str) -> list[dict[str, Any]]:
    """Return the files a run loaded, as ``ops.files`` holds them, in the ledger's input shape."""
    rows = con.execute(
        "SELECT path, sha256, source, rows_in, rows_staged, rows_rejected, rows_duplicate"
        " FROM ops.files WHERE run_id = ? ORDER BY loaded_at, path",
        [run_id],
    ).fetchall()
    keys = ("path", "sha256", "source", "rows_in", "staged", "rejected", "duplicate")
    return [{**dict(zip(keys, row, strict=True)), "status": "loaded"} for row in rows]


def finish_run(
    con: duckdb.DuckDBPyConnection, record: RunRecord, *, status: str, error: str | None = None
) -> None:
    """Record how a run ended, with its inputs, reconciled counts and outputs.

    A run that did not complete lists as inputs the files it did load, when it had not
    listed them itself: the ledger says what the warehouse holds.
    """
    if status != "completed" and not record.inputs:
        record.inputs = files_of_run(con, record.run_id)
    con.execute(
        "UPDATE ops.runs SET finished_at = now()::TIMESTAMP, status = ?, inputs = ?, counts = ?,"
        " outputs = ?, error = ? WHERE run_id = ?",
        [
            status,
            json.dumps(record.inputs, default=str),
            json.dumps(record.counts, default=str),
            json.dumps(record.outputs, default=str),
            error,
            record.run_id,
        ],
    )
    _lock.note_run(None)


def ending(exc: BaseException) -> dict[str, str]:
    """How a run that raised ``exc`` ended: ``interrupted`` (Ctrl-C, SIGTERM, exit) or ``failed``.

    Returns the ``status`` and ``error`` keyword arguments of ``finish_run``.
    """
    if is_interrupt(exc) or _process.interrupt_arrived() is not None:
        # An interrupt a library turned into an error of its own on the way is still the stop.
        _process.interrupt_handled()  # it is being dealt with: the ledger may be opened again
        return {"status": "interrupted", "error": f"interrupted ({type(exc).__name__}) before it finished"}
    return {"status": "failed", "error": f"{type(exc).__name__}: {exc}"}


def release_unwound(exc: BaseException, db_path: Path, *, wait: float = 5.0) -> bool:
    """Let go of what a query cut short still holds, before the warehouse is opened again.

    A query interrupted by Ctrl-C or SIGTERM can leave DuckDB objects in the unwound frames
    and work in DuckDB's threads that still needs Python (a scan of a registered frame).
    Until that is over, DuckDB 1.5.5's cache of open databases keeps the file's entry, and
    opening the file again spins for ever waiting for it, holding the interpreter's lock
    that the unfinished work needs (seen when `endurance run` was stopped early: its run
    could then never be recorded). So the unwound frames are cleared, and this process waits
    (letting that work run) until it no longer holds DuckDB's own lock on the file, up to
    ``wait`` seconds. Returns whether it let go; if not, do not open the file again here.
    """
    if is_interrupt(exc):
        _process.interrupt_handled()
    traceback.clear_frames(exc.__traceback__)
    gc.collect()
    deadline = time.monotonic() + wait
    while True:
        holders = _process.lock_holders(Path(db_path), "POSIX")
        if not holders or all(pid != os.getpid() for pid, _ in holders):
            return True
        if time.monotonic() > deadline:
            return False
        time.sleep(0.05)


def finish_after(con: duckdb.DuckDBPyConnection, record: RunRecord, exc: BaseException) -> None:
    """Record a run that raised ``exc``; if even that fails (a full disk), the next opening marks it.

    The original exception is what the caller re-raises; a second one here is logged, not raised.
    """
    try:
        finish_run(con, record, **ending(exc))
    except (duckdb.Error, OSError) as second:
        log.info("could not record how run %s ended (%s); the next opening marks it", record.run_id, second)


@contextmanager
def recording(con: duckdb.DuckDBPyConnection, record: RunRecord) -> Iterator[RunRecord]:
    """Record the run on ``con``: started now, then completed, or failed (interrupted) if the block raises."""
    start_run(con, record)
    try:
        yield record
    except BaseException as exc:
        finish_after(con, record, exc)
        raise
    finish_run(con, record, status="completed")
