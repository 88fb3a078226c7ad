"""One writer at a time: an OS file lock beside the warehouse file.

DuckDB lets one process at a time open a database file for writing. A second process
that tries is refused at once with an IO error ("Could not set lock on file"), and in
DuckDB 1.5 a read-only connection from another process is refused too while one
process writes; several processes may read at once, but then none may write. A nightly
run, the monthly police.uk pull and an analyst's command can start at the same moment,
so rather than fail, every warehouse connection first takes a lock on
``<warehouse>.lock`` with ``flock``, mirroring DuckDB's rule:

- a writer takes it exclusively, a read-only connection shared: readers wait for a
  writer and a writer for readers, while readers never wait for one another;
- a connection that finds it taken polls until a deadline (``ENDURANCE_LOCK_WAIT``),
  then fails with ``WarehouseLockedError`` naming the lock file, the time waited and
  the holder. A writer writes its pid, host, program, start time and (once
  ``note_run`` is called) its run id into the lock file for that message. The holders
  named are those the system lists in ``/proc/locks``: a writer killed with ``kill -9``
  drops its lock but not its record, so the record is used only for a writer that
  holds the lock now, and a reader that takes the lock clears a dead writer's record;
- connections of one process share that process's lock, as they share one DuckDB
  database, so a process never waits on itself. ``flock`` locks belong to a process,
  which is why the locks held are kept in a process-wide table here.

The lock is advisory: it orders this project's processes on one machine (not across
hosts sharing a network drive). The operating system drops it when a process dies, so
a crash never leaves the warehouse locked; the empty file stays beside the warehouse.
"""

from __future__ import annotations

import fcntl
import json
import logging
import os
import socket
import sys
import threading
import time
from contextvars import ContextVar
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

from endurance import _process
from endurance._errors import WarehouseError, WarehouseLockedError

#: How often a waiting connection tries the lock again, in seconds.
POLL_SECONDS = 0.1
#: After this many seconds a waiting connection says (once, as a warning) who it waits for.
NOTICE_AFTER_SECONDS = 2.0

log = logging.getLogger(__name__)


@dataclass
class _Held:
    """A lock file this process holds, and how many of its connections use it."""

    fd: int
    shared: int = 0
    exclusive: int = 0


_HELD: dict[str, _Held] = {}
_GUARD = threading.Lock()
_RUN: ContextVar[str | None] = ContextVar("endurance_run", default=None)


def lock_path_for(db_path: Path) -> Path:
    """Return the lock file of a warehouse file: ``<db_path>.lock``."""
    return db_path.with_name(db_path.name + ".lock")


class WarehouseLock:
    """One connection's hold on the warehouse lock; ``release`` exactly once."""

    def __init__(self, key: str, *, exclusive: bool) -> None:
        self._key = key
        self._exclusive = exclusive
        self._released = False

    def release(self) -> None:
        """Give the hold back; the last one in the process unlocks the file."""
        with _GUARD:
            if self._released:
                return
            self._released = True
            held = _HELD[self._key]
            if self._exclusive:
                held.exclusive -= 1
                if held.exclusive == 0:
                    os.ftruncate(held.fd, 0)  # no stale holder for the next waiter to name
            else:
                held.shared -= 1
            if held.exclusive == 0 and held.shared == 0:
                fcntl.flock(held.fd, fcntl.LOCK_UN)
                os.close(held.fd)
                del _HELD[self._key]


def acquire(lock_path: Path, *, exclusive: bool, wait: float, db_path: Path) -> WarehouseLock:
    """Take the warehouse lock, waiting up to ``wait`` seconds for another process.

    Raises
    ------
    WarehouseLockedError
        When the lock is still held by another process after ``wait`` seconds.
    WarehouseError
        When this process has the warehouse open read-only and asks to write: DuckDB
        cannot mix the two in one process, so close the reading connection first.
    """
    lock_path.parent.mkdir(parents=True, exist_ok=True)
    key = str(lock_path.resolve())
    started = time.monotonic()
    noticed = False
    while True:
        if _try_acquire(key, exclusive=exclusive):
            return WarehouseLock(key, exclusive=exclusive)
        waited = time.monotonic() - started
        if waited >= wait:
            raise WarehouseLockedError(locked_message(db_path, lock_path, wait, writing=exclusive))
        if not noticed and waited >= NOTICE_AFTER_SECONDS:
            # A silent wait of minutes looks like a hang: say once who holds it and for how long we wait.
            noticed = True
            log.warning(waiting_message(db_path, lock_path, wait, writing=exclusive))
        time.sleep(min(POLL_SECONDS, wait - waited))


