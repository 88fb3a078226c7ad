"""The monthly police.uk pull: fetch a month of street-level crime from the API and load it.

data.police.uk publishes each month some weeks after it ends. The flow asks the API
which months it holds, fetches the latest (or the month asked for) for the force area
as a street-level CSV under ``$ENDURANCE_OUT/policeuk``, loads it like any other
police.uk file, attributes the new rows and rebuilds the marts. Fetching a month
again is harmless: an unchanged file is skipped, a changed one replaces the earlier
load as a corrected re-issue.

Network steps retry twice over: the API client retries a 429 or 5xx within seconds
(honouring ``Retry-After``), each retry a warning in the run's log; the Prefect task
retries the whole fetch three times, 30, 60 and 120 seconds apart, for an outage longer
than that. A month the API does not hold, or a bad parameter, is not retried.
"""

from __future__ import annotations

import logging
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from prefect import Task, flow, get_run_logger, task
from prefect.client.schemas.objects import State, TaskRun
from prefect.tasks import exponential_backoff

from endurance import _http, warehouse
from endurance._errors import ArgumentError, MonthNotAvailableError, PoliceApiError
from endurance.forces import DEFAULT_FORCE, DEFAULT_FORCES, SHIPPED
from endurance.ingest import reconcile
from endurance.ledger import recorded_run
from endurance.periods import check_month
from endurance.settings import Settings
from endurance.sources import FileLoad
from endurance.sources.policeuk_api import PoliceApi, fetch_policeuk_month
from pipelines._runs import flow_run_record, ledger_on_failure, refuse_unless_valid
from pipelines.artifacts import publish_run_artifacts
from pipelines.nightly import attribute, build, ingest_inputs, link, load_geography

#: The client's own quick retries (1 s, 2 s) for a blip; the task's retries cover outages.
CLIENT_RETRIES = 2
TASK_RETRIES = 3
TASK_RETRY_DELAYS = exponential_backoff(backoff_factor=30)


class _ToRunLog(logging.Handler):
    """Pass the API client's warnings (each retry and why) on to the Prefect run's log."""

    def __init__(self, run_logger: logging.LoggerAdapter[logging.Logger] | logging.Logger) -> None:
        super().__init__(logging.WARNING)
        self.run_logger = run_logger

    def emit(self, record: logging.LogRecord) -> None:
        self.run_logger.log(record.levelno, "%s", record.getMessage())


@contextmanager
def _client_warnings_in_run_log() -> Iterator[None]:
    """Show the client's retries in the run's log in the Prefect UI, as warnings."""
    handler = _ToRunLog(get_run_logger())
    client_log = logging.getLogger(_http.__name__)
    client_log.addHandler(handler)
    try:
        yield
    finally:
        client_log.removeHandler(handler)


def _retry_network_failures(task: Task[..., Any], task_run: TaskRun, state: State[Any]) -> bool:
    """Retry a failed network request; not a month the API lacks or a bad argument."""
    try:
        state.result()
    except MonthNotAvailableError:
        return False
    except (PoliceApiError, OSError):
        return True
    except Exception:
        return False
    return False


@task(
    name="latest-policeuk-month",
    retries=TASK_RETRIES,
    retry_delay_seconds=TASK_RETRY_DELAYS,
    retry_condition_fn=_retry_network_failures,
    timeout_seconds=300,
)
def latest_policeuk_month(api_url: str) -> str:
    """Ask the API which months it holds and return the latest."""
    with _client_warnings_in_run_log():
        months = PoliceApi(api_url, max_retries=CLIENT_RETRIES).available_months()
    if not months:
        raise MonthNotAvailableError(f"{api_url}/crimes-street-dates lists no months")
    return months[-1]


@task(
    name="fetch-policeuk-month",
    retries=TASK_RETRIES,
    retry_delay_seconds=TASK_RETRY_DELAYS,
    retry_condition_fn=_retry_network_failures,
    timeout_seconds=1800,
)
def fetch_month(
    db_path: Path, month: str, out_dir: Path, api_url: str, force: str = DEFAULT_FORCE.key
) -> dict[str, object]:
    """Fetch one month of one force's area (a shipped force's key) into a police.uk street-level CSV."""
    with warehouse.connect(db_path, read_only=True) as con, _client_warnings_in_run_log():
        path = fetch_policeuk_month(
            con, month, out_dir, force=SHIPPED[force], base_url=api_url, max_retries=CLIENT_RETRIES
        )
    return warehouse.output_file(path)


def check_parameters(force: str | None, month: str | None, in_use: tuple[str, ...] = DEFAULT_FORCES) -> None:
    """Refuse a force not in use, or a month not written YYYY-MM, before any work."""
    problems = []
    if force is not None and force not in in_use:
        listed = ", ".join(repr(key) for key in in_use)
        problems.append(f"force must be one in use ({listed}: ENDURANCE_FORCES); got {force!r}")
    if month is not None:
        try:
            check_month(month, "month")
        except ValueError as exc:
            problems.append(str(exc))
    if problems:
        raise ArgumentError("; ".join(problems))


@flow(name="endurance-policeuk-pull", log_prints=True, on_failure=[ledger_on_failure])
def policeuk_pull(force: str | None = None, month: str | None = None) -> dict[str, Any]:
    """Fetch a month of street-level crime from the data.police.uk API and load it.

    Args:
        force: The force whose area is fetched: one in use (ENDURANCE_FORCES), e.g.
            "cleveland" or "durham"; its file is written as that force's. Default:
            every force in use, one file each.
        month: The month to fetch (YYYY-MM); default: the latest month the API holds.
    """
    settings = Settings.from_env()
    record = flow_run_record("endurance-policeuk-pull", settings, {"force": force, "month": month})
    refuse_unless_valid(settings.db_path, record, lambda: check_parameters(force, month, settings.forces))
    with recorded_run(settings.db_path, record):
        load_geography(settings.db_path, settings.geodata_dir, settings.forces)
        chosen = month or latest_policeuk_month(settings.policeuk_api_url)
        fetched = [
            fetch_month(settings.db_path, chosen, settings.policeuk_dir, settings.policeuk_api_url, key)
            for key in ([force] if force else settings.forces)
        ]
        loads = [
            load
            for file in fetched
            for load in ingest_inputs(settings.db_path, Path(str(file["path"])), record.run_id)
        ]
        record.inputs = loads
        record.counts = {"month": chosen, "inputs": reconcile([FileLoad(**load) for load in loads])}
        record.counts["attribution"] = attribute(settings.db_path)
        record.counts["linking"] = link(settings.db_path)
        record.counts["marts"] = build(settings.db_path)
        record.outputs = fetched
    publish_run_artifacts(
        settings.db_path, record, None, settings.output_vintage, settings.suppression_threshold
    )
    return {
        "run_id": record.run_id,
        "month": chosen,
        "file": fetched[0],  # the first force's
        "files": fetched,
        "inputs": record.counts["inputs"],
    }
