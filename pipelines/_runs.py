"""What every flow does around its work: a ledger record named after the Prefect run.

The ledger (``ops.runs``) is keyed by a short run id, the first twelve hex digits of
the Prefect flow run id, which maps and exports print; the full id and the deployment
that started the run are kept beside it so ``endurance runs --id`` can link to the run
in the Prefect UI.
"""

from __future__ import annotations

import logging
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from prefect.runtime import deployment, flow_run

from endurance import warehouse
from endurance._errors import EnduranceError
from endurance.settings import Settings

log = logging.getLogger(__name__)


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


def record_end(db_path: Path, record: warehouse.RunRecord, exc: BaseException | None = None) -> None:
    """Record how a run ended: completed, or failed or interrupted by ``exc``.

    When the warehouse cannot be opened or written to say so (a full disk), the run is
    left ``running`` and the next opening marks it interrupted: this never hides ``exc``.
    """
    if exc is None:
        with warehouse.connect(db_path) as con:
            warehouse.finish_run(con, record, status="completed")
        return
    try:
        with warehouse.connect(db_path) as con:
            warehouse.finish_after(con, record, exc)
    except (EnduranceError, OSError) as second:
        log.info(
            "run %s: its end could not be recorded (%s); the next opening marks it", record.run_id, second
        )


@contextmanager
def recorded_run(db_path: Path, record: warehouse.RunRecord) -> Iterator[warehouse.RunRecord]:
    """Record the run as started, then as completed, or as failed (interrupted) if the block raises."""
    with warehouse.connect(db_path) as con:
        warehouse.start_run(con, record)
    try:
        yield record
    except BaseException as exc:
        record_end(db_path, record, exc)
        raise
    record_end(db_path, record)
