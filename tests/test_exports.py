"""Council ward summary CSVs."""

import csv

from endurance import exports
from endurance.periods import Period

PERIOD = Period("2025-01", "2025-12")


def read(path):
    raw = path.read_bytes()
    assert raw.startswith(b"\xef\xbb\xbf")  # BOM, so Excel reads UTF-8
    return list(csv.DictReader(raw.decode("utf-8-sig").splitlines()))


def ward(code, name, incidents, intel=0, asb=0, hotspots="", designation=""):
    return {
        "ward_code": code,
        "ward_name": name,
        "lad_code": "E06000003",
        "lad_name": "Redcar and Cleveland",
        "off_road_bike_incidents": incidents,
        "intelligence_reports": intel,
        "linked_incidents": incidents + intel,
        "policeuk_asb_reports": asb,
        "hotspots": hotspots,
        "designation": designation,
    }


def test_suppressed_csv_with_total_and_neutralised_text(tmp_path):
    rows = [
        ward("E05012441", "Eston", 40, 6, 90, "Eston Hills", "Strengthen"),
        ward("E05012443", '=HYPERLINK("http://evil")', 3, 0, 12),
        ward("E05012450", "Normanby", 12, 2, 30, "@cmd"),
    ]
    path = exports.write_ward_summary_csv(
        rows, tmp_path / "x.csv", period=PERIOD, vintage="2024", threshold=5, run_id="run1"
    )
    table = read(path)
    assert [r["ward_code"] for r in table] == ["E05012441", "E05012443", "E05012450", "TOTAL"]
    assert [r["off_road_bike_incidents"] for r in table] == ["40", "<5", "[c]", "55"]
    assert [r["intelligence_reports"] for r in table][:3] == ["6", "0", "<5"]
    assert table[1]["ward_name"].startswith("'=")
    assert table[2]["hotspots"] == "'@cmd"
    assert [r["designation"] for r in table] == ["Strengthen", "", "", ""]
    assert list(table[0])[-3:] == ["hotspots", "designation", "produced_by_run"]
    assert {r["boundary_vintage"] for r in table} == {"2024"}
    assert {r["produced_by_run"] for r in table} == {"run1"}
    assert table[0]["period_from"] == "2025-01" and table[0]["period_to"] == "2025-12"


def test_demo_exports_one_file_per_authority_matching_the_marts(demo_run):
    from endurance import warehouse

    paths = sorted(p.name for p in (demo_run["out"] / "exports").glob("*.csv"))
    assert paths == [f"E0600000{i}_2025-01_to_2025-12.csv" for i in range(1, 5)]
    with warehouse.connect(demo_run["db"], read_only=True) as con:
        for name in paths:
            table = read(demo_run["out"] / "exports" / name)
            lad = name.split("_")[0]
            expected = dict(
                con.execute(
                    "SELECT ward_code, sum(off_road_bike_incidents) FROM marts.ward_month_counts"
                    " WHERE vintage = '2024' AND lad_code = ? GROUP BY 1",
                    [lad],
                ).fetchall()
            )
            wards = table[:-1]
            assert {r["ward_code"] for r in wards} == set(expected)
            for r in wards:
                shown = r["off_road_bike_incidents"]
                if shown not in ("<5", "[c]"):
                    assert int(shown) == expected[r["ward_code"]]
                elif shown == "<5":
                    assert 1 <= expected[r["ward_code"]] <= 4
            assert {r["designation"] for r in table} == {""}  # the demo loads no designations
            total = table[-1]
            assert total["ward_code"] == "TOTAL"
            if total["off_road_bike_incidents"] != "[c]":
                assert int(total["off_road_bike_incidents"]) == sum(expected.values())