def _try_acquire(key: str, *, exclusive: bool) -> bool:
    with _GUARD:
        held = _HELD.get(key)
        if held is not None:
            if held.exclusive or not exclusive:
                _count(held, exclusive=exclusive)
                return True
            raise WarehouseError(
                f"this process has the warehouse open read-only ({key} held shared); close that "
                "connection before opening one that writes (DuckDB cannot mix the two in one process)"
            )
        fd = os.open(key, os.O_RDWR | os.O_CREAT, 0o644)
        try:
            fcntl.flock(fd, (fcntl.LOCK_EX if exclusive else fcntl.LOCK_SH) | fcntl.LOCK_NB)
        except BlockingIOError:
            os.close(fd)
            return False
        held = _HELD[key] = _Held(fd)
        _count(held, exclusive=exclusive)
        if exclusive:
            _write_holder(held.fd)
        elif os.fstat(fd).st_size:
            # Holding it shared means no writer holds it: what the file says is a writer
            # that died without letting go (kill -9). Forget it, so nobody names it.
            os.ftruncate(fd, 0)
        return True


def _count(held: _Held, *, exclusive: bool) -> None:
    if exclusive:
        held.exclusive += 1
    else:
        held.shared += 1


def _write_holder(fd: int) -> None:
    program = " ".join([Path(sys.argv[0]).name, *sys.argv[1:2]]) if sys.argv and sys.argv[0] else "python"
    holder = {
        "pid": os.getpid(),
        "host": socket.gethostname(),
        "program": program,
        "since": datetime.now().isoformat(timespec="seconds"),
        "run_id": _RUN.get(),
    }
    os.ftruncate(fd, 0)
    os.pwrite(fd, (json.dumps(holder) + "\n").encode(), 0)


def note_run(run_id: str | None) -> None:
    """Name the run this context is recording, in lock files written from now on and held now."""
    _RUN.set(run_id)
    with _GUARD:
        for held in _HELD.values():
            if held.exclusive:
                _write_holder(held.fd)


def read_holder(lock_path: Path) -> dict[str, object] | None:
    """Return what the writer holding ``lock_path`` wrote about itself, if anything."""
    try:
        text = lock_path.read_text(encoding="utf-8").strip()
    except OSError:
        return None
    try:
        holder = json.loads(text) if text else None
    except json.JSONDecodeError:
        return None
    return holder if isinstance(holder, dict) else None


def _describe_writer(holder: dict[str, object] | None, pid: int) -> str:
    """Name the writer ``pid``, with what it wrote in the lock file when that record is its own."""
    if holder and holder.get("pid") == pid:
        run = f", run {holder['run_id']}" if holder.get("run_id") else ""
        return (
            f"a writer: pid {pid} on {holder.get('host')} "
            f"({holder.get('program')}{run}, since {holder.get('since')})"
        )
    program = _process.command_line(pid)
    return f"a writer: pid {pid} on {socket.gethostname()}" + (f" ({program})" if program else "")


def holder_description(lock_path: Path, *, writing: bool) -> str:
    """Say who holds the lock now: the processes the system lists as holding it.

    The lock file's record names the last writer, which may have died since (the system
    drops a dead process's lock, not what it wrote), so the record is used only for a
    writer that really holds the lock. Without ``/proc/locks`` the record is trusted
    while its process lives.
    """
    holder = read_holder(lock_path)
    holders = _process.lock_holders(lock_path)
    if holders is None:  # the system does not list locks: trust a living writer's record
        pid = holder.get("pid") if holder else None
        if isinstance(pid, int) and _process.is_alive(pid):
            return _describe_writer(holder, pid)
        return "read-only connections in other processes" if writing else "another process"
    others = [(pid, exclusive) for pid, exclusive in holders if pid != os.getpid()]
    writers = [pid for pid, exclusive in others if exclusive]
    if writers:
        return _describe_writer(holder, writers[0])
    readers = sorted({pid for pid, _ in others})
    if readers:
        named = ", ".join(
            f"pid {pid}" + (f" ({program})" if (program := _process.command_line(pid)) else "")
            for pid in readers
        )
        return f"read-only connections in other processes ({named})"
    return "another process, which has just let go"


def locked_message(db_path: Path, lock_path: Path, wait: float, *, writing: bool) -> str:
    """Say who holds the warehouse, how long this process waited, and what to do."""
    who = holder_description(lock_path, writing=writing)
    return (
        f"warehouse {db_path} is busy: waited {wait:g} s for its lock {lock_path}, held by {who}. "
        "Try again when that finishes, or wait longer with ENDURANCE_LOCK_WAIT (seconds)."
    )


def waiting_message(db_path: Path, lock_path: Path, wait: float, *, writing: bool) -> str:
    """Say who holds the warehouse and how long this process will wait for it."""
    who = holder_description(lock_path, writing=writing)
    return (
        f"warehouse {db_path} is held by {who}; this command waits up to {wait:g} s in all "
        "(ENDURANCE_LOCK_WAIT)"
    )
