"""Processes: who this one is, whether another is still alive, and dying with a parent.

A run in the ledger and a writer in the lock file name their process by pid, host and
start time. The start time matters because pids are reused: a run whose pid now belongs
to another program is as dead as one whose pid is free. On Linux the start time is the
boot id and the process's start tick from ``/proc``; elsewhere only the pid is checked.

Ctrl-C and SIGTERM are noted when they arrive (``note_interrupt``) as well as raised: a
library may swallow the exception (a Ctrl-C that lands in some of Prefect's or DuckDB's
own waiting), and the next opening of the warehouse then raises it again
(``deliver_interrupt``), so a stop that was asked for is never lost.

``die_with_parent`` is for child servers (the Prefect API behind ``endurance demo``):
Linux sends the child SIGTERM the moment its parent dies, however it dies, so a
``kill -9`` of the command does not leave a server running with nobody to stop it.
"""

from __future__ import annotations

import ctypes
import ctypes.util
import os
import signal
import socket
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

_PROC = Path("/proc")
#: ``prctl`` option asking the kernel to signal this process when its parent dies.
_PR_SET_PDEATHSIG = 1


@dataclass(frozen=True)
class ProcessId:
    """A process as the ledger records it: pid, host and start time (empty when unknown)."""

    pid: int
    host: str
    started: str

    def describe(self) -> str:
        return f"pid {self.pid} on {self.host}"


def _start_ticks(pid: int) -> str | None:
    """Return the process's start time in clock ticks since boot, from ``/proc/<pid>/stat``."""
    try:
        stat = (_PROC / str(pid) / "stat").read_text()
    except OSError:
        return None
    # The command name (field 2) may hold spaces and parentheses: split after its last ')'.
    fields = stat[stat.rindex(")") + 2 :].split()
    return fields[19]  # field 22 of the whole line


def _boot_id() -> str:
    try:
        return (_PROC / "sys/kernel/random/boot_id").read_text().strip()
    except OSError:
        return ""


def _started(pid: int) -> str:
    ticks = _start_ticks(pid)
    return f"{_boot_id()}:{ticks}" if ticks is not None else ""


def current() -> ProcessId:
    """Return this process."""
    return ProcessId(os.getpid(), socket.gethostname(), _started(os.getpid()))


def is_alive(pid: int, *, started: str = "") -> bool:
    """Tell whether process ``pid`` on this host still runs and is the one that started at ``started``."""
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        pass  # it exists, under another user
    if not started:
        return True
    now = _started(pid)
    return not now or now == started


def command_line(pid: int) -> str:
    """Return the program and first argument of ``pid`` (e.g. ``endurance runs``), or "" when unknown."""
    try:
        parts = (_PROC / str(pid) / "cmdline").read_bytes().split(b"\0")
    except OSError:
        return ""
    words = [p.decode(errors="replace") for p in parts if p]
    if not words:
        return ""
    if Path(words[0]).name.startswith("python") and len(words) >= 2:
        if words[1] == "-c":
            return "python -c ..."
        words = (words[2:] if words[1] == "-m" else words[1:]) or ["python"]  # the module or script says more
    return " ".join([Path(words[0]).name, *(w[:60] for w in words[1:2])])


def lock_holders(path: Path, kind: str = "FLOCK") -> list[tuple[int, bool]] | None:
    """Return the processes holding locks of ``kind`` on ``path``, from ``/proc/locks``.

    Each is ``(pid, exclusive)``.

    ``kind`` is ``FLOCK`` (``flock``, the warehouse lock) or ``POSIX`` (``fcntl``, DuckDB's
    own lock on its file). None when the system does not say (no ``/proc/locks``).
    """
    try:
        info = os.stat(path)
        table = (_PROC / "locks").read_text()
    except OSError:
        return None
    device = f"{os.major(info.st_dev):02x}:{os.minor(info.st_dev):02x}:{info.st_ino}"
    holders = []
    for line in table.splitlines():
        fields = line.split()
        # "1: FLOCK  ADVISORY  WRITE 4242 fe:00:2162916 0 EOF"; waiters are marked "->".
        if len(fields) >= 6 and fields[1] == kind and fields[5] == device:
            holders.append((int(fields[4]), fields[3] == "WRITE"))
    return holders


def die_with_parent(sig: int = signal.SIGTERM) -> Callable[[], None]:
    """Return a ``preexec_fn`` that makes a child process receive ``sig`` when this one dies.

    Linux only (``prctl(PR_SET_PDEATHSIG)``); elsewhere the child is left to its own
    devices and the caller's ``stop`` is what ends it.
    """
    parent = os.getpid()
    name = ctypes.util.find_library("c")
    libc = ctypes.CDLL(name, use_errno=True) if name and os.uname().sysname == "Linux" else None

    def arm() -> None:
        if libc is None:
            return
        libc.prctl(_PR_SET_PDEATHSIG, int(sig), 0, 0, 0)
        if os.getppid() != parent:  # the parent died before the request was made
            os._exit(1)

    return arm


#: The interrupt asked for and not yet handled (signals belong to the whole process).
_PENDING: list[BaseException] = []
#: The interrupt that arrived, handled or not, until ``forget_interrupts``.
_ARRIVED: list[BaseException] = []


def note_interrupt(exc: BaseException) -> BaseException:
    """Note that the process was asked to stop (from a signal handler); return ``exc`` to raise."""
    _PENDING[:] = [exc]
    _ARRIVED[:] = [exc]
    return exc


def interrupt_arrived() -> BaseException | None:
    """Return the interrupt that arrived since :func:`forget_interrupts`, handled or not.

    Code unwinding after a stop sees errors of every kind (a library cut short raises its
    own); this says they are the stop.
    """
    return _ARRIVED[0] if _ARRIVED else None


def forget_interrupts() -> None:
    """Forget every interrupt noted: the command that was stopped has ended."""
    _PENDING.clear()
    _ARRIVED.clear()


def deliver_interrupt() -> None:
    """Raise again an interrupt that was noted but swallowed before anyone handled it."""
    if _PENDING:
        raise _PENDING.pop()


def pending_interrupt() -> BaseException | None:
    """Return the interrupt noted and not yet handled, if any."""
    return _PENDING[0] if _PENDING else None


def interrupt_handled() -> None:
    """Forget the noted interrupt: it has reached code that is dealing with it."""
    _PENDING.clear()
