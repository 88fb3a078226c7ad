"""The deployments load as declared: schedules, documented parameters, timeouts, retries."""

from __future__ import annotations

import asyncio
import importlib
import socket
from datetime import date, datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from prefect import Task
from prefect.flows import load_flow_from_entrypoint
from prefect.server.schemas.schedules import CronSchedule

from endurance._errors import ServerError, TriggerError
from endurance.settings import Settings
from endurance.working_days import first_working_day
from pipelines import deployments as declared
from pipelines.trigger import parse_parameters, trigger_deployment

LONDON = ZoneInfo("Europe/London")
PIPELINE_MODULES = ("nightly", "policeuk_pull", "council_export", "artifacts")


@pytest.fixture(scope="module")
def served(tmp_path_factory):
    settings = Settings.from_env({"ENDURANCE_OUT": str(tmp_path_factory.mktemp("out"))})
    return {d.name: d for d in declared.deployments(settings)}


def fire_dates(schedule, start: datetime, end: datetime) -> list[datetime]:
    """Return the dates Prefect's scheduler service computes for a declared schedule."""
    server_schedule = CronSchedule(cron=schedule.cron, timezone=schedule.timezone, day_or=schedule.day_or)
    return [d.astimezone(LONDON) for d in asyncio.run(server_schedule.get_dates(start=start, end=end))]


def test_the_declared_deployments_are_served(served):
    assert set(served) == {"nightly-ingest", "policeuk-monthly", "council-export-monthly", "weekly-briefing"}
    assert [s.name for s in declared.DEPLOYMENTS] == list(served)


@pytest.mark.parametrize("name", [s.name for s in declared.DEPLOYMENTS])
def test_each_deployment_has_a_schedule_a_flow_that_imports_and_documented_parameters(served, name):
    deployment = served[name]
    assert deployment.schedules and all(s.active for s in deployment.schedules)
    assert all(s.schedule.timezone == "Europe/London" for s in deployment.schedules)
    assert deployment.description and deployment.tags == ["endurance"]
    flow = load_flow_from_entrypoint(deployment.entrypoint)
    assert flow.name == declared.deployment_spec(name).flow.name
    schema = deployment._parameter_openapi_schema
    assert schema.properties
    for parameter, spec in schema.properties.items():
        assert len(spec.get("description", "")) > 20, f"{name}: {parameter} has no description"
        # A default the form shows, or one the flow computes and the description states.
        has_default = "default" in spec or parameter in deployment.parameters
        assert has_default or "default" in spec["description"].lower(), f"{name}: {parameter} has no default"


@pytest.mark.parametrize("name", [s.name for s in declared.DEPLOYMENTS])
def test_each_parameter_is_one_plain_typed_field_in_the_ui(served, name):
    """No "str / None" switch (``Property is type "None"``): one real type, no null default."""
    deployment = served[name]
    flow = declared.deployment_spec(name).flow
    properties = deployment._parameter_openapi_schema.model_dump()["properties"]
    assert list(properties) == list(flow.parameters.properties)
    for parameter, spec in properties.items():
        where = f"{name}: {parameter}: {spec}"
        assert "anyOf" not in spec and spec.get("type") in {"string", "boolean", "integer", "number"}, where
        assert spec.get("default", "") is not None, where
        assert "\n" not in spec["description"], where
        python_default = flow.parameters.properties[parameter].get("default")
        if parameter in deployment.parameters:
            assert spec["default"] == deployment.parameters[parameter], where
        elif python_default is not None:
            assert spec["default"] == python_default, where
        else:
            assert "default" not in spec and "default:" in spec["description"].lower(), where
    if name == "weekly-briefing":
        assert properties["meeting"]["format"] == "date"
    if name == "nightly-ingest":
        assert Path(properties["input_dir"]["default"]).name == "inbox"  # Cleveland's alone


def test_every_task_has_a_timeout():
    tasks = [
        obj
        for module in PIPELINE_MODULES
        for obj in vars(importlib.import_module(f"pipelines.{module}")).values()
        if isinstance(obj, Task)
    ]
    assert len({t.name for t in tasks}) >= 13
    assert all(t.timeout_seconds and t.timeout_seconds > 0 for t in tasks), [
        t.name for t in tasks if not t.timeout_seconds
    ]


def test_network_tasks_retry_three_times_with_growing_waits():
    from pipelines.policeuk_pull import fetch_month, latest_policeuk_month

    for network_task in (fetch_month, latest_policeuk_month):
        assert network_task.retries == 3
        assert network_task.retry_delay_seconds == [30, 60, 120]


def test_the_nightly_runs_at_0230_london_time_all_year(served):
    (schedule,) = served["nightly-ingest"].schedules
    dates = fire_dates(
        schedule.schedule, datetime(2026, 3, 27, tzinfo=LONDON), datetime(2026, 4, 2, tzinfo=LONDON)
    )
    assert [(d.day, d.hour, d.minute) for d in dates] == [(day, 2, 30) for day in range(27, 32)] + [
        (1, 2, 30)
    ]


