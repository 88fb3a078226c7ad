"""Runs as the schedules make them, under Prefect's test harness, and what they publish.

A deployment is registered on the harness's API by a ``Runner`` (as ``serve`` does),
flow runs are created from it in the Scheduled state at the times the schedule fires,
and the runner executes them in subprocesses, as it does when serving.
"""

from __future__ import annotations

import asyncio
import base64
import csv
import hashlib
import json
from datetime import datetime
from pathlib import Path
from uuid import UUID
from zoneinfo import ZoneInfo

import pytest
from prefect.client.orchestration import get_client
from prefect.client.schemas.filters import (
    ArtifactFilter,
    FlowRunFilter,
    FlowRunFilterId,
    LogFilter,
    LogFilterFlowRunId,
    TaskRunFilter,
)
from prefect.client.schemas.sorting import ArtifactSort, LogSort
from prefect.runner import Runner
from prefect.settings import PREFECT_LOGGING_TO_API_WHEN_MISSING_FLOW, temporary_settings
from prefect.states import Scheduled
from typer.testing import CliRunner

from endurance import hotspots, run_report, warehouse
from endurance._errors import PoliceApiError
from endurance.periods import Period
from endurance.settings import Settings
from endurance.sources import incident_log
from pipelines.cli import app

pytestmark = pytest.mark.slow
LONDON = ZoneInfo("Europe/London")


PAGE = 200  # the API's largest page


def all_artifacts(flow_run_filter: FlowRunFilter | None = None) -> list:
    # Every filter and the sort spelled out: this server refuses nulls the client would send.
    found: list = []
    with get_client(sync_client=True) as client:
        while page := client.read_artifacts(
            artifact_filter=ArtifactFilter(),
            flow_run_filter=flow_run_filter or FlowRunFilter(),
            task_run_filter=TaskRunFilter(),
            sort=ArtifactSort.ID_DESC,
            limit=PAGE,
            offset=len(found),
        ):
            found += page
    return found


def all_logs(log_filter: LogFilter | None = None) -> list[str]:
    found: list = []
    with get_client(sync_client=True) as client:
        while page := client.read_logs(
            log_filter=log_filter or LogFilter(), sort=LogSort.TIMESTAMP_ASC, limit=PAGE, offset=len(found)
        ):
            found += page
    return [log.message for log in found]


def artifacts_of(flow_run_id: str) -> list:
    return all_artifacts(FlowRunFilter(id=FlowRunFilterId(any_=[UUID(flow_run_id)])))


def logs_of(flow_run_ids: list[str]) -> list[str]:
    return all_logs(LogFilter(flow_run_id=LogFilterFlowRunId(any_=[UUID(i) for i in flow_run_ids])))


def test_the_monthly_export_runs_only_on_the_first_working_day(prefect_harness, demo_copy, tmp_path):
    from pipelines.deployments import deployment_spec

    spec = deployment_spec("council-export-monthly")
    deployment = spec.to_deployment(Settings.from_env())
    (schedule,) = deployment.schedules
    runner = Runner(pause_on_shutdown=False)
    deployment_id = runner.add_deployment(deployment)
    fired = {}
    with get_client(sync_client=True) as client:
        for day in (1, 2):  # Thursday 1 January 2026 is a bank holiday; Friday the 2nd is not
            when = datetime(2026, 1, day, 7, 0, tzinfo=LONDON)
            run = client.create_flow_run_from_deployment(
                deployment_id, parameters=schedule.parameters, state=Scheduled(scheduled_time=when)
            )
            fired[day] = str(run.id)
        asyncio.run(runner.start(run_once=True))
        states = {day: client.read_flow_run(UUID(i)).state for day, i in fired.items()}
    assert all(state is not None and state.is_completed() for state in states.values()), states

    # 1 January: nothing written, nothing recorded, and the run says why.
    assert any("not the first working day" in m for m in logs_of([fired[1]]))
    assert artifacts_of(fired[1]) == []
    # 2 January: December's ward summaries, recorded against the scheduled run.
    written = sorted((tmp_path / "exports").glob("*_2025-12.csv"))
    assert [p.name.split("_")[0] for p in written] == [
        "E06000001",
        "E06000002",
        "E06000003",
        "E06000004",
        "force",
    ]
    with warehouse.connect(demo_copy, read_only=True) as con:
        rows = con.execute(
            "SELECT run_id, prefect_flow_run_id, deployment, status, outputs FROM ops.runs"
            " WHERE flow = 'endurance-council-export'"
        ).fetchall()
    ((run_id, prefect_id, deployment_name, status, outputs),) = rows
    assert (prefect_id, deployment_name, status) == (fired[2], "council-export-monthly", "completed")
    assert {Path(o["path"]).name for o in json.loads(outputs) if o["path"].endswith(".csv")} == {
        p.name for p in written
    }
    with open(written[0], encoding="utf-8-sig") as handle:
        assert {row["produced_by_run"] for row in csv.DictReader(handle)} == {run_id}
    keys = {a.key for a in artifacts_of(fired[2])}
    assert {"endurance-council-export-summary", "endurance-council-export-ward-counts"} <= keys


