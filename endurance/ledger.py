"""Reading the run ledger: what each run was asked, read, wrote, and how it ended.

Flows and ``endurance ingest`` write ``ops.runs`` through ``warehouse.start_run`` and
``warehouse.finish_run``; this module reads it back for ``endurance runs``.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import duckdb

from endurance._errors import EnduranceError

_COLUMNS = (
    "run_id, flow, deployment, prefect_flow_run_id, started_at, finished_at, status,"
    " parameters, inputs, counts, outputs, error"
)


class RunNotFoundError(EnduranceError, LookupError):
    """No run in the ledger has the id asked for."""


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
