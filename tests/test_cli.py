"""The command line: every command documented, errors become clean messages."""

import pytest
from typer.testing import CliRunner

from endurance.cli import app

runner = CliRunner()
COMMANDS = sorted(c.name or c.callback.__name__ for c in app.registered_commands)


def test_commands_are_the_documented_ones():
    assert set(COMMANDS) >= {
        "demo",
        "run",
        "runs",
        "rejects",
        "settings",
        "ingest",
        "fetch-policeuk",
        "links",
        "map",
    }


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


def test_ingest_prints_a_reconciled_table_and_rejects_by_run(demo_run, tmp_path, monkeypatch):
    db = tmp_path / "cli.duckdb"
    db.write_bytes(demo_run["db"].read_bytes())
    monkeypatch.setenv("ENDURANCE_DB", str(db))
    log = tmp_path / "log.csv"
    log.write_text(
        "Incident Ref,Created,Opening Code,Closing Code,Location,Easting,Northing,Latitude,"
        "Longitude,Narrative\nCLI-1,2025-06-01T19:00:00,ASB-VEH,NO-TRACE,Moor,456700,518200,,,"
        "quad\nCLI-2,yesterday,ASB-VEH,NO-TRACE,Moor,456700,518200,,,quad\n"
    )
    result = runner.invoke(app, ["ingest", "auto", str(log)])
    assert result.exit_code == 0, result.output
    assert "rows in 2 = staged 1 + rejected 1 + duplicate 0 (reconciled)" in result.output
    run_id = result.output.split("run ")[1].split()[0]
    listed = runner.invoke(app, ["rejects", "--run", run_id])
    assert "[bad_date] log.csv row 2, field Created" in listed.output
    assert "synthetic_incident_log" not in listed.output  # only this run's rows


def test_ingest_of_an_unreadable_file_exits_non_zero(tmp_path, monkeypatch, geodata_dir):
    monkeypatch.setenv("ENDURANCE_DB", str(tmp_path / "w.duckdb"))
    monkeypatch.setenv("ENDURANCE_GEODATA", str(geodata_dir))
    (tmp_path / "junk.csv").write_text("what,is,this\n1,2,3\n")
    result = runner.invoke(app, ["ingest", "auto", str(tmp_path / "junk.csv")])
    assert result.exit_code == 1 and "header matches no known source" in result.output


def test_links_lists_the_demo_links(demo_run, monkeypatch):
    monkeypatch.setenv("ENDURANCE_DB", str(demo_run["db"]))
    result = runner.invoke(app, ["links", "--rule", "call_and_report", "--limit", "5"])
    assert result.exit_code == 0 and "call_and_report" in result.output


def test_attribute_full_rebuild_reports_every_layer(demo_run, tmp_path, monkeypatch):
    db = tmp_path / "attr.duckdb"
    db.write_bytes(demo_run["db"].read_bytes())
    monkeypatch.setenv("ENDURANCE_DB", str(db))
    result = runner.invoke(app, ["attribute", "--full"])
    assert result.exit_code == 0, result.output
    for layer in ("ward", "lsoa", "force_area"):
        assert layer in result.output


def test_export_wards_help_names_every_option():
    result = runner.invoke(app, ["export", "wards", "--help"])
    assert result.exit_code == 0
    for option in ("--lad", "--from", "--to", "--period", "--format", "--out"):
        assert option in result.output


