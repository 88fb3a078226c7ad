"""The nightly flow end to end on the demo data, under Prefect's test harness."""

import json

import pytest

from endurance import warehouse
from tests._demo import table_counts

pytestmark = pytest.mark.slow


def test_demo_load_reconciles_row_by_row(demo_run):
    counts = demo_run["result"]["inputs"]
    assert counts["reconciled"]
    assert counts["rows_in"] == counts["staged"] + counts["rejected"] + counts["duplicate"]
    # Count the rows in the files independently of the loader.
    rows_in_files = sum(len(p.read_text(encoding="utf-8").splitlines()) - 1 for p in demo_run["inputs"].files)
    assert counts["rows_in"] == rows_in_files
    with warehouse.connect(demo_run["db"], read_only=True) as con:
        staged = sum(
            con.execute(f"SELECT count(*) FROM staging.{t}").fetchone()[0]
            for t in (
                "stg_policeuk_street",
                "stg_incident_log_incidents",
                "stg_intelligence_reports",
                "stg_fire_incidents",
                "stg_enforcement_outcomes",
            )
        )
        rejected = con.execute("SELECT count(*) FROM ops.rejects").fetchone()[0]
        files = con.execute(
            "SELECT sum(rows_in), sum(rows_staged + rows_rejected + rows_duplicate) FROM ops.files"
        ).fetchone()
    assert staged == counts["staged"] and rejected == counts["rejected"]
    assert files[0] == files[1] == rows_in_files
    # Every kind of planted bad row was caught.
    assert set(counts["rejects_by_reason"]) >= {
        "bad_date",
        "future_date",
        "outside_area",
        "missing_field",
        "unknown_code",
        "bad_grading",
    }
    assert counts["repaired"] >= 2 and counts["duplicate"] >= 1


def test_demo_has_about_a_year_of_off_road_incidents_attributed(demo_run):
    with warehouse.connect(demo_run["db"], read_only=True) as con:
        incidents = con.execute(
            "SELECT count(*) FROM staging.stg_incident_log_incidents WHERE is_off_road_bike"
        ).fetchone()[0]
        per_vintage = con.execute(
            "SELECT vintage, count(*) FROM staging.event_wards w JOIN staging.events e"
            " USING (event_id) WHERE e.category = 'off_road_bike' GROUP BY 1"
        ).fetchall()
        summer, winter = con.execute(
            "SELECT count(*) FILTER (WHERE month(created_at) IN (6, 7, 8)),"
            " count(*) FILTER (WHERE month(created_at) IN (12, 1, 2))"
            " FROM staging.stg_incident_log_incidents WHERE is_off_road_bike"
        ).fetchone()
    assert 3_800 <= incidents <= 4_000
    assert {v for v, _ in per_vintage} == {"2013", "2018", "2024"}
    assert all(n == incidents for _, n in per_vintage)
    assert summer > 2 * winter


def test_run_ledger_records_inputs_outputs_and_status(demo_run):
    with warehouse.connect(demo_run["db"], read_only=True) as con:
        runs = con.execute(
            "SELECT run_id, status, inputs, outputs, counts FROM ops.runs"
            " WHERE flow = 'endurance-nightly' ORDER BY started_at"
        ).fetchall()
    assert [r[1] for r in runs] == ["completed", "completed"]
    first_inputs = json.loads(runs[0][2])
    assert len(first_inputs) == 16 and all(len(i["sha256"]) == 64 for i in first_inputs)
    outputs = json.loads(runs[0][3])
    assert any(o["path"].endswith(".html") for o in outputs)
    png = demo_run["result"]["map"]["png"]
    if png.get("path"):  # the map's PNG is a file the run wrote, listed like the others
        assert [o["sha256"] for o in outputs if o["path"] == png["path"]] == [png["sha256"]]
    for suffix in (".csv", ".xlsx", ".gpkg"):  # four authorities and force-wide
        assert sum(o["path"].endswith(suffix) for o in outputs) == 5
    assert runs[0][0] == demo_run["result"]["run_id"]


def test_a_second_run_on_the_same_files_changes_nothing(demo_run):
    second = demo_run["second"]["inputs"]
    assert second["rows_in"] == 0 and second["staged"] == 0
    with warehouse.connect(demo_run["db"], read_only=True) as con:
        assert table_counts(con) == demo_run["counts_after_first"]


def test_the_nightly_reads_several_folders_separated_as_in_path(tmp_path):
    from pipelines.nightly import check_parameters, input_folders

    (tmp_path / "inbox").mkdir()
    (tmp_path / "inbox-durham").mkdir()
    both = f"{tmp_path / 'inbox'}:{tmp_path / 'inbox-durham'}"
    assert input_folders(both) == [tmp_path / "inbox", tmp_path / "inbox-durham"]
    check_parameters(both, None, None)
    with pytest.raises(ValueError, match="input_dir '.*inbox-kent' is not a folder"):
        check_parameters(f"{both}:{tmp_path / 'inbox-kent'}", None, None)
    with pytest.raises(ValueError, match="input_dir names no folder"):
        check_parameters(":", None, None)