@pytest.mark.browser
def test_the_weekly_briefing_runs_for_the_meeting_on_its_scheduled_day(prefect_harness, demo_copy, tmp_path):
    from pipelines.deployments import deployment_spec

    deployment = deployment_spec("weekly-briefing").to_deployment(Settings.from_env())
    runner = Runner(pause_on_shutdown=False)
    deployment_id = runner.add_deployment(deployment)
    when = datetime(2026, 1, 6, 7, 0, tzinfo=LONDON)  # Tuesday, the default meeting day
    with get_client(sync_client=True) as client:
        run = client.create_flow_run_from_deployment(deployment_id, state=Scheduled(scheduled_time=when))
        asyncio.run(runner.start(run_once=True))
        state = client.read_flow_run(run.id).state
    assert state is not None and state.is_completed(), state
    # No meeting parameter: the pack is for the scheduled day, the period the year before it.
    written = sorted(p.name for p in (tmp_path / "briefings").iterdir())
    assert written == [
        "briefing_2026-01-06.html",
        "briefing_2026-01-06.pdf",
        "briefing_2026-01-06.png",
        "briefing_2026-01-06_map.html",
        "briefing_2026-01-06_map.png",
    ]
    with warehouse.connect(demo_copy, read_only=True) as con:
        ((deployment_name, status, counts),) = con.execute(
            "SELECT deployment, status, counts FROM ops.runs WHERE prefect_flow_run_id = ?", [str(run.id)]
        ).fetchall()
    assert (deployment_name, status) == ("weekly-briefing", "completed")
    assert json.loads(counts)["period"] == "2025-01_to_2025-12"
    keys = {a.key for a in artifacts_of(str(run.id))}
    assert {"endurance-briefing-summary", "endurance-briefing-map", "endurance-briefing-ward-counts"} <= keys


