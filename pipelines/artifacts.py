"""Publish a run's Prefect artifacts: a markdown summary, the map as an image, the ward table.

The content is built by ``endurance.run_report``, which keeps to what partners may
see (no rejected rows, no free text, suppressed ward counts); this module only hands
it to Prefect. Keys name the flow, so the Artifacts page keeps each flow's latest
summary, map and ward table with their history; each has a description saying what it
is. Nothing is a ``file://`` link, which a browser refuses to open from a web page: the
map PNG is inlined in its artifact, and the summary gives every output's path to copy.
"""

from __future__ import annotations

from pathlib import Path

from prefect import task
from prefect.artifacts import create_markdown_artifact, create_table_artifact

from endurance import run_report, warehouse
from endurance.periods import Period


@task(name="publish-run-artifacts", timeout_seconds=120)
def publish_run_artifacts(
    db_path: Path,
    record: warehouse.RunRecord,
    period: Period | None,
    vintage: str,
    threshold: int,
    share_handling_c: bool = False,
) -> list[str]:
    """Publish, in this order, the run summary, the hotspot map as an image and the ward table."""
    summary = run_report.run_summary_markdown(record, period=period, vintage=vintage, threshold=threshold)
    ids = [
        create_markdown_artifact(
            summary,
            key=f"{record.flow}-summary",
            description=f"Run {record.run_id}: inputs, reconciled counts, rejects by reason, "
            "outputs with the paths to copy",
        )
    ]
    image = run_report.map_image(record.outputs)
    if image is not None:
        scope = f", {period.start} to {period.end}" if period else ""
        title = f"Hotspot map{scope}"
        ids.append(
            create_markdown_artifact(
                run_report.image_markdown(image, title),
                key=f"{record.flow}-map",
                description=f"{title} (the image of {image.name}). Run {record.run_id}",
            )
        )
    if period is not None:
        with warehouse.connect(db_path, read_only=True) as con:
            table = run_report.ward_incident_table(
                con, period, vintage, threshold, share_handling_c=share_handling_c
            )
        ids.append(
            create_table_artifact(
                table,
                key=f"{record.flow}-ward-counts",
                description=f"Off-road-bike incidents per ward ({vintage} wards), {period.start} to "
                f"{period.end}; counts 1 to {threshold - 1} shown as <{threshold}, [c] withheld so "
                "totals reveal no small count. Run " + record.run_id,
            )
        )
    return [str(i) for i in ids]
