"""Council ward summaries when the warehouse serves Cleveland and Durham: six authorities, one suppression."""

from __future__ import annotations

import csv

from endurance import exports, warehouse
from endurance.privacy import SharingRules
from tests._two_forces import YEAR

RULES = SharingRules(threshold=5, share_handling_c=False)
COUNTY_DURHAM, DARLINGTON = "E06000047", "E06000005"


def _read(path):
    with open(path, encoding="utf-8-sig", newline="") as handle:
        return list(csv.DictReader(handle))


def test_six_authorities_each_get_their_wards_ranked_within_their_own_force(two_forces_analysed, tmp_path):
    db = tmp_path / "endurance.duckdb"
    db.write_bytes(two_forces_analysed["db"].read_bytes())
    with warehouse.connect(db) as con:
        paths = exports.export_ward_summaries(
            con, tmp_path / "out", period=YEAR, vintage="2024", sharing=RULES, run_id="r", formats=("csv",)
        )
        summary = exports.build_ward_summary(con, period=YEAR, vintage="2024", threshold=5, run_id="r")
    names = sorted(p.name for p in paths)
    lads = ["E06000001", "E06000002", "E06000003", "E06000004", DARLINGTON, COUNTY_DURHAM]
    assert names == sorted([*(f"{lad}_{YEAR.label}.csv" for lad in lads), f"force_{YEAR.label}.csv"])
    county = _read(tmp_path / "out" / f"{COUNTY_DURHAM}_{YEAR.label}.csv")
    wards = [r for r in county if r["row_type"] == "ward"]
    assert len(wards) == 63 and {r["lad_code"] for r in county} == {COUNTY_DURHAM}
    assert (
        len(
            [r for r in _read(tmp_path / "out" / f"{DARLINGTON}_{YEAR.label}.csv") if r["row_type"] == "ward"]
        )
        == 20
    )
    # Each authority's file is its slice of the one suppressed table: the same cells everywhere.
    whole = {r["ward_code"]: r for r in _read(tmp_path / "out" / f"force_{YEAR.label}.csv") if r["ward_code"]}
    assert all(whole[r["ward_code"]] == r for r in wards)
    # rank_in_force ranks a ward among its own force's wards: each force has its own number 1.
    firsts = {r["lad_code"] for r in whole.values() if r["rank_in_force"] == "1"}
    assert firsts & set(lads[:4]) and firsts & {DARLINGTON, COUNTY_DURHAM}
    # A Durham ward's tasking hotspots come from Durham's own map.
    horden = [r for r in wards if "Horden" in r["tasking_hotspots"]]
    assert horden and not any("Eston" in r["tasking_hotspots"] for r in wards)
    # The notes name the forces whose wards the file covers.
    sources = dict(exports.notes(summary.for_lad(COUNTY_DURHAM)))["Sources"]
    assert "Durham Constabulary" in sources and "Cleveland Police" not in sources
    assert "County Durham and Darlington Fire and Rescue Service" in sources
    both = dict(exports.notes(summary))["Sources"]
    assert "Cleveland Police and Durham Constabulary" in both