def test_the_export_schedule_reaches_every_first_working_day_and_only_early_weekdays(served):
    (schedule,) = served["council-export-monthly"].schedules
    assert schedule.parameters == {"only_on_first_working_day": True}
    dates = fire_dates(
        schedule.schedule, datetime(2026, 1, 1, tzinfo=LONDON), datetime(2027, 12, 31, tzinfo=LONDON)
    )
    days = {d.date() for d in dates}
    assert all(d.weekday() < 5 and d.day <= 7 and (d.hour, d.minute) == (7, 0) for d in dates)
    for year in (2026, 2027):
        for month in range(1, 13):
            assert first_working_day(year, month) in days
    assert date(2026, 1, 1) in days and date(2026, 1, 2) in days  # the flow tells them apart
    assert len(days) == 24 * 5  # five weekdays fall in the first seven days of any month


def test_the_briefing_schedule_follows_the_settings():
    settings = Settings.from_env({"ENDURANCE_BRIEFING_DAY": "thursday", "ENDURANCE_BRIEFING_TIME": "16:45"})
    (schedule,) = declared.briefing_schedules(settings)
    dates = fire_dates(schedule, datetime(2026, 6, 1, tzinfo=LONDON), datetime(2026, 6, 30, tzinfo=LONDON))
    assert [d.day for d in dates] == [4, 11, 18, 25]
    assert all((d.strftime("%A"), d.hour, d.minute) == ("Thursday", 16, 45) for d in dates)
    default = declared.briefing_schedules(Settings.from_env({}))[0]
    assert (default.cron, default.timezone) == ("0 7 * * 2", "Europe/London")  # Tuesday 07:00
    sunday = declared.weekly_schedule("Sunday", "09:30")
    assert sunday.cron == "30 9 * * 0"


def test_deployments_are_found_by_either_name_and_a_typo_lists_them():
    assert declared.deployment_spec("endurance-council-export/council-export-monthly").name == (
        "council-export-monthly"
    )
    listed = "nightly-ingest, policeuk-monthly, council-export-monthly, weekly-briefing"
    with pytest.raises(LookupError, match=listed):
        declared.deployment_spec("council-export")


def test_trigger_parameters_are_parsed_and_checked_before_any_server_is_asked():
    assert parse_parameters(["period_from=2025-06", "only_on_first_working_day=true", "month=null"]) == {
        "period_from": "2025-06",
        "only_on_first_working_day": True,
        "month": None,
    }
    with pytest.raises(TriggerError, match="not key=value"):
        parse_parameters(["2025-06"])
    with pytest.raises(
        TriggerError, match="its parameters are: period_from, period_to, only_on_first_working_day"
    ):
        trigger_deployment("council-export-monthly", {"month": "2025-06"}, port=1, wait=False)
    with pytest.raises(LookupError, match="the deployments are"):
        trigger_deployment("weekly-briefings", {}, port=1, wait=False)


def test_trigger_without_a_server_says_how_to_start_one():
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    with pytest.raises(
        ServerError, match=f"no Prefect server answers at http://127.0.0.1:{port}/api; start it"
    ):
        trigger_deployment("nightly-ingest", {}, port=port, wait=False)


def test_trigger_help_lists_every_deployment():
    from typer.testing import CliRunner

    from pipelines.cli import app

    result = CliRunner().invoke(app, ["trigger", "--help"], env={"COLUMNS": "200"})
    assert result.exit_code == 0
    text = " ".join(result.output.split())
    for spec in declared.DEPLOYMENTS:
        assert spec.name in text, (spec.name, text)


@pytest.mark.parametrize(
    ("scheduled", "briefing_day", "meeting"),
    [
        (datetime(2026, 1, 4, 15, 0, tzinfo=LONDON), "Tuesday", date(2026, 1, 6)),  # a Sunday, by hand
        (datetime(2026, 1, 6, 7, 0, tzinfo=LONDON), "Tuesday", date(2026, 1, 6)),  # the schedule's run
        (datetime(2026, 1, 6, 7, 1, tzinfo=LONDON), "Monday", date(2026, 1, 12)),
        # 23:30 UTC on Monday 30 March is already Tuesday 31 March in London (BST).
        (datetime(2026, 3, 30, 23, 30, tzinfo=ZoneInfo("UTC")), "Tuesday", date(2026, 3, 31)),
    ],
)
def test_a_briefing_without_a_meeting_is_for_the_next_meeting_day(
    monkeypatch, scheduled, briefing_day, meeting
):
    from pipelines import briefing

    monkeypatch.setenv("ENDURANCE_BRIEFING_DAY", briefing_day)
    monkeypatch.setattr(briefing.flow_run, "get_scheduled_start_time", lambda: scheduled)
    assert briefing.default_meeting(Settings.from_env()) == meeting


def test_the_serving_banner_says_how_to_trigger_with_endurance_trigger(served):
    from pipelines.serve import serving_banner

    banner = serving_banner(list(served.values()))
    assert "endurance trigger DEPLOYMENT" in banner and "prefect deployment run" not in banner
    assert all(name in banner for name in served)


def test_the_nightly_deployment_reads_every_force_s_inbox(monkeypatch, tmp_path):
    from endurance.settings import Settings
    from pipelines.deployments import _nightly_parameters

    monkeypatch.setenv("ENDURANCE_OUT", str(tmp_path))
    monkeypatch.setenv("ENDURANCE_FORCES", "cleveland,durham")
    folders = _nightly_parameters(Settings.from_env())["input_dir"]
    assert folders == f"{tmp_path / 'inbox'}:{tmp_path / 'inbox-durham'}"
