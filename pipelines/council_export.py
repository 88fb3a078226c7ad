"""The monthly council export: last month's ward summaries on the first working day.

Councils expect their ward summary on the first working day of each month: a weekday
that is not an England and Wales bank holiday (``endurance.working_days``). No cron
expression can say that, so the deployment runs this flow at 07:00 on every weekday
from the 1st to the 7th (the first working day is never later than the 5th) with
``only_on_first_working_day`` set, and the flow does nothing unless its scheduled date,
in Europe/London, is the month's first working day. Run by hand (from the Prefect UI or
``endurance trigger``), it exports straight away.

It reads the marts the nightly flow builds; it does not load anything.
"""

from __future__ import annotations

from datetime import date
from typing import Any
from zoneinfo import ZoneInfo

from prefect import flow, get_run_logger, task
from prefect.runtime import flow_run

from endurance.ledger import recorded_run
from endurance.periods import Period, check_month
from endurance.settings import Settings
from endurance.working_days import first_working_day
from pipelines._runs import flow_run_record, ledger_on_failure, refuse_unless_valid
from pipelines.artifacts import publish_run_artifacts
from pipelines.nightly import bring_up_to_date, write_exports

LONDON = ZoneInfo("Europe/London")


def previous_month(day: date) -> str:
    """Return the month before ``day``'s, as ``YYYY-MM``."""
    index = day.year * 12 + day.month - 2
    return f"{index // 12:04d}-{index % 12 + 1:02d}"


def export_period(run_date: date, period_from: str | None, period_to: str | None) -> Period:
    """Return the period asked for, or the month before the run's date (a bad month is a ValueError)."""
    for name, month in (("period_from", period_from), ("period_to", period_to)):
        if month is not None:
            check_month(month, name)
    start = period_from or period_to or previous_month(run_date)
    return Period(start, period_to or start)


@task(name="check-first-working-day", timeout_seconds=30)
def check_first_working_day(run_date: date, extra_holidays: tuple[date, ...]) -> bool:
    """Tell whether the run's date is the first working day of its month."""
    first = first_working_day(run_date.year, run_date.month, extra_holidays=extra_holidays)
    get_run_logger().info("first working day of %s is %s", f"{run_date:%Y-%m}", first.isoformat())
    return run_date == first


@flow(name="endurance-council-export", log_prints=True, on_failure=[ledger_on_failure])
def council_export(
    period_from: str | None = None,
    period_to: str | None = None,
    only_on_first_working_day: bool = False,
) -> dict[str, Any]:
    """Write the council ward summaries for last month, or for the period given.

    Args:
        period_from: First month to export (YYYY-MM); default: the month before the
            run's date.
        period_to: Last month to export (YYYY-MM); default: the same as period_from.
        only_on_first_working_day: Export only if the run's scheduled date is the first
            working day of its month in England and Wales (weekdays that are not bank
            holidays); the monthly schedule sets it, a run by hand leaves it off.
    """
    settings = Settings.from_env()
    run_date = flow_run.get_scheduled_start_time().astimezone(LONDON).date()
    if only_on_first_working_day and not check_first_working_day(run_date, settings.extra_holidays):
        print(f"{run_date.isoformat()} is not the first working day of its month: nothing to export")
        return {"skipped": True, "run_date": run_date.isoformat()}
    vintage, threshold = settings.output_vintage, settings.suppression_threshold
    record = flow_run_record(
        "endurance-council-export",
        settings,
        {
            "period_from": period_from,
            "period_to": period_to,
            "only_on_first_working_day": only_on_first_working_day,
        },
    )
    period = refuse_unless_valid(
        settings.db_path, record, lambda: export_period(run_date, period_from, period_to)
    )
    with recorded_run(settings.db_path, record):
        # Incidents loaded since the marts were built reach the councils' figures.
        refreshed = bring_up_to_date(settings.db_path, None, None, record.run_id)
        record.outputs = write_exports(
            settings.db_path,
            settings.exports_dir,
            period,
            vintage,
            threshold,
            record.run_id,
            share_handling_c=settings.share_handling_c,
        )
        record.counts = {
            "period": period.label,
            "vintage": vintage,
            "files": len(record.outputs),
            **refreshed,
        }
    publish_run_artifacts(settings.db_path, record, period, vintage, threshold, settings.share_handling_c)
    return {"skipped": False, "run_id": record.run_id, "period": period.label, "exports": record.outputs}
