"""Never stale: derived data carries what it was built from, and publishing brings it up to date."""

from __future__ import annotations

import csv
import json
import re
from pathlib import Path

import pytest
from typer.testing import CliRunner

from endurance import exports, freshness, maps, warehouse
from endurance._errors import StaleDataError
from endurance._publish import Stamp
from endurance.periods import Period
from endurance.privacy import SharingRules
from pipelines.cli import app
from tests._demo import HARTLEPOOL, new_incidents

runner = CliRunner()
Q3 = Period("2025-07", "2025-09")


def hartlepool_total(folder: Path) -> int:
    with open(folder / f"{HARTLEPOOL}_2025-07_to_2025-09.csv", encoding="utf-8-sig") as handle:
        (total,) = [r for r in csv.DictReader(handle) if r["row_type"] == "authority total"]
    return int(total["off_road_bike_incidents"])


def test_export_after_ingest_counts_the_new_incidents_without_being_told(demo_copy, tmp_path):
    args = ["export", "wards", "--lad", HARTLEPOOL, "--period", "2025-Q3", "--format", "csv"]
    before = runner.invoke(app, [*args, "--out", str(tmp_path / "before")])
    assert before.exit_code == 0, before.output
    loaded = runner.invoke(app, ["ingest", "incident_log", str(new_incidents(demo_copy, tmp_path / "in"))])
    assert loaded.exit_code == 0, loaded.output
    after = runner.invoke(app, [*args, "--out", str(tmp_path / "after")])
    assert after.exit_code == 0, after.output
    assert hartlepool_total(tmp_path / "after") == hartlepool_total(tmp_path / "before") + 3
    run_id = after.output.split("run ")[1].split(":")[0]
    with warehouse.connect(demo_copy, read_only=True) as con:
        (counts,) = con.execute("SELECT counts FROM ops.runs WHERE run_id = ?", [run_id]).fetchone()
        files = con.execute("SELECT count(*) FROM ops.files WHERE superseded_by IS NULL").fetchone()[0]
    counts = json.loads(counts)
    assert counts["rebuilt"] == ["attribution", "links", "marts"]
    assert counts["built_from"]["marts"]["staged_files"] == files
    # `endurance runs --id` says what the exported marts were built from.
    shown = runner.invoke(app, ["runs", "--id", run_id])
    assert shown.exit_code == 0
    assert "marts read: built " in shown.output and f"from {files:,} files" in shown.output


def _title_count(page: str) -> int:
    return int(
        re.search(r"([\d,]+) incidents \(off-road-bike incidents and shareable", page)[1].replace(",", "")
    )


def test_a_map_of_a_period_already_analysed_shows_incidents_loaded_since(demo_copy, tmp_path):
    args = ["map", "--from", "2025-07", "--to", "2025-09", "--out", str(tmp_path / "q3.html")]
    first = runner.invoke(app, args)
    assert first.exit_code == 0, first.output
    before = _title_count((tmp_path / "q3.html").read_text())
    loaded = runner.invoke(app, ["ingest", "incident_log", str(new_incidents(demo_copy, tmp_path / "in"))])
    assert loaded.exit_code == 0, loaded.output
    second = runner.invoke(app, args)
    assert second.exit_code == 0, second.output
    assert "analysed 2025-07 to 2025-09 first" in second.output
    assert _title_count((tmp_path / "q3.html").read_text()) == before + 3


def test_no_output_is_written_from_derived_data_older_than_the_staged_rows(demo_copy, tmp_path):
    from endurance import sources

    late = new_incidents(demo_copy, tmp_path / "in")
    with warehouse.connect(demo_copy) as con:
        assert freshness.stale(con, period=Period("2025-01", "2025-12"), vintage="2024") == []
        sources.ingest_paths(con, [late])  # loaded, nothing rebuilt
        assert freshness.stale(con, period=Period("2025-01", "2025-12"), vintage="2024") == [
            "attribution",
            "links",
            "marts",
            "analysis",
        ]
    with warehouse.connect(demo_copy, read_only=True) as con:
        with pytest.raises(StaleDataError, match=r"run `endurance map --from 2025-01 --to 2025-12` first"):
            maps.build_hotspot_map(
                con,
                tmp_path / "m.html",
                period=Period("2025-01", "2025-12"),
                vintage="2024",
                stamp=Stamp("r"),
            )
        with pytest.raises(StaleDataError, match="run `endurance export wards` first"):
            exports.export_ward_summaries(
                con,
                tmp_path,
                period=Q3,
                vintage="2024",
                sharing=SharingRules(5),
                run_id="r",
                formats=("csv",),
            )
    assert not (tmp_path / "m.html").exists() and not list(tmp_path.glob("*.csv"))
    with warehouse.connect(demo_copy) as con:
        done = freshness.refresh(con, period=Q3, vintage="2024", run_id="test")
        assert done["rebuilt"] == ["attribution", "links", "marts"] and done["analysed"]
        assert freshness.stale(con, period=Q3, vintage="2024") == []
        # Brought up to date, the year's analysis (made before) is now the stale one.
        assert freshness.stale(con, period=Period("2025-01", "2025-12"), vintage="2024") == ["analysis"]
        assert freshness.refresh(con, run_id="again")["rebuilt"] == []  # nothing changed: nothing redone


def test_a_replaced_boundary_file_makes_derived_data_stale(demo_copy):
    with warehouse.connect(demo_copy) as con:
        con.execute("UPDATE geo.layers SET sha256 = 'another-file' WHERE kind = 'ward' AND vintage = '2024'")
        assert freshness.stale(con) == ["attribution", "links", "marts"]


def test_a_period_with_no_loaded_data_is_refused_not_mapped_empty(demo_copy, tmp_path):
    result = runner.invoke(
        app, ["map", "--from", "2030-01", "--to", "2030-03", "--out", str(tmp_path / "m.html")]
    )
    assert result.exit_code == 1 and "Traceback" not in result.output
    text = " ".join(result.output.split())
    assert (
        "no off-road-bike incidents are loaded for 2030-01 to 2030-03; months with incidents: 2025-01" in text
    )
    assert not (tmp_path / "m.html").exists()
