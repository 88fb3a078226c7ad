"""Every deployment of the project and its schedule, declared in one place.

``endurance serve`` (and ``make serve``) serves ``DEPLOYMENTS``; ``endurance trigger``
accepts their names. Times are Europe/London wall-clock times, so a schedule keeps its
hour across the clock changes.

| deployment | flow | when |
|---|---|---|
| ``nightly-ingest`` | ``endurance-nightly`` | every night at 02:30 |
| ``policeuk-monthly`` | ``endurance-policeuk-pull`` | the 20th of each month at 05:00 |
| ``council-export-monthly`` | ``endurance-council-export`` | first working day of the month, 07:00 |
| ``weekly-briefing`` | ``endurance-briefing`` | the meeting's day, 07:00 (configurable) |

police.uk publishes a month some weeks after it ends, usually by the middle of the
next month but one; by the 20th the latest month is normally out, and a month fetched
twice loads once.

To add a deployment, append a ``DeploymentSpec`` to ``DEPLOYMENTS``.
``briefing_schedules`` reads the weekly briefing's day and time from
``ENDURANCE_BRIEFING_DAY`` and ``ENDURANCE_BRIEFING_TIME`` (default Tuesday 07:00).
"""

from __future__ import annotations

import os
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, cast

from prefect import Flow
from prefect.deployments.runner import RunnerDeployment
from prefect.schedules import Cron, Schedule
from prefect.utilities.callables import ParameterSchema

from endurance._errors import ArgumentError
from endurance.settings import WEEKDAYS, Settings
from pipelines.briefing import tasking_briefing
from pipelines.council_export import council_export
from pipelines.nightly import nightly
from pipelines.policeuk_pull import policeuk_pull

TIMEZONE = "Europe/London"
TAGS = ["endurance"]


def _no_parameters(settings: Settings) -> dict[str, Any]:
    return {}


@dataclass(frozen=True)
class DeploymentSpec:
    """One deployment: its name, the flow it runs, when, and with which parameters.

    ``schedules`` and ``parameters`` are functions of the settings, so the folders and
    times configured by ``ENDURANCE_*`` variables are read when serving starts.
    """

    name: str
    flow: Flow[..., Any]
    description: str
    schedules: Callable[[Settings], list[Schedule]]
    parameters: Callable[[Settings], dict[str, Any]] = _no_parameters

    def to_deployment(self, settings: Settings) -> RunnerDeployment:
        """Return the Prefect deployment to serve."""
        parameters = self.parameters(settings)
        # From synchronous code to_deployment returns the deployment, not a coroutine.
        deployment = cast(
            RunnerDeployment,
            self.flow.to_deployment(
                name=self.name,
                description=self.description,
                schedules=self.schedules(settings),
                parameters=parameters,
                tags=TAGS,
            ),
        )
        schema = deployment._parameter_openapi_schema
        deployment._parameter_openapi_schema = ParameterSchema(
            **{**schema.model_dump(), "properties": form_properties(schema.properties, parameters)}
        )
        return deployment

    @property
    def full_name(self) -> str:
        """The name Prefect knows it by: ``<flow name>/<deployment name>``."""
        return f"{self.flow.name}/{self.name}"


def form_properties(properties: dict[str, Any], defaults: dict[str, Any]) -> dict[str, Any]:
    """Return parameter schemas the Prefect UI shows as one plain field each, with its description.

    Prefect describes an optional parameter (``month: str | None = None``) as "a string
    or null, default null", which the UI shows as a "str / None" switch failing with
    ``Property is type "None"``. Each becomes its one real type with no default: left
    empty, the parameter is not sent and the flow uses its own default, which the
    description states. The deployment's own parameters become the defaults shown;
    descriptions are joined onto one line.
    """
    fields = {}
    for name, given in properties.items():
        field = dict(given)
        types = field.pop("anyOf", None)
        if types is not None:
            (real,) = [t for t in types if t != {"type": "null"}]  # one type besides null
            field.update(real)
        if field.get("default", "") is None:
            del field["default"]
        if name in defaults:
            field["default"] = defaults[name]
        if "description" in field:
            field["description"] = " ".join(str(field["description"]).split())
        fields[name] = field
    return fields


