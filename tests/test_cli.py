"""The command line: every command documented, errors become clean messages."""

import pytest
from typer.testing import CliRunner

from pipelines.cli import app

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
    assert "layers: Wards (2024): incidents and change; Hotspot risk" in result.output
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


def test_backtest_json_is_what_the_mart_holds(demo_run, tmp_path, monkeypatch):
    import json

    from endurance import warehouse

    db = tmp_path / "cli.duckdb"
    db.write_bytes(demo_run["db"].read_bytes())
    monkeypatch.setenv("ENDURANCE_DB", str(db))
    result = runner.invoke(app, ["backtest", "--from", "2025-07", "--to", "2025-12", "--json"])
    assert result.exit_code == 0, result.output
    report = json.loads(result.output)
    assert set(report) >= {"candidates", "selected", "naive"}
    assert report["months"] == ["2025-07", "2025-08", "2025-09", "2025-10", "2025-11", "2025-12"]
    assert report["stream"] == "incidents" and report["period"] == "2025-07_to_2025-12"
    with warehouse.connect(db, read_only=True) as con:
        stored = con.execute(
            "SELECT method, count(*), avg(pai), avg(hit_rate), avg(pei_star), avg(stability)"
            " FROM marts.method_backtest WHERE stream = 'incidents' AND period = '2025-07_to_2025-12'"
            " AND coverage = 0.05 AND cell_m = 100 AND in_summary GROUP BY 1"
        ).fetchall()
        run = con.execute(
            "SELECT status, counts FROM ops.runs WHERE run_id = ?", [report["run_id"]]
        ).fetchone()
    by_method = {m: rest for m, *rest in stored}
    rows = [*report["candidates"], {**report["selected"], "method": "selected (nested)"}]
    assert len(rows) == len(by_method)
    for row in rows:
        months, pai, hit_rate, pei_star, stability = by_method[row["method"]]
        assert row["months"] == months == 6
        assert (row["pai"], row["hit_rate"], row["pei_star"]) == pytest.approx((pai, hit_rate, pei_star))
        assert row["stability"] == pytest.approx(stability)
    assert report["naive"]["method"] == "naive(3mo)"
    assert report["naive"]["pai"] == pytest.approx(by_method["naive(3mo)"][1])
    assert (
        run[0] == "completed" and json.loads(run[1])["backtest"]["selected"] == report["selected"]["method"]
    )


def test_backtest_table_reads_at_80_columns(demo_run, tmp_path, monkeypatch):
    db = tmp_path / "cli.duckdb"
    db.write_bytes(demo_run["db"].read_bytes())
    monkeypatch.setenv("ENDURANCE_DB", str(db))
    monkeypatch.setenv("COLUMNS", "80")
    result = runner.invoke(app, ["backtest", "--stream", "policeuk_asb", "--to", "2025-12"])
    assert result.exit_code == 0, result.output
    lines = result.output.splitlines()
    assert max(len(line) for line in lines) <= 80
    assert lines[0].startswith(
        "policeuk_asb in cleveland: 6 months scored (2025-07 to 2025-12), 5% of the area"
    )
    assert any(line.startswith("│ selected (nested)") for line in lines)
    assert any(line.startswith("the map would use: ") for line in lines)


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--stream", "banana"], "--stream must be one of incidents, policeuk_asb, got 'banana'"),
        (["--coverage", "0"], "--coverage must be a share above 0 and at most 1"),
        (["--coverage", "1.5"], "--coverage must be a share above 0 and at most 1"),
        (["--cell-m", "1"], "--cell-m must be between 10 and 5000 metres, got 1"),
        (["--from", "2025-13"], "--from must be a month written YYYY-MM"),
        (["--from", "2025-06", "--to", "2025-01"], "period ends (2025-01) before it starts (2025-06)"),
        (["--to", "2025-01"], "no month in 2025-01 can be scored"),
        (["--from", "2030-01", "--to", "2030-03"], "no month in 2030-01 to 2030-03 can be scored"),
        (["--force", "kent"], "no analysis area 'kent': the forces loaded give cleveland"),
    ],
)
def test_backtest_refuses_bad_input_in_one_line(demo_run, monkeypatch, tmp_path, args, message):
    db = tmp_path / "cli.duckdb"
    db.write_bytes(demo_run["db"].read_bytes())
    monkeypatch.setenv("ENDURANCE_DB", str(db))
    result = runner.invoke(app, ["backtest", *args])
    assert result.exit_code == 1, result.output
    assert message in " ".join(result.output.split())
    assert "Traceback" not in result.output and result.output.count("error:") == 1