def test_the_nightly_run_publishes_its_summary_map_image_and_ward_table_all_titled(demo_run):
    db = demo_run["db"]
    with warehouse.connect(db, read_only=True) as con:
        (prefect_id,) = con.execute(
            "SELECT prefect_flow_run_id FROM ops.runs WHERE run_id = ?", [demo_run["result"]["run_id"]]
        ).fetchone()
        raw = {
            ward: n
            for ward, n in con.execute(
                "SELECT ward_code, sum(off_road_bike_incidents) FROM marts.ward_month_counts"
                " WHERE vintage = '2024' AND month BETWEEN DATE '2025-01-01' AND DATE '2025-12-01' GROUP BY 1"
            ).fetchall()
        }
    by_key = {a.key: a for a in artifacts_of(prefect_id)}
    counts = demo_run["result"]["inputs"]

    summary = by_key["endurance-nightly-summary"].data
    assert (
        f"Rows in {counts['rows_in']:,} = staged {counts['staged']:,}" in summary and "reconciled" in summary
    )
    for reason, n in counts["rejects_by_reason"].items():
        assert f"| {reason} | {n} |" in summary
    for path in demo_run["inputs"].files:
        assert f"| {path.name} |" in summary
    with warehouse.connect(db, read_only=True) as con:
        accuracy = hotspots.map_accuracy(con, Period("2025-01", "2025-12"))
    assert accuracy is not None and f"drawn with {accuracy['label']}." in summary
    assert f"PAI {accuracy['nested_pai']:.2f} for the selection" in summary
    assert f"against {accuracy['naive_pai']:.2f} for the naive baseline" in summary
    for output in [demo_run["result"]["map"], *demo_run["result"]["exports"]]:
        # Sizes as this run wrote them (the fixture's second run rewrites the files).
        assert f"| {Path(output['path']).name} | {output['bytes']:,} |" in summary

    table = json.loads(by_key["endurance-nightly-ward-counts"].data)
    wards = [row for row in table if row["ward_code"] != "TOTAL"]
    assert {row["ward_code"] for row in wards} == set(raw) and len(table) == len(raw) + 4
    for row in wards:
        n, cell = raw[row["ward_code"]], row["off_road_bike_incidents"]
        assert cell == ("<5" if 1 <= n <= 4 else str(n)) or (cell == "[c]" and n >= 5), (row, n)
    # The same figures the councils receive in their CSVs.
    exported = {}
    for path in (demo_run["out"] / "exports").glob("*_2025-01_to_2025-12.csv"):
        with open(path, encoding="utf-8-sig") as handle:
            exported |= {
                r["ward_code"]: r["off_road_bike_incidents"]
                for r in csv.DictReader(handle)
                if r["row_type"] == "ward"
            }
    assert {r["ward_code"]: r["off_road_bike_incidents"] for r in wards} == exported

    # Every output's path is in the summary to copy; none is a file:// link a browser refuses.
    written = [demo_run["result"]["map"], demo_run["result"]["map"]["png"], *demo_run["result"]["exports"]]
    for output in written:
        assert f"\n{Path(output['path']).resolve()}\n" in summary
    artifacts = artifacts_of(prefect_id)
    assert not any("file://" in str(a.data) for a in artifacts)
    # Every artifact is titled: a key and a description naming the run.
    assert sorted(a.key for a in artifacts) == [
        "endurance-nightly-map",
        "endurance-nightly-summary",
        "endurance-nightly-ward-counts",
    ]
    assert all(a.description and demo_run["result"]["run_id"] in a.description for a in artifacts)
    # The map PNG the run wrote, inlined, so the UI shows the image itself.
    image = by_key["endurance-nightly-map"]
    assert image.type == "markdown" and "Hotspot map, 2025-01 to 2025-12" in image.description
    encoded = image.data[image.data.index("(data:image/png;base64,") + 23 : image.data.index(")\n")]
    png_path = Path(demo_run["result"]["map"]["png"]["path"])
    assert hashlib.sha256(base64.b64decode(encoded)).hexdigest() == demo_run["result"]["map"]["png"]["sha256"]
    # The ledger lists the PNG among the run's outputs.
    with warehouse.connect(db, read_only=True) as con:
        (outputs,) = con.execute(
            "SELECT outputs FROM ops.runs WHERE run_id = ?", [demo_run["result"]["run_id"]]
        ).fetchone()
    assert str(png_path) in {o["path"] for o in json.loads(outputs)}


def test_no_planted_personal_data_in_any_artifact_or_log_line(demo_run, prefect_harness):
    planted = demo_run["inputs"].planted
    artifacts, logs = all_artifacts(), all_logs()
    assert len(artifacts) >= 12 and len(logs) >= 20  # two nightly runs' worth at least
    texts = [f"{a.data} {a.description or ''}" for a in artifacts] + logs
    for text in texts:
        leaked = [p for p in planted if p in text]
        assert not leaked, f"planted personal data in Prefect: {leaked[:5]} in {text[:200]!r}"
    # The scan can fail: the planted values are in the inputs the runs read.
    inputs = "".join(p.read_text(encoding="utf-8") for p in demo_run["inputs"].files)
    assert all(p in inputs for p in planted[:50])


