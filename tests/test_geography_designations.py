"""Loading ward designations (endurance.geography.designations)."""

from __future__ import annotations

import pytest

from endurance import marts
from endurance._errors import InputError
from endurance.exports import ward_summary_rows
from endurance.geography import designations
from endurance.periods import Period
from endurance.warehouse import sql_text
from tests._wards import designations_csv


def test_template_lists_every_2024_ward_undesignated(geo_con):
    wards = set(geo_con.execute("SELECT ward_code FROM geo.wards WHERE vintage = '2024'").fetchall())
    text = designations.DESIGNATIONS_TEMPLATE.read_text(encoding="utf-8").splitlines()
    assert text[0] == "ward_code,ward_name,vintage,designation,effective_from,effective_to,note"
    assert {(line.split(",")[0],) for line in text[1:]} == wards and len(text) == 84
    loaded = designations.load_designations(geo_con, designations.DESIGNATIONS_TEMPLATE)
    assert (loaded.designated, loaded.not_designated, loaded.vintages) == (0, 83, ("2024",))


def test_validation_lists_every_problem_by_row(geo_con, tmp_path):
    path = designations_csv(
        tmp_path,
        "E05012441,Eston,2024,Strengthen,2024-04-01,,",  # row 2: fine
        "E05099999,Nowhere,2024,Support,2024-04-01,,",  # row 3: unknown ward
        "E05012450,Normanby,2024,Sustained,2024-04-01,,",  # row 4: bad designation
        "E05012443,Guisborough,2024,support,01/04/2024,,",  # row 5: bad date
        "E05012442,Grangetown,2024,Sustain,2024-06-01,2024-05-31,",  # row 6: ends before it starts
        "E05012441,Eston,2024,Support,2025-01-01,,",  # row 7: overlaps row 2 (open-ended)
        "E05012441,Eston,2013,Support,2025-01-01,,",  # row 8: not a 2013 ward code
    )
    with pytest.raises(InputError) as info:
        designations.load_designations(geo_con, path)
    assert info.value.path == str(path)
    assert info.value.problems == [
        "row 3: 'E05099999' is not a ward code of vintage 2024",
        "row 4: designation 'Sustained' is not one of Strengthen, Support, Sustain",
        "row 5: effective_from '01/04/2024' is not an ISO date (YYYY-MM-DD)",
        "row 6: effective_to 2024-05-31 is not after effective_from 2024-06-01",
        "row 8: 'E05012441' is not a ward code of vintage 2013",
        "rows 2 and 7: periods for ward E05012441 (2024) overlap",
    ]
    assert geo_con.execute("SELECT count(*) FROM geo.ward_designations").fetchone()[0] == 0


def test_designations_reach_the_export_for_designated_wards_only(geo_con, tmp_path):
    marts.build_marts(geo_con)
    # No incidents are staged here: give every ward a zero row for one month so the
    # summary has its wards.
    geo_con.execute(
        "INSERT INTO marts.ward_month_counts BY NAME SELECT vintage, ward_code, ward_name, lad_code,"
        " lad_name, DATE '2025-01-01' AS month, 0 AS off_road_bike_incidents FROM geo.wards"
        " WHERE vintage = '2024'"
    )
    period = Period("2025-01", "2025-12")
    before = ward_summary_rows(geo_con, "E06000003", period, "2024")
    assert {r["designation"] for r in before} == {""}
    path = designations_csv(
        tmp_path,
        "E05012441,Eston,2024,strengthen,2024-04-01,2025-06-30,first period",
        "E05012441,Eston,2024,Support,2025-07-01,,",
        "E05012450,Normanby,2024,Sustain,2024-04-01,2025-12-30,ends a day early",
        "E05012443,Guisborough,2024,SUPPORT,2026-01-01,,starts after the period",
        "E05012449,Newcomen,2024,,,,",
    )
    loaded = designations.load_designations(geo_con, path)
    assert (loaded.designated, loaded.not_designated) == (4, 1)
    geo_con.execute(sql_text("marts/ward_designations.sql"))
    assert geo_con.execute("SELECT count(*) FROM marts.ward_designations").fetchone()[0] == 4
    after = {
        r["ward_code"]: r["designation"] for r in ward_summary_rows(geo_con, "E06000003", period, "2024")
    }
    assert after.pop("E05012441") == "Support"  # the period in force on 2025-12-31
    assert set(after.values()) == {""}  # Normanby ended 2025-12-30, Guisborough not yet begun
    mid = {
        r["ward_code"]: r["designation"]
        for r in ward_summary_rows(geo_con, "E06000003", Period("2025-01", "2025-03"), "2024")
    }
    assert mid["E05012441"] == "Strengthen" and mid["E05012450"] == "Sustain" and mid["E05012443"] == ""
    assert sum(1 for v in mid.values() if v) == 2