def test_export_wards_writes_the_files_and_records_the_run(demo_run, tmp_path, monkeypatch):
    import json

    from endurance import warehouse

    db = tmp_path / "export.duckdb"
    db.write_bytes(demo_run["db"].read_bytes())
    monkeypatch.setenv("ENDURANCE_DB", str(db))
    out = tmp_path / "council"
    result = runner.invoke(
        app,
        [
            "export",
            "wards",
            "--lad",
            "E06000003",
            "--from",
            "2025-04",
            "--to",
            "2025-09",
            "--format",
            "csv,xlsx",
            "--out",
            str(out),
        ],
    )
    assert result.exit_code == 0, result.output
    files = sorted(out.iterdir())
    assert [p.name for p in files] == [
        "E06000003_2025-04_to_2025-09.csv",
        "E06000003_2025-04_to_2025-09.xlsx",
    ]
    flat = " ".join(result.output.split())
    for path in files:
        assert path.name in flat and f"{path.stat().st_size:,}" in flat
    run_id = result.output.split("run ")[1].split(":")[0]
    with warehouse.connect(db, read_only=True) as con:
        flow, status, outputs = con.execute(
            "SELECT flow, status, outputs FROM ops.runs WHERE run_id = ?", [run_id]
        ).fetchone()
    assert (flow, status) == ("cli-export-wards", "completed")
    assert {o["path"] for o in json.loads(outputs)} == {str(p) for p in files}
    assert f",{run_id}" in files[0].read_text(encoding="utf-8-sig").splitlines()[1]

    quarter = runner.invoke(
        app, ["export", "wards", "--period", "2025-Q3", "--format", "gpkg", "--out", str(out)]
    )
    assert quarter.exit_code == 0, quarter.output
    assert len(list(out.glob("*_2025-07_to_2025-09.gpkg"))) == 5  # four authorities and force-wide


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--lad", "E06000099"], "unknown local authority 'E06000099'; valid: E06000001 (Hartlepool)"),
        (["--format", "csv,pdf"], "unknown export format 'pdf'; valid formats: csv, xlsx, gpkg"),
        (["--from", "2025-13", "--to", "2025-14"], "--from must be a month written YYYY-MM"),
        (["--from", "2025-01"], "give both --from and --to"),
        (["--period", "2025-Q5"], "period must be YYYY (a year), YYYY-Qn (a quarter) or YYYY-MM"),
    ],
)
def test_export_wards_refuses_bad_input_with_what_is_valid(demo_run, monkeypatch, args, message):
    monkeypatch.setenv("ENDURANCE_DB", str(demo_run["db"]))
    result = runner.invoke(app, ["export", "wards", *args])
    assert result.exit_code == 1
    assert message in " ".join(result.output.split())
    assert "Traceback" not in result.output


def test_map_analyses_a_new_period_and_maps_one_authority(demo_run, tmp_path, monkeypatch):
    db = tmp_path / "cli.duckdb"
    db.write_bytes(demo_run["db"].read_bytes())
    monkeypatch.setenv("ENDURANCE_DB", str(db))
    monkeypatch.setenv("ENDURANCE_OUT", str(tmp_path / "out"))
    monkeypatch.setenv("ENDURANCE_MARKING", "OFFICIAL")
    args = ["map", "--from", "2025-04", "--to", "2025-06", "--lad", "E06000001"]
    result = runner.invoke(app, args)
    assert result.exit_code == 0, result.output
    path = tmp_path / "out" / "maps" / "hotspots_2025-04_to_2025-06_E06000001.html"
    assert "analysed 2025-04 to 2025-06 first" in result.output
    assert f"map: {path} (" in result.output
    assert "layers: Wards (2024): incidents and change; Hotspot density" in result.output
    page = path.read_text()
    assert "off-road bike hotspots, Hartlepool, 2025-04 to 2025-06" in page
    assert 'class="endurance-marking"' in page and ">OFFICIAL</div>" in page
    again = runner.invoke(app, args)  # analysed now: not again
    assert again.exit_code == 0 and "analysed" not in again.output
    from endurance import warehouse

    with warehouse.connect(db, read_only=True) as con:
        runs = con.execute("SELECT status FROM ops.runs WHERE flow = 'cli-map'").fetchall()
    assert runs == [("completed",), ("completed",)]


def test_map_with_an_unknown_authority_lists_the_valid_codes(demo_run, tmp_path, monkeypatch):
    db = tmp_path / "cli.duckdb"
    db.write_bytes(demo_run["db"].read_bytes())
    monkeypatch.setenv("ENDURANCE_DB", str(db))
    result = runner.invoke(app, ["map", "--from", "2025-01", "--to", "2025-12", "--lad", "Hartlepool"])
    assert result.exit_code == 1 and "Traceback" not in result.output
    text = " ".join(result.output.split())
    assert "unknown local authority 'Hartlepool'" in text
    assert "E06000001 (Hartlepool), E06000002 (Middlesbrough)" in text
