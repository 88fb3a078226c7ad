"""The weekly tasking briefing: one pack per analysis area and meeting, recorded in the run ledger.

The ``weekly-briefing`` deployment runs this flow on the meeting's morning
(``ENDURANCE_BRIEFING_DAY`` and ``ENDURANCE_BRIEFING_TIME``, default Tuesday 07:00). It
reads what the nightly flow has built (marts and the ledger), analyses the meeting's
period if that has not been done, and writes under ``<ENDURANCE_OUT>/briefings`` the
page, its PDF and PNG, and the hotspot map (HTML and PNG) the page shows: by default
one pack per analysis area of the forces loaded (each force's and, with several, the
joint operation's), or the pack of the one area asked for.
"""

from __future__ import annotations

from datetime import date, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from prefect import flow, task
from prefect.runtime import flow_run

from endurance import briefing, freshness, hotspots, warehouse
from endurance._errors import ArgumentError
from endurance._publish import Stamp
from endurance.ledger import recorded_run
from endurance.settings import Settings
from pipelines._runs import flow_run_record, ledger_on_failure, refuse_unless_valid
from pipelines.artifacts import publish_run_artifacts

LONDON = ZoneInfo("Europe/London")


@task(name="write-briefing", timeout_seconds=900)
def write_pack(
    settings: Settings,
    meeting_day: date,
    since: date | None,
    run_id: str,
    data_label: str | None,
    areas: list[str],
) -> tuple[briefing.Meeting, list[dict[str, object]], dict[str, Any]]:
    """Analyse the meeting's period if needed and write the pack of each analysis area in ``areas``."""
    files = []
    with warehouse.connect(settings.db_path) as con:
        freshness.refresh(con, run_id=run_id)  # the meeting's period follows the latest data
        meeting = briefing.plan_meeting(con, meeting_day, since=since)
        for area in areas:
            result = briefing.write_briefing(
                con,
                settings.out_dir / "briefings",
                meeting,
                vintage=settings.output_vintage,
                stamp=Stamp(run_id, settings.marking, data_label),
                area=area,
                share_c=settings.share_handling_c,
            )
            files.extend(result.files())
        built = freshness.built_from(con, period=meeting.period, vintage=settings.output_vintage)
    return meeting, [warehouse.output_file(p) for p in files], built


def meeting_on_or_after(day: date, weekday: int) -> date:
    """Return the first meeting day (``weekday``, Monday = 0) on or after ``day``."""
    return day + timedelta(days=(weekday - day.weekday()) % 7)


def default_meeting(settings: Settings) -> date:
    """Return the meeting a run without ``meeting`` is for: the next meeting day from the run's day.

    The run's day is its scheduled day in London (today outside Prefect). The weekly
    schedule fires on the meeting's morning, so that is the day itself; a run by hand on
    another day (a Sunday) prepares the coming meeting, never a pack dated that Sunday.
    """
    scheduled = flow_run.get_scheduled_start_time()
    run_day = (scheduled or datetime.now(LONDON)).astimezone(LONDON).date()
    return meeting_on_or_after(run_day, settings.briefing_weekday)


def check_parameters(settings: Settings, meeting: date, since: date | None, force: str | None) -> list[str]:
    """Refuse a previous meeting on or after this one, or an area not loaded, before any work.

    Return the keys of the analysis areas whose packs the run writes: ``force``'s, or
    every area of the forces the warehouse holds.
    """
    if since is not None and since >= meeting:
        raise ArgumentError(f"since ({since}) must be before the meeting ({meeting})")
    with warehouse.connect(settings.db_path) as con:
        if force is not None:
            return [hotspots.area_key(con, force)]  # says which areas there are when it is not one
        return [area.key for area in hotspots.analysis_areas_loaded(con)]


@flow(name="endurance-briefing", log_prints=True, on_failure=[ledger_on_failure])
def tasking_briefing(
    meeting: date | None = None,
    since: date | None = None,
    data_label: str | None = None,
    force: str | None = None,
) -> dict[str, Any]:
    """Write the tasking briefing packs for a meeting: one per analysis area, or one area's.

    Args:
        meeting: The meeting's date, YYYY-MM-DD. Default: the next meeting day
            (ENDURANCE_BRIEFING_DAY, Tuesday unless set) on or after the run's day, so the
            weekly schedule's run is for that morning's meeting and a run by hand on a
            Sunday is for the coming Tuesday.
        since: The previous meeting's date (default: a week before the meeting); outcomes,
            intelligence and loaded files "since the last meeting" count from this day.
        data_label: A line shown prominently on the pack and its map, e.g. "SYNTHETIC
            DEMO DATA". Default: none (real data).
        force: The analysis area whose pack is written: a loaded force (cleveland,
            durham) or joint (every loaded force together). Default: one pack per
            analysis area loaded (with Cleveland and Durham: cleveland, durham and joint).
    """
    settings = Settings.from_env()
    meeting_day = meeting or default_meeting(settings)
    record = flow_run_record(
        "endurance-briefing",
        settings,
        {
            "meeting": meeting_day.isoformat(),
            "since": since.isoformat() if since else None,
            "data_label": data_label,
            "force": force,
        },
    )
    areas = refuse_unless_valid(
        settings.db_path, record, lambda: check_parameters(settings, meeting_day, since, force)
    )
    with recorded_run(settings.db_path, record):
        planned, record.outputs, built = write_pack(
            settings, meeting_day, since, record.run_id, data_label, areas
        )
        record.counts = {
            "meeting": meeting_day.isoformat(),
            "since": planned.since.isoformat(),
            "period": planned.period.label,
            "areas": areas,
            "files": len(record.outputs),
            "built_from": built,
        }
    publish_run_artifacts(
        settings.db_path,
        record,
        planned.period,
        settings.output_vintage,
        settings.suppression_threshold,
        settings.share_handling_c,
    )
    print(f"briefing for {meeting_day.isoformat()} written ({', '.join(areas)}): {len(record.outputs)} files")
    return {"run_id": record.run_id, **record.counts, "outputs": record.outputs}