def test_markdown_cells_cannot_break_the_summary_table():
    record = warehouse.RunRecord(
        flow="endurance-nightly",
        parameters={},
        run_id="abc",
        inputs=[{"path": "/in/a|b\nc.csv", "source": "incident_log", "rows_in": 1, "sha256": "f" * 64}],
    )
    text = run_report.run_summary_markdown(record)
    assert "| a\\|b c.csv | incident_log |" in text
    assert "## Outputs written\n\nNone." in text


def test_the_policeuk_pull_fetches_the_latest_month_and_loads_it(
    prefect_harness,
    fake_api,  # noqa: F811
    geo_db,
    tmp_path,
    monkeypatch,
    geodata_dir,
):
    from pipelines.policeuk_pull import policeuk_pull

    db = tmp_path / "endurance.duckdb"
    db.write_bytes(geo_db.read_bytes())
    fake_api.limit = 60  # the force area is asked in pieces after 503 answers
    for key, value in {
        "ENDURANCE_OUT": tmp_path,
        "ENDURANCE_DB": db,
        "ENDURANCE_GEODATA": geodata_dir,
        "ENDURANCE_POLICEUK_API": fake_api.url,
    }.items():
        monkeypatch.setenv(key, str(value))
    result = policeuk_pull()
    assert result["month"] == "2025-12"  # the latest the API lists
    path = Path(str(result["file"]["path"]))
    assert path == tmp_path / "policeuk" / "2025-12-cleveland-api-street.csv"
    rows = len(path.read_text(encoding="utf-8").splitlines()) - 1
    assert rows > 50 and result["inputs"]["staged"] == rows and result["inputs"]["reconciled"]
    with warehouse.connect(db, read_only=True) as con:
        staged = con.execute("SELECT count(*) FROM staging.stg_policeuk_street").fetchone()[0]
        inputs, status = con.execute(
            "SELECT inputs, status FROM ops.runs WHERE flow = 'endurance-policeuk-pull'"
        ).fetchone()
    assert staged == rows and status == "completed"
    assert json.loads(inputs)[0]["sha256"] == result["file"]["sha256"]

    with pytest.raises(
        ValueError, match=r"force must be one in use \('cleveland': ENDURANCE_FORCES\); got 'durham'"
    ):
        policeuk_pull(force="durham")


def test_the_fetch_task_retries_an_outage_longer_than_the_clients_own_retries(
    prefect_harness,
    fake_api,  # noqa: F811
    geo_db,
    tmp_path,
):
    from pipelines.policeuk_pull import CLIENT_RETRIES, fetch_month

    fake_api.limit = 200
    fake_api.failures = [(500, "0")] * (CLIENT_RETRIES + 1)  # one whole attempt of the client fails
    quick = fetch_month.with_options(retry_delay_seconds=0)
    # Called outside a flow, as a task run of its own: its log lines have no flow run to go to.
    with temporary_settings({PREFECT_LOGGING_TO_API_WHEN_MISSING_FLOW: "ignore"}):
        fetched = quick(geo_db, "2025-06", tmp_path, fake_api.url)
        statuses = [s.status for s in fake_api.requests_to("/api/crimes-street/")]
        assert statuses[: CLIENT_RETRIES + 1] == [500] * (CLIENT_RETRIES + 1) and statuses[-1] == 200
        assert Path(str(fetched["path"])).is_file()

        fake_api.failures = [(500, "0")] * 100  # a long outage: three task retries, then a clear error
        with pytest.raises(PoliceApiError, match="500"):
            quick(geo_db, "2025-06", tmp_path, fake_api.url)
    assert len(fake_api.failures) == 100 - 4 * (CLIENT_RETRIES + 1)


