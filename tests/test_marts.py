"""What outputs count: one figure for the incidents of a period, and the label of synthetic data."""

from __future__ import annotations

import csv
import re
from datetime import date
from pathlib import Path

import openpyxl
import pytest

from endurance import briefing, marts, warehouse
from endurance._publish import Stamp
from endurance.periods import Period
from tests._demo import new_incidents

YEAR = Period("2025-01", "2025-12")


def test_the_briefing_headline_and_its_map_give_the_same_number(demo_run):
    folder = demo_run["out"] / "briefings"
    page = (folder / "briefing_2026-01-06.html").read_text()
    headline = int(re.search(r"Incidents in the period<b>([\d,]+)</b>", page)[1].replace(",", ""))
    shown = (folder / "briefing_2026-01-06_map.html").read_text()
    on_map = int(
        re.search(r"([\d,]+) incidents \(off-road-bike incidents and shareable", shown)[1].replace(",", "")
    )
    with warehouse.connect(demo_run["db"], read_only=True) as con:
        counted = marts.period_incidents(con, YEAR, "2024")
        analysed = con.execute(
            "SELECT sum(incidents) FROM marts.ward_analysis WHERE period = ? AND vintage = '2024'",
            [YEAR.label],
        ).fetchone()[0]
        located = con.execute(
            "SELECT incidents FROM marts.density_grid WHERE period = ?", [YEAR.label]
        ).fetchone()[0]
    assert headline == on_map == counted == analysed
    # Reports placed in a ward only by the place they name have no point: the map says how many have one.
    assert located < counted and f"{located:,} of them at a point" in shown


def test_real_data_carries_no_label_and_a_given_one_is_kept(geo_con):
    assert marts.synthetic_label(geo_con) is None
    assert marts.data_label(geo_con) is None and marts.data_label(geo_con, "TRAINING") == "TRAINING"


@pytest.mark.slow
def test_a_warehouse_holding_demo_rows_marks_every_output_whoever_writes_it(
    demo_run, prefect_harness, tmp_path, monkeypatch, geodata_dir
):
    from pipelines.nightly import nightly

    db = tmp_path / "endurance.duckdb"
    db.write_bytes(demo_run["db"].read_bytes())
    for key, value in {
        "ENDURANCE_OUT": tmp_path,
        "ENDURANCE_DB": db,
        "ENDURANCE_GEODATA": geodata_dir,
    }.items():
        monkeypatch.setenv(key, str(value))
    inbox = tmp_path / "inbox"
    new_incidents(db, inbox)
    # The nightly deployment's run: real files in its inbox, no label asked for.
    result = nightly(input_dir=str(inbox), period_from="2025-01", period_to="2025-12")
    assert result["inputs"]["staged"] == 3
    page = Path(result["map"]["path"]).read_text()
    assert marts.SYNTHETIC_LABEL in page
    (force_csv,) = [
        Path(e["path"])
        for e in result["exports"]
        if Path(e["path"]).name.startswith("force_") and e["path"].endswith(".csv")
    ]
    with open(force_csv, encoding="utf-8-sig") as handle:
        assert {row["data_label"] for row in csv.DictReader(handle)} == {marts.SYNTHETIC_LABEL}
    workbook = openpyxl.load_workbook(force_csv.with_suffix(".xlsx"))
    notes = {row[0].value: row[1].value for row in workbook["Notes"].iter_rows() if row[0].value}
    assert notes["Data"] == marts.SYNTHETIC_LABEL
    with warehouse.connect(db) as con:
        meeting = briefing.plan_meeting(con, date(2026, 1, 6))
        pack = briefing.write_briefing(
            con, tmp_path / "briefings", meeting, vintage="2024", stamp=Stamp("r", "OFFICIAL"), render=False
        )
        assert (
            marts.SYNTHETIC_LABEL in pack.html.read_text()
            and marts.SYNTHETIC_LABEL in pack.map_html.read_text()
        )
        # Once no demo file is held, nothing is labelled: the label follows the data.
        con.execute("DELETE FROM ops.synthetic_files")
        assert marts.data_label(con) is None