def test_backtest_after_loading_police_uk_files_alone_loads_the_boundaries(
    demo_run, tmp_path, monkeypatch, geodata_dir
):
    monkeypatch.setenv("ENDURANCE_DB", str(tmp_path / "fresh.duckdb"))
    monkeypatch.setenv("ENDURANCE_GEODATA", str(geodata_dir))
    files = demo_run["out"] / "demo-inputs" / "policeuk"
    loaded = runner.invoke(app, ["ingest", "policeuk_street", str(files)])
    assert loaded.exit_code == 0, loaded.output
    empty = runner.invoke(app, ["backtest"])  # no incident logs loaded: says what to do
    assert empty.exit_code == 1 and "load some with `endurance ingest`" in " ".join(empty.output.split())
    result = runner.invoke(app, ["backtest", "--stream", "policeuk_asb", "--json"])
    assert result.exit_code == 0, result.output
    assert '"stream": "policeuk_asb"' in result.output


@pytest.mark.slow
@pytest.mark.parametrize(
    ("name", "code", "by", "after"),
    [
        ("SIGINT", 130, "Ctrl-C", 1.0),
        ("SIGTERM", 143, "SIGTERM", 1.0),
        # As it loads the boundaries: a query over a registered frame is cut short, which
        # once left DuckDB's cache of databases spinning when the run was to be recorded.
        ("SIGINT", 130, "Ctrl-C", 0.3),
    ],
)
def test_a_flow_run_stopped_from_outside_ends_in_one_line_and_is_recorded_interrupted(
    demo_run, geo_db, geodata_dir, tmp_path, name, code, by, after
):
    import os
    import signal
    import subprocess
    import sys
    import time
    from pathlib import Path

    from endurance import warehouse
    from tests._policeuk import wal_size

    db = tmp_path / "endurance.duckdb"
    db.write_bytes(geo_db.read_bytes())
    env = {k: v for k, v in os.environ.items() if not k.startswith("PREFECT_API")}
    env |= {"ENDURANCE_OUT": str(tmp_path), "ENDURANCE_DB": str(db), "COLUMNS": "300"}
    env["ENDURANCE_PREFECT_PORT"] = "1"  # no `endurance serve` there: a temporary server of its own
    env["ENDURANCE_GEODATA"] = str(geodata_dir)
    endurance = str(Path(sys.executable).with_name("endurance"))
    run = subprocess.Popen(
        [endurance, "run", "--input", str(demo_run["inputs"].folder)],
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    deadline = time.monotonic() + 180
    while wal_size(db) == 0 and run.poll() is None and time.monotonic() < deadline:
        time.sleep(0.05)  # the run's first commit: it is recorded as started
    time.sleep(after)
    assert run.poll() is None, run.communicate()
    run.send_signal(getattr(signal, name))
    out, err = run.communicate(timeout=180)  # never a hang
    assert run.returncode == code, out + err
    lines = [line for line in (out + err).splitlines() if line.strip()]
    assert len(lines) == 1 and lines[0].startswith(f"interrupted: endurance run was stopped by {by}"), lines
    # Recorded by the run as it stopped, or (when DuckDB still held the file) by this opening.
    with warehouse.connect(db) as con:
        ((flow, status),) = con.execute("SELECT flow, status FROM ops.runs").fetchall()
    assert (flow, status) == ("endurance-nightly", "interrupted")


@pytest.mark.slow
def test_a_flow_run_that_fills_the_disk_ends_in_one_line(demo_run, geo_db, geodata_dir, tmp_path, small_disk):
    import os
    import subprocess
    import sys
    from pathlib import Path

    db = small_disk.path / "endurance.duckdb"
    db.write_bytes(geo_db.read_bytes())  # about 9 MB of the 16: the demo year does not fit
    env = {k: v for k, v in os.environ.items() if not k.startswith("PREFECT_API")}
    env |= {
        "ENDURANCE_OUT": str(tmp_path),
        "ENDURANCE_DB": str(db),
        "ENDURANCE_GEODATA": str(geodata_dir),
        "ENDURANCE_PREFECT_PORT": "1",
        "COLUMNS": "300",
    }
    endurance = str(Path(sys.executable).with_name("endurance"))
    done = subprocess.run(
        [endurance, "run", "--input", str(demo_run["inputs"].folder)],
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
    )
    lines = [line for line in (done.stdout + done.stderr).splitlines() if line.strip()]
    assert done.returncode == 1 and len(lines) == 1, lines
    assert lines[0].startswith("error: no room left to write (disk full)")


def _error_lines(output: str) -> list[str]:
    return [line for line in output.splitlines() if line.startswith("error:")]


def test_an_error_is_one_line_even_at_80_columns(monkeypatch):
    monkeypatch.setenv("COLUMNS", "80")
    monkeypatch.setenv("ENDURANCE_BRIEFING_DAY", "Funday")
    result = runner.invoke(app, ["settings"])
    assert result.exit_code == 1
    (line,) = _error_lines(result.output)
    assert line.startswith("error: ENDURANCE_BRIEFING_DAY must be a day of the week (Monday,")
    assert line.endswith("Sunday); got 'Funday'")  # not wrapped onto a second line


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (
            ["run", "--input", "{tmp}", "--from", "2025-13"],
            "--from must be a month written YYYY-MM, got '2025-13'",
        ),
        (
            ["run", "--input", "{tmp}", "--from", "2025-06", "--to", "2025-01"],
            "ends (2025-01) before it starts",
        ),
        (
            ["brief", "--meeting", "2026-01-06", "--since", "2025-13"],
            "--since must be a date written YYYY-MM-DD",
        ),
        (["demo", "--year", "-1"], "--year must be a calendar year from 1900 to 2100, got -1"),
        (["demo", "--seed", "-1"], "--seed must be a whole number, 0 or more; got -1"),
    ],
)
def test_flow_commands_check_their_arguments_before_prefect_starts(tmp_path, monkeypatch, args, message):
    import pipelines.cli as cli

    def no_flows(settings):
        raise AssertionError("Prefect was started for a refused argument")

    monkeypatch.setattr(cli, "_flow_runs", no_flows)
    result = runner.invoke(app, [a.format(tmp=tmp_path) for a in args])
    assert result.exit_code == 1, result.output
    assert _error_lines(result.output) == [f"error: {message}"] or message in _error_lines(result.output)[0]