def _run_deployment_once(name: str, parameters: dict) -> tuple[str, object]:
    """Create one run of a deployment with ``parameters`` and let a runner execute it, as serving does."""
    from pipelines.deployments import deployment_spec

    runner = Runner(pause_on_shutdown=False)
    deployment_id = runner.add_deployment(deployment_spec(name).to_deployment(Settings.from_env()))
    with get_client(sync_client=True) as client:
        run = client.create_flow_run_from_deployment(
            deployment_id, parameters=parameters, state=Scheduled(scheduled_time=datetime.now(LONDON))
        )
        asyncio.run(runner.start(run_once=True))
        return str(run.id), client.read_flow_run(run.id).state


@pytest.mark.parametrize(
    ("deployment", "parameters", "reason"),
    [
        ("weekly-briefing", {"meeting": "2026-02-30"}, "Validation of flow parameters failed"),
        ("council-export-monthly", {"period_from": "2025-13"}, "refused: period_from must be a month"),
        ("policeuk-monthly", {"month": "June"}, "refused: month must be a month written YYYY-MM"),
        (
            "nightly-ingest",
            {"period_from": "2025-13", "period_to": "2025-06"},
            "refused: period_from must be a month written YYYY-MM, got '2025-13'",
        ),
    ],
)
def test_a_run_refused_for_a_bad_parameter_is_in_the_ledger_and_did_no_work(
    prefect_harness, demo_copy, tmp_path, deployment, parameters, reason
):
    inbox = tmp_path / "inbox"
    inbox.mkdir()
    (inbox / "late.csv").write_text(
        ",".join(incident_log.HEADER) + "\nLATE-1,2025-06-01T19:00:00,ASB-VEH,,Eston Moor,456700,518200,,,"
        "Two scramblers\n"
    )
    with warehouse.connect(demo_copy, read_only=True) as con:
        files_before = con.execute("SELECT count(*) FROM ops.files").fetchone()[0]
    flow_run_id, state = _run_deployment_once(deployment, parameters)
    assert state is not None and state.is_failed(), state
    with warehouse.connect(demo_copy, read_only=True) as con:
        ((status, error, recorded),) = con.execute(
            "SELECT status, error, parameters FROM ops.runs WHERE prefect_flow_run_id = ?", [flow_run_id]
        ).fetchall()
        files_after = con.execute("SELECT count(*) FROM ops.files").fetchone()[0]
    assert status == "refused" and reason in error, error
    assert {k: v for k, v in json.loads(recorded).items() if k in parameters} == parameters
    # Refused before any work: nothing loaded (the nightly inbox holds a new file), nothing written.
    assert files_after == files_before
    assert not (tmp_path / "exports").exists() and not (tmp_path / "briefings").exists()
    result = CliRunner().invoke(app, ["runs", "--id", flow_run_id.replace("-", "")[:12]])
    assert result.exit_code == 0 and "refused" in result.output


def test_a_failed_triggered_run_says_why(prefect_harness, demo_copy, monkeypatch):
    from urllib.parse import urlsplit

    from prefect.settings import PREFECT_API_URL

    from pipelines import cli, trigger
    from pipelines.deployments import deployment_spec

    port = urlsplit(PREFECT_API_URL.value()).port
    runner = Runner(pause_on_shutdown=False)
    runner.add_deployment(deployment_spec("policeuk-monthly").to_deployment(Settings.from_env()))
    started = trigger.trigger_deployment("policeuk-monthly", {"month": "June"}, port=port, wait=False)
    asyncio.run(runner.start(run_once=True))
    with get_client(sync_client=True) as client:
        ended = trigger.triggered_run(
            client.read_flow_run(UUID(started.flow_run_id)), "policeuk-monthly", port
        )
    assert ended.state == "Failed" and ended.final
    assert "refused: month must be a month written YYYY-MM, got 'June'" in ended.message

    # `endurance trigger --wait` prints that reason, not only "Failed".
    monkeypatch.setattr(trigger, "trigger_deployment", lambda *args, **kwargs: ended)
    # Not the command's Prefect environment (PREFECT_HOME, log level WARNING): it would stay in
    # this process's environment and reach the later tests' flow-run subprocesses.
    monkeypatch.setattr(cli, "_prepare_prefect", lambda settings: None)
    result = CliRunner().invoke(app, ["trigger", "policeuk-monthly", "--param", "month=June", "--wait"])
    assert result.exit_code == 1
    assert "Failed" in result.output and "refused: month must be a month written YYYY-MM" in result.output


