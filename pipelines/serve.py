"""Every deployment and schedule of the project, declared in one place.

``make serve`` runs this module: it serves the deployments from this process, and
Prefect runs each on its schedule (or when triggered from the Prefect UI or CLI).
Times are Europe/London wall-clock times.
"""

from __future__ import annotations

from prefect import serve
from prefect.schedules import Cron

from endurance.settings import Settings
from pipelines.nightly import nightly

TIMEZONE = "Europe/London"


def deployments(settings: Settings | None = None) -> list:
    """Return the project's deployments with their schedules and default parameters."""
    settings = settings or Settings.from_env()
    inbox = (settings.out_dir / "inbox").resolve()
    return [
        nightly.to_deployment(
            name="nightly-ingest",
            description="Every night at 02:30: load new files from the inbox folder, attribute "
            "them, and refresh the hotspot map and council ward summaries.",
            schedules=[Cron("30 2 * * *", timezone=TIMEZONE)],
            parameters={"input_dir": str(inbox)},
            tags=["endurance"],
        ),
    ]


if __name__ == "__main__":
    settings = Settings.from_env()
    (settings.out_dir / "inbox").mkdir(parents=True, exist_ok=True)
    serve(*deployments(settings))