def test_geodata_import_of_a_plain_csv_says_it_holds_no_geometry(geo_db, tmp_path, monkeypatch):
    db = tmp_path / "w.duckdb"
    db.write_bytes(geo_db.read_bytes())
    monkeypatch.setenv("ENDURANCE_DB", str(db))
    (tmp_path / "some.csv").write_text("a,b\n1,2\n")
    result = runner.invoke(app, ["geodata", "import", "ward", str(tmp_path / "some.csv"), "--vintage", "x"])
    assert result.exit_code == 1 and "Traceback" not in result.output, result.output
    assert "the file holds no geometry" in result.output and len(_error_lines(result.output)) == 1


def test_runs_and_ingest_keep_every_number_whole_at_80_columns_and_piped(
    demo_run, geo_db, tmp_path, monkeypatch
):
    monkeypatch.setenv("COLUMNS", "80")  # CliRunner's output is a pipe, as under cron
    monkeypatch.setenv("ENDURANCE_DB", str(demo_run["db"]))
    counts = demo_run["result"]["inputs"]
    listed = runner.invoke(app, ["runs", "--last", "5"])
    full = runner.invoke(app, ["runs", "--id", demo_run["result"]["run_id"]])
    db = tmp_path / "w.duckdb"
    db.write_bytes(geo_db.read_bytes())
    monkeypatch.setenv("ENDURANCE_DB", str(db))
    log = next((demo_run["out"] / "demo-inputs").rglob("synthetic_incident_log_*.csv"))
    loaded = runner.invoke(app, ["ingest", "auto", str(log)])
    for result in (listed, full, loaded):
        assert result.exit_code == 0, result.output
        assert "…" not in result.output
    text = " ".join(listed.output.split())  # a record may wrap between words, never inside one
    for key in ("rows_in", "staged", "rejected", "duplicate"):
        assert f"{key.replace('_', ' ') if key == 'rows_in' else key} {counts[key]:,}" in text
    assert f"in {counts['rows_in']:,} = staged {counts['staged']:,}" in text
    assert all(len(line) <= 80 for line in listed.output.splitlines())
    assert "synthetic_incident_log_2025.csv (incident_log, loaded)" in full.output
    with_sha = [line.strip() for line in full.output.splitlines() if line.strip().startswith("sha256 ")]
    assert with_sha and all(len(line) == len("sha256 ") + 64 for line in with_sha)
    assert "synthetic_incident_log_2025.csv (incident_log, loaded)" in loaded.output
    assert "in 4,333 = staged 4,322 + rejected 10 + duplicate 1" in " ".join(loaded.output.split())


def test_the_run_summary_takes_its_seconds_from_the_ledger(demo_run, monkeypatch):
    import pipelines.cli as cli
    from endurance import ledger, warehouse
    from endurance.settings import Settings

    monkeypatch.setenv("ENDURANCE_DB", str(demo_run["db"]))
    with warehouse.connect(demo_run["db"], read_only=True) as con:
        seconds = ledger.run_by_id(con, demo_run["result"]["run_id"]).seconds
    with cli.console.capture() as captured:
        cli._print_result(demo_run["result"], Settings.from_env())
    first = captured.get().splitlines()[0]
    assert (
        first
        == f"run {demo_run['result']['run_id']} finished in {seconds:.1f} s (as `endurance runs` records it)"
    )


