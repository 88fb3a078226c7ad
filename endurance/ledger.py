"""The run ledger: what each run was asked, read, wrote, and how it ended.

Every command and flow that changes the warehouse or writes an output brackets its work
with one of two context managers, so a run is recorded the same way wherever it starts:

- ``warehouse.recording(con, record)`` when the work holds one connection throughout
  (``endurance ingest``, a map, an export);
- ``recorded_run(db_path, record)`` when the work opens its own connections as it goes
  (a Prefect flow, whose tasks each take the warehouse briefly).

Either marks the run ``completed``, ``failed`` or ``interrupted``; if even that cannot be
written (a full disk), the next opening of the warehouse marks it. This module also reads
the ledger back for ``endurance runs``.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

import duckdb

from endurance import warehouse
from endurance._errors import ArgumentError, EnduranceError, RunNotFoundError
from endurance.warehouse import RunRecord

log = logging.getLogger(__name__)

_COLUMNS = (
    "run_id, flow, deployment, prefect_flow_run_id, started_at, finished_at, status,"
    " parameters, inputs, counts, outputs, error"
)


def _record_end(db_path: Path, record: RunRecord, exc: BaseException | None = None) -> None:
    """Record how a run ended: completed, or failed or interrupted by ``exc``.

    When the warehouse cannot be opened or written to say so (a full disk), the run is
    left ``running`` and the next opening marks it interrupted: this never hides ``exc``.
    """
    if exc is None:
        with warehouse.connect(db_path) as con:
            warehouse.finish_run(con, record, status="completed")
        return
    if not warehouse.release_unwound(exc, db_path):
        log.info(
            "run %s: the warehouse is still held by interrupted work; the next opening marks it",
            record.run_id,
        )
        return
    try:
        with warehouse.connect(db_path) as con:
            warehouse.finish_after(con, record, exc)
    except (EnduranceError, OSError) as second:
        log.info(
            "run %s: its end could not be recorded (%s); the next opening marks it", record.run_id, second
        )


@contextmanager
def recorded_run(db_path: Path, record: RunRecord) -> Iterator[RunRecord]:
    """Record the run as started, then as completed, or as failed (interrupted) if the block raises."""
    with warehouse.connect(db_path) as con:
        warehouse.start_run(con, record)
    try:
        yield record
    except BaseException as exc:
        _record_end(db_path, record, exc)
        raise
    _record_end(db_path, record)


@dataclass(frozen=True)
class LedgerRun:
    """One row of ``ops.runs`` with its JSON columns decoded."""

    run_id: str
    flow: str
    deployment: str | None
    prefect_flow_run_id: str | None
    started_at: datetime
    finished_at: datetime | None
    status: str
    parameters: dict[str, Any]
    inputs: list[dict[str, Any]]
    counts: dict[str, Any]
    outputs: list[dict[str, Any]]
    error: str | None

    @property
    def seconds(self) -> float | None:
        """How long the run took, or None while it runs."""
        return (self.finished_at - self.started_at).total_seconds() if self.finished_at else None


def _decode(text: str | None, empty: Any) -> Any:
    return json.loads(text) if text else empty


def _run(row: tuple[Any, ...]) -> LedgerRun:
    (
        run_id,
        flow,
        deployment,
        prefect_id,
        started,
        finished,
        status,
        params,
        inputs,
        counts,
        outputs,
        error,
    ) = row
    return LedgerRun(
        run_id=run_id,
        flow=flow,
        deployment=deployment,
        prefect_flow_run_id=prefect_id,
        started_at=started,
        finished_at=finished,
        status=status,
        parameters=_decode(params, {}),
        inputs=_decode(inputs, []),
        counts=_decode(counts, {}),
        outputs=_decode(outputs, []),
        error=error,
    )


def recent_runs(con: duckdb.DuckDBPyConnection, last: int = 10) -> list[LedgerRun]:
    """Return the ``last`` most recent runs, newest first."""
    if last < 1:
        raise ArgumentError(f"--last must be a number of runs, 1 or more; got {last}")
    rows = con.execute(
        f"SELECT {_COLUMNS} FROM ops.runs ORDER BY started_at DESC LIMIT ?",  # noqa: S608
        [last],
    ).fetchall()
    return [_run(r) for r in rows]


def run_by_id(con: duckdb.DuckDBPyConnection, run_id: str) -> LedgerRun:
    """Return the run with this id (or the only one whose id starts with it).

    Raises
    ------
    RunNotFoundError
        When no run matches, or a prefix matches several; the message says which.
    """
    rows = con.execute(
        f"SELECT {_COLUMNS} FROM ops.runs WHERE starts_with(run_id, ?) ORDER BY started_at DESC",  # noqa: S608
        [run_id],
    ).fetchall()
    exact = [r for r in rows if r[0] == run_id]
    if exact or len(rows) == 1:
        return _run((exact or rows)[0])
    if rows:
        raise RunNotFoundError(
            f"run id {run_id!r} matches {len(rows)} runs: {', '.join(r[0] for r in rows[:10])}"
        )
    latest = ", ".join(r.run_id for r in recent_runs(con, 5)) or "none"
    raise RunNotFoundError(f"no run {run_id!r} in ops.runs; the latest runs are: {latest}")


def rejected_rows(
    con: duckdb.DuckDBPyConnection, *, run_id: str | None = None, limit: int = 20
) -> list[tuple[str, str]]:
    """Return ``(reason, message)`` of rejected input rows, by file and row, of one run's files or all."""
    if limit < 1:
        raise ArgumentError(f"--limit must be a number of rows, 1 or more; got {limit}")
    if run_id is not None:
        run_id = run_by_id(con, run_id).run_id  # an unknown run is named, not shown as "no rejects"
    return con.execute(
        "SELECT r.reason, r.message FROM ops.rejects AS r"
        " JOIN ops.files AS f ON f.sha256 = r.file_sha256"
        " WHERE (? IS NULL OR f.run_id = ?) ORDER BY r.path, r.row_number LIMIT ?",
        [run_id, run_id, limit],
    ).fetchall()
