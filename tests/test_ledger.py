"""The run ledger read back: `endurance runs` and `endurance runs --id`."""

import pytest
from typer.testing import CliRunner

from endurance import ledger, warehouse
from endurance._errors import RunNotFoundError
from pipelines.cli import app

runner = CliRunner()


def test_a_run_is_found_by_id_or_unique_prefix(con):
    for run_id in ("aaaa11112222", "aaaa33334444", "bbbb55556666"):
        record = warehouse.RunRecord(
            flow="test", parameters={"x": 1}, run_id=run_id, deployment="nightly-ingest"
        )
        warehouse.start_run(con, record)
    record.outputs = [{"path": "out/map.html", "bytes": 10, "sha256": "e" * 64}]
    warehouse.finish_run(con, record, status="completed")
    found = ledger.run_by_id(con, "bbbb")
    assert (found.run_id, found.deployment, found.status, found.parameters) == (
        "bbbb55556666",
        "nightly-ingest",
        "completed",
        {"x": 1},
    )
    assert found.outputs[0]["sha256"] == "e" * 64 and found.seconds is not None
    with pytest.raises(RunNotFoundError, match="matches 2 runs"):
        ledger.run_by_id(con, "aaaa")
    with pytest.raises(RunNotFoundError, match="no run 'cccc' in ops.runs; the latest runs are: "):
        ledger.run_by_id(con, "cccc")
    assert [r.run_id for r in ledger.recent_runs(con, 2)] == ["bbbb55556666", "aaaa33334444"]


@pytest.mark.slow
def test_runs_id_shows_one_run_in_full(demo_run, monkeypatch):
    monkeypatch.setenv("ENDURANCE_DB", str(demo_run["db"]))
    monkeypatch.setenv("COLUMNS", "200")
    run_id = demo_run["result"]["run_id"]
    result = runner.invoke(app, ["runs", "--id", run_id[:6]])
    assert result.exit_code == 0, result.output
    assert f"run {run_id}: endurance-nightly, completed" in result.output
    assert f"Prefect: http://127.0.0.1:4200/runs/flow-run/{run_id[:8]}-{run_id[8:12]}-" in result.output
    assert '"period_from": "2025-01"' in result.output
    for path in demo_run["inputs"].files:
        assert path.name in result.output
    assert demo_run["result"]["map"]["sha256"] in result.output
    listed = runner.invoke(app, ["runs", "--last", "1"])
    assert listed.exit_code == 0 and run_id not in listed.output  # the second run is the latest
    missing = runner.invoke(app, ["runs", "--id", "nosuchrun"])
    assert missing.exit_code == 1 and "error: no run 'nosuchrun'" in missing.output
