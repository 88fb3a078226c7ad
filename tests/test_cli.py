"""The command line: every command documented, errors become clean messages."""

import pytest
from typer.testing import CliRunner

from endurance.cli import app

runner = CliRunner()
COMMANDS = sorted(c.name or c.callback.__name__ for c in app.registered_commands)


def test_commands_are_the_documented_ones():
    assert set(COMMANDS) >= {"demo", "run", "runs", "rejects", "settings"}


@pytest.mark.parametrize("command", COMMANDS)
def test_every_command_has_help_text(command):
    result = runner.invoke(app, [command, "--help"])
    assert result.exit_code == 0
    text = result.output.split("Options")[0]
    assert len(text.strip().splitlines()) >= 2, f"{command} has no help text"


def test_every_command_is_in_the_readme():
    from pathlib import Path

    readme = (Path(__file__).resolve().parents[1] / "README.md").read_text()
    for command in COMMANDS:
        assert f"endurance {command}" in readme, command


def test_run_on_a_missing_folder_fails_cleanly():
    result = runner.invoke(app, ["run", "--input", "/nonexistent/folder"])
    assert result.exit_code != 0
    assert "does not exist" in result.output


def test_runs_and_rejects_read_the_ledger(demo_run, monkeypatch):
    monkeypatch.setenv("ENDURANCE_DB", str(demo_run["db"]))
    result = runner.invoke(app, ["runs", "--last", "5"])
    assert result.exit_code == 0 and "completed" in result.output
    result = runner.invoke(app, ["rejects", "--limit", "50"])
    assert result.exit_code == 0
    assert "[bad_date] synthetic_incident_log_2025.csv row" in result.output


def test_a_warehouse_error_is_a_message_not_a_traceback(tmp_path, monkeypatch):
    monkeypatch.setenv("ENDURANCE_DB", str(tmp_path / "geo.duckdb"))
    result = runner.invoke(app, ["runs"])
    assert result.exit_code == 1 and "error:" in result.output
    assert "Traceback" not in result.output