def test_a_quiet_night_with_an_empty_inbox_completes_and_says_nothing_was_new(
    prefect_harness, demo_copy, tmp_path
):
    (tmp_path / "inbox").mkdir()
    flow_run_id, state = _run_deployment_once("nightly-ingest", {})
    assert state is not None and state.is_completed(), state
    assert any("nothing new: no input file in" in m for m in logs_of([flow_run_id]))
    with warehouse.connect(demo_copy, read_only=True) as con:
        ((status, counts, outputs),) = con.execute(
            "SELECT status, counts, outputs FROM ops.runs WHERE prefect_flow_run_id = ?", [flow_run_id]
        ).fetchall()
    assert status == "completed" and json.loads(counts)["inputs"]["files"] == 0
    # What depends on the data loaded so far is still refreshed: the map and the ward summaries.
    written = {Path(o["path"]).name for o in json.loads(outputs)}
    assert "hotspots_2025-01_to_2025-12.html" in written and "force_2025-01_to_2025-12.csv" in written
    assert (tmp_path / "maps" / "hotspots_2025-01_to_2025-12.html").is_file()
    summary = {a.key: a for a in artifacts_of(flow_run_id)}["endurance-nightly-summary"].data
    assert "Nothing new: no input file to load." in summary


def test_a_refused_connection_in_the_pull_is_logged_as_warnings_and_said_plainly(prefect_harness):
    import socket

    from prefect import flow
    from prefect.client.schemas.filters import LogFilterLevel

    from pipelines.policeuk_pull import latest_policeuk_month

    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]

    @flow(name="refused-pull-check")
    def ask() -> None:
        latest_policeuk_month.with_options(retries=0)(f"http://127.0.0.1:{port}/api")

    state = ask(return_state=True)
    assert state.is_failed()
    with pytest.raises(PoliceApiError) as info:
        state.result()
    assert "connection refused" in str(info.value) and "429" not in str(info.value)
    warnings = all_logs(
        LogFilter(
            flow_run_id=LogFilterFlowRunId(any_=[state.state_details.flow_run_id]),
            level=LogFilterLevel(ge_=30),
        )
    )
    retries = [m for m in warnings if "connection refused" in m and "retry" in m]
    assert len(retries) == 2, warnings


def test_the_run_summary_gives_each_analysed_area_s_method():
    from endurance.run_report import _hotspot_method

    accuracy = {
        "forecast_month": "2026-01",
        "label": "kernel density",
        "nested_pai": 14.1,
        "naive_pai": 5.4,
        "backtest_from": "2025-07",
        "backtest_to": "2025-12",
        "coverage": 0.05,
    }
    one = _hotspot_method({"cleveland": {"accuracy": accuracy}})
    assert one[0] == "## Hotspot map's method" and "PAI 14.10 for the selection" in one[3]
    three = _hotspot_method({key: {"accuracy": accuracy} for key in ("cleveland", "durham", "joint")})
    assert [line for line in three if line.startswith("##")] == [
        "## Hotspot map's method (cleveland)",
        "## Hotspot map's method (durham)",
        "## Hotspot map's method (joint)",
    ]
    assert _hotspot_method(None) == [] and _hotspot_method({"joint": {"accuracy": None}}) == []