@pytest.mark.slow
def test_a_briefing_before_the_data_start_is_one_error_line(demo_run, tmp_path):
    import os
    import subprocess
    import sys

    db = tmp_path / "endurance.duckdb"
    db.write_bytes(demo_run["db"].read_bytes())
    env = {**os.environ, "ENDURANCE_OUT": str(tmp_path), "ENDURANCE_DB": str(db), "COLUMNS": "80"}
    env.pop("PREFECT_API_URL", None)  # its own throwaway server, as a user's command gets
    done = subprocess.run(
        [sys.executable, "-m", "pipelines.cli", "brief", "--meeting", "2024-06-04"],
        capture_output=True,
        text=True,
        env=env,
        timeout=300,
    )
    output = done.stdout + done.stderr
    assert done.returncode == 1, output
    assert "Traceback" not in output and "Finished in state" not in output, output
    (line,) = _error_lines(output)
    assert "no off-road-bike incidents are loaded for 2023-06 to 2024-05" in line


def test_run_help_says_any_loadable_file_not_only_csv():
    result = runner.invoke(app, ["run", "--help"], env={"COLUMNS": "200"})
    text = " ".join(result.output.split())
    assert "CSV files" not in text
    assert all(kind in text for kind in ("CSV", "Excel", "JSON Lines", ".zip")), text


def test_help_paragraphs_wrap_at_the_terminal_not_at_the_source_lines():
    from tests._commands import leaf_commands

    for name, _command in leaf_commands():
        result = runner.invoke(app, [*name.split(), "--help"], env={"COLUMNS": "80"})
        assert result.exit_code == 0, (name, result.output)
        lines = result.output.splitlines()
        start = next(i for i, line in enumerate(lines) if "Usage:" in line) + 1
        end = next(i for i, line in enumerate(lines) if line.startswith("╭"))
        paragraph: list[str] = []
        for line in [*lines[start:end], ""]:
            if line.strip():
                paragraph.append(line.strip())
                continue
            # Within a paragraph only the last line may be short: the others were wrapped at 80.
            assert all(len(text) > 55 for text in paragraph[:-1]), (name, paragraph)
            paragraph = []


def test_a_signal_a_library_wraps_in_its_own_error_still_stops_the_command_in_one_line(monkeypatch):
    """Pydantic turns a Ctrl-C while it builds a model into a SchemaError: it is still a Ctrl-C."""
    import pipelines.cli as cli
    from endurance import _process
    from endurance.settings import Settings

    def wrapped_interrupt(*args):
        _process.note_interrupt(KeyboardInterrupt())  # as the signal handler does
        raise RuntimeError("SchemaError: Error building 'enum' validator: KeyboardInterrupt")

    monkeypatch.setattr(cli, "_prepare_prefect", lambda settings: None)
    monkeypatch.setattr("pipelines.serve.serve_with_server", wrapped_interrupt)
    served = runner.invoke(app, ["serve"])
    assert served.exit_code == 0, served.output  # Ctrl-C is how serving is meant to stop
    assert served.output.strip().endswith("stopped serving; the Prefect server is stopped")

    monkeypatch.setattr(Settings, "from_env", classmethod(wrapped_interrupt))
    shown = runner.invoke(app, ["settings"])
    assert shown.exit_code == 130, shown.output
    assert shown.output.startswith("interrupted: endurance settings was stopped by Ctrl-C")
    assert "Traceback" not in shown.output and "SchemaError" not in shown.output


def test_after_an_interrupt_every_error_prefect_reports_is_the_stop() -> None:
    # A task cut short by Ctrl-C inside Prefect's own code can fail with an error of another
    # kind (seen once in CI: a traceback after the one `interrupted:` line). Once the signal
    # has arrived, such an error is reported as the stop, in the ledger and on the console.
    import logging

    from endurance import _process, warehouse
    from pipelines.cli import _OneLineReasons

    def record() -> logging.LogRecord:
        try:
            raise RuntimeError("cannot schedule new futures after interpreter shutdown")
        except RuntimeError as exc:
            return logging.LogRecord(
                "prefect.task_runs",
                logging.ERROR,
                __file__,
                1,
                "Task run failed",
                None,
                (RuntimeError, exc, None),
            )

    quiet = _OneLineReasons()
    assert quiet.filter(record())  # a bug keeps its traceback
    assert warehouse.ending(RuntimeError("boom"))["status"] == "failed"
    try:
        _process.note_interrupt(KeyboardInterrupt())
        assert not quiet.filter(record())
        assert warehouse.ending(RuntimeError("boom"))["status"] == "interrupted"
        assert _process.interrupt_arrived() is not None  # still known to the command unwinding
    finally:
        _process.forget_interrupts()
    assert _process.interrupt_arrived() is None and _process.pending_interrupt() is None
