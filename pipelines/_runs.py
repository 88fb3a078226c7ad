"""What every flow does around its work: a ledger record named after the Prefect run.

The ledger (``ops.runs``) is keyed by a short run id, the first twelve hex digits of
the Prefect flow run id, which maps and exports print; the full id and the deployment
that started the run are kept beside it so ``endurance runs --id`` can link to the run
in the Prefect UI.

Every run reaches the ledger, refused ones included: a flow checks its parameters
before any work (``refuse_unless_valid``) and records a bad one as ``refused``; a
parameter Prefect itself cannot read (``meeting=2026-02-30`` for a date) fails the run
before the flow's code starts, and the ``ledger_on_failure`` hook records that.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from pathlib import Path
from typing import Any, TypeVar

from prefect.runtime import deployment, flow_run

from endurance import warehouse
from endurance._errors import EnduranceError, ParameterError
from endurance.settings import Settings

log = logging.getLogger(__name__)
T = TypeVar("T")


def flow_run_record(flow_name: str, settings: Settings, parameters: dict[str, Any]) -> warehouse.RunRecord:
    """Return a run record for the flow run in progress (``local`` outside Prefect)."""
    flow_run_id = flow_run.get_id()
    return warehouse.RunRecord(
        flow=flow_name,
        run_id=(flow_run_id or "").replace("-", "")[:12] or "local",
        settings=settings.describe(),
        parameters=parameters,
        prefect_flow_run_id=flow_run_id,
        deployment=deployment.get_name(),
    )


def _record_refusal(db_path: Path, record: warehouse.RunRecord, *, status: str, reason: str) -> None:
    """Record a run that ended before its work began, unless it is already in the ledger."""
    try:
        with warehouse.connect(db_path) as con:
            if con.execute("SELECT 1 FROM ops.runs WHERE run_id = ?", [record.run_id]).fetchone():
                return
            warehouse.start_run(con, record)
            warehouse.finish_run(con, record, status=status, error=reason)
    except (EnduranceError, OSError) as exc:
        log.warning("run %s (%s) could not be recorded: %s", record.run_id, reason, exc)


def refuse_unless_valid(db_path: Path, record: warehouse.RunRecord, check: Callable[[], T]) -> T:
    """Check a run's parameters before any work: return what ``check`` returns, or refuse the run.

    A ``ValueError`` or ``LookupError`` from ``check`` records the run as ``refused`` with
    the reason and raises ``ParameterError``.
    """
    try:
        return check()
    except (ValueError, LookupError) as exc:
        _record_refusal(db_path, record, status="refused", reason=f"refused: {exc}")
        raise ParameterError(f"refused: {exc}") from exc


def ledger_on_failure(flow: Any, flow_run: Any, state: Any) -> None:
    """Prefect hook: put in the ledger a run refused before the flow's code started.

    That is a run whose parameters Prefect could not read (a date that does not exist),
    recorded as ``refused`` with Prefect's message. Any other failure happened in the
    flow's code, which recorded it (or left it to the next opening): the warehouse is not
    opened again here.
    """
    message = str(getattr(state, "message", "") or "")
    if "validation of flow parameters" not in message.lower():
        return
    try:
        settings = Settings.from_env()
    except ValueError as exc:
        log.warning("flow run %s not recorded: %s", flow_run.id, exc)
        return
    try:
        name = deployment.get_name()
    except Exception:  # the runtime may not know it this early; the ledger can do without
        name = None
    record = warehouse.RunRecord(
        flow=flow.name,
        run_id=str(flow_run.id).replace("-", "")[:12],
        settings=settings.describe(),
        parameters=dict(flow_run.parameters or {}),
        prefect_flow_run_id=str(flow_run.id),
        deployment=name,
    )
    _record_refusal(settings.db_path, record, status="refused", reason=message)
