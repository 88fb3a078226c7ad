"""The weekly tasking briefing flow: one pack per meeting, recorded in the run ledger.

It reads what the nightly flow has built (marts, the ledger) and writes the meeting's
pack under ``<ENDURANCE_OUT>/briefings``: the HTML page, its PDF and PNG, and the
hotspot map (HTML and PNG) the page shows.
"""

from __future__ import annotations

import hashlib
from datetime import date
from pathlib import Path
from typing import Any

from prefect import flow, task
from prefect.runtime import flow_run

from endurance import briefing, warehouse
from endurance.settings import Settings


def _describe(path: Path) -> dict[str, object]:
    return {"path": str(path), "bytes": path.stat().st_size, "sha256": hashlib.sha256(path.read_bytes()).hexdigest()}


@task(name="write-briefing", timeout_seconds=900)
def write_pack(
    db_path: Path,
    out_dir: Path,
    meeting_day: date,
    since: date | None,
    settings: Settings,
    run_id: str,
    data_label: str | None,
) -> tuple[dict[str, Any], list[dict[str, object]]]:
    """Analyse the meeting's period if needed and write the pack's files."""
    with warehouse.connect(db_path) as con:
        meeting = briefing.plan_meeting(con, meeting_day, since=since)
        result = briefing.write_briefing(
            con,
            out_dir,
            meeting,
            vintage=settings.output_vintage,
            run_id=run_id,
            marking=settings.marking,
            data_label=data_label,
            share_c=settings.share_handling_c,
        )
    summary = {"meeting": meeting_day.isoformat(), "since": meeting.since.isoformat(), "period": meeting.period.label}
    return summary, [_describe(p) for p in result.files()]


@flow(name="endurance-briefing", log_prints=True)
def tasking_briefing(
    meeting: date | None = None, since: date | None = None, data_label: str | None = None
) -> dict[str, Any]:
    """Write the tasking briefing pack for a meeting.

    Parameters
    ----------
    meeting
        The meeting's date (default: today, for a run scheduled on the meeting's morning).
    since
        The previous meeting's date (default: a week before the meeting); enforcement
        outcomes, intelligence and loads "since the last meeting" count from this day.
    data_label
        A line shown prominently on the pack and its map, e.g. "SYNTHETIC DEMO DATA".
    """
    settings = Settings.from_env()
    meeting_day = meeting or date.today()
    run_id = (flow_run.get_id() or "").replace("-", "")[:12] or "local"
    record = warehouse.RunRecord(
        flow="endurance-briefing",
        run_id=run_id,
        settings=settings.describe(),
        parameters={
            "meeting": meeting_day.isoformat(),
            "since": since.isoformat() if since else None,
            "data_label": data_label,
        },
    )
    with warehouse.connect(settings.db_path) as con:
        warehouse.start_run(con, record)
    try:
        summary, outputs = write_pack(
            settings.db_path, settings.out_dir / "briefings", meeting_day, since, settings, run_id, data_label
        )
    except BaseException as exc:
        with warehouse.connect(settings.db_path) as con:
            warehouse.finish_run(con, record, status="failed", error=f"{type(exc).__name__}: {exc}")
        raise
    record.counts = summary
    record.outputs = outputs
    with warehouse.connect(settings.db_path) as con:
        warehouse.finish_run(con, record, status="completed")
    return {"run_id": run_id, **summary, "outputs": outputs}