def weekly_schedule(day: str, time: str) -> Schedule:
    """Return a weekly schedule on ``day`` (e.g. "Tuesday") at ``time`` ("HH:MM"), London time."""
    if day not in WEEKDAYS:
        raise ArgumentError(f"day must be one of {', '.join(WEEKDAYS)}; got {day!r}")
    hour, minute = (int(part) for part in time.split(":"))
    # cron numbers days from Sunday = 0; WEEKDAYS starts on Monday.
    return Cron(f"{minute} {hour} * * {(WEEKDAYS.index(day) + 1) % 7}", timezone=TIMEZONE)


def briefing_schedules(settings: Settings) -> list[Schedule]:
    """Return the weekly briefing's schedule, from ENDURANCE_BRIEFING_DAY and ENDURANCE_BRIEFING_TIME."""
    return [weekly_schedule(settings.briefing_day, settings.briefing_time)]


def _nightly_schedules(settings: Settings) -> list[Schedule]:
    return [Cron("30 2 * * *", timezone=TIMEZONE)]


def _nightly_parameters(settings: Settings) -> dict[str, Any]:
    return {"input_dir": os.pathsep.join(str(inbox.resolve()) for inbox in settings.inbox_dirs)}


def _policeuk_schedules(settings: Settings) -> list[Schedule]:
    return [Cron("0 5 20 * *", timezone=TIMEZONE)]


def _export_schedules(settings: Settings) -> list[Schedule]:
    # Weekdays among the 1st to the 7th (day_or=False: both must hold); the flow itself
    # goes on only on the first working day, skipping bank holidays.
    return [
        Cron(
            "0 7 1-7 * 1-5",
            timezone=TIMEZONE,
            day_or=False,
            parameters={"only_on_first_working_day": True},
        )
    ]


DEPLOYMENTS: tuple[DeploymentSpec, ...] = (
    DeploymentSpec(
        "nightly-ingest",
        nightly,
        "Every night at 02:30: load new files from each force's inbox folder, attribute them to wards and "
        "hotspots, and refresh the hotspot map and council ward summaries.",
        schedules=_nightly_schedules,
        parameters=_nightly_parameters,
    ),
    DeploymentSpec(
        "policeuk-monthly",
        policeuk_pull,
        "On the 20th of each month at 05:00: fetch the latest month of street-level crime for "
        "the force area from the data.police.uk API, load and attribute it.",
        schedules=_policeuk_schedules,
    ),
    DeploymentSpec(
        "council-export-monthly",
        council_export,
        "On the first working day of each month (England and Wales) at 07:00: write last month's "
        "ward summaries for the councils. Run it by hand for any period.",
        schedules=_export_schedules,
    ),
    DeploymentSpec(
        "weekly-briefing",
        tasking_briefing,
        "Every week on the tasking meeting's morning (ENDURANCE_BRIEFING_DAY and ENDURANCE_BRIEFING_TIME, "
        "default Tuesday 07:00): the briefing pack with top hotspots, peak times, the map, ward table, "
        "outcomes since the last meeting, intelligence by grading and data quality.",
        schedules=briefing_schedules,
    ),
)


def deployment_spec(name: str) -> DeploymentSpec:
    """Return the deployment called ``name`` (or ``<flow>/<name>``); a clear error lists the others."""
    for spec in DEPLOYMENTS:
        if name in (spec.name, spec.full_name):
            return spec
    raise LookupError(
        f"no deployment called {name!r}; the deployments are: {', '.join(s.name for s in DEPLOYMENTS)}"
    )


def deployments(settings: Settings | None = None) -> list[RunnerDeployment]:
    """Return every deployment with its schedules and default parameters."""
    settings = settings or Settings.from_env()
    return [spec.to_deployment(settings) for spec in DEPLOYMENTS]
