"""Council ward summaries: hand-worked figures, disclosure control, every format, hostile text."""

import csv
import io
import json

import geopandas as gpd
import openpyxl
import pandas as pd
import pyogrio
import pytest
import shapely

from endurance import exports, hotspots, linking, marts
from endurance._errors import ExportError
from endurance.geography import attribution, importing
from endurance.periods import parse_period
from endurance.privacy import SharingRules
from tests._disclosure import assert_nothing_derivable
from tests._staging import stage_rows

Q3 = parse_period("2025-Q3")
ESTON, GRANGETOWN, NORMANBY = "E05012441", "E05012442", "E05012450"
REDCAR = "E06000003"
MARKERS = ("<5", "[c]", "[x]")
RULES = SharingRules(threshold=5)  # the default threshold; handling code P only


def read_csv(path):
    raw = path.read_bytes()
    assert raw.startswith(b"\xef\xbb\xbf")  # BOM, so Excel reads UTF-8
    return list(csv.DictReader(io.StringIO(raw.decode("utf-8-sig"), newline="")))


def interior_points(con, vintage, codes):
    rows = con.execute(
        "SELECT ward_code, ST_X(p), ST_Y(p) FROM (SELECT ward_code, ST_PointOnSurface(geom_27700) AS p"
        " FROM geo.wards WHERE vintage = ? AND list_contains(?, ward_code))",
        [vintage, codes],
    ).fetchall()
    return {code: (x, y) for code, x, y in rows}


def stage_incidents(con, where, counts_by_month):
    """Off-road-bike incidents at ``where``: n per month, on different days at 19:00."""
    rows = []
    for month, n in counts_by_month.items():
        for day in range(n):
            ref = f"{where[0]:.0f}-{month}-{day}"
            rows.append(
                {
                    "event_id": f"INC:{ref}",
                    "incident_ref": ref,
                    "file_sha256": "test",
                    "row_number": len(rows) + 1,
                    "created_at": pd.Timestamp(f"{month}-{day + 1:02d} 19:00"),
                    "opening_code": "ASB-VEH",
                    "x": where[0] + day,  # apart in time (days), so never linked as repeat calls
                    "y": where[1],
                    "is_off_road_bike": True,
                    "classification_rule": "keyword:scrambler",
                }
            )
    stage_rows(con, "staging.stg_incident_log_incidents", rows)


def stage_scenario(con, vintage="2024", designation="Strengthen"):
    """Stage a hand-worked quarter in Redcar and Cleveland; no other authority has anything."""
    at = interior_points(con, vintage, [ESTON, GRANGETOWN, NORMANBY])
    for month in ("2025-04", "2025-05", "2025-06"):
        stage_incidents(con, at[ESTON], {month: 2})
        stage_incidents(con, (at[NORMANBY][0] + 20, at[NORMANBY][1]), {month: 3 if month < "2025-06" else 2})
    for month, eston, normanby, grangetown in (
        ("2025-07", 4, 1, 3),
        ("2025-08", 4, 1, 2),
        ("2025-09", 4, 1, 2),
    ):
        stage_incidents(con, (at[ESTON][0] + 40, at[ESTON][1]), {month: eston})
        stage_incidents(con, (at[NORMANBY][0] + 40, at[NORMANBY][1]), {month: normanby})
        stage_incidents(con, at[GRANGETOWN], {month: grangetown})
    x, y = at[ESTON]
    stage_rows(
        con,
        "staging.stg_intelligence_reports",
        [
            {
                "event_id": f"INT:T{i}",
                "intel_ref": f"T{i}",
                "file_sha256": "test",
                "row_number": i + 1,
                "received_at": pd.Timestamp(f"2025-08-{i + 10:02d} 08:00"),  # far from any call
                "channel": "web form",
                "source_evaluation": "2",
                "intelligence_assessment": "B",
                "handling_code": "P" if i < 5 else "C",
                "x": x,
                "y": y,
                "location_precision": "exact",
            }
            for i in range(7)
        ],
    )
    outcomes = [("S59-WARN", "s59_warning", at[ESTON])] * 6 + [("S59-SEIZE", "s59_seizure", at[NORMANBY])]
    stage_rows(
        con,
        "staging.stg_enforcement_outcomes",
        [
            {
                "event_id": f"OUT:T{i}",
                "outcome_ref": f"T{i}",
                "file_sha256": "test",
                "row_number": i + 1,
                "outcome_at": pd.Timestamp(f"2025-09-{i + 1:02d}"),
                "time_known": False,
                "outcome_type": kind,
                "outcome_kind": category,
                "agency": "POLICE",
                "x": where[0],
                "y": where[1],
            }
            for i, (kind, category, where) in enumerate(outcomes)
        ],
    )
    stage_rows(
        con,
        "staging.stg_fire_incidents",
        [
            {
                "event_id": f"FIRE:T{i}",
                "incident_number": f"T{i}",
                "file_sha256": "test",
                "row_number": i + 1,
                "called_at": pd.Timestamp(f"2025-07-{i + 1:02d} 15:00"),
                "incident_type": "GRASS",
                "fire_category": "SECONDARY",
                "cause": "DELIBERATE" if i < 5 else "ACCIDENTAL",
                "x": x - 30,
                "y": y,
                "is_deliberate_secondary": i < 5,
            }
            for i in range(6)
        ],
    )
    con.execute(
        "INSERT INTO geo.ward_designations VALUES (?, ?, ?, DATE '2025-01-01', NULL, '', 'test')",
        [vintage, ESTON, designation],
    )
    attribution.attribute_events(con)
    linking.link_events(con)
    marts.build_marts(con)


def by_code(summary):
    return {r["ward_code"] or r["row_type"] + str(r["lad_code"]): r for r in summary.rows}


def test_hand_worked_quarter(geo_con):
    stage_scenario(geo_con)
    summary = exports.build_ward_summary(geo_con, period=Q3, vintage="2024", threshold=5, run_id="run1")
    rows = by_code(summary)
    eston, grangetown, normanby = rows[ESTON], rows[GRANGETOWN], rows[NORMANBY]
    total, force = rows["authority total" + REDCAR], rows["force total"]
    assert (eston["off_road_bike_incidents"], eston["previous_period_incidents"]) == (12, 6)
    assert eston["change_vs_previous_period"] == 6
    # The year before holds no data: not "a rise from zero" but not available.
    assert eston["same_period_last_year_incidents"] == "[x]"
    assert eston["change_vs_same_period_last_year"] == "[x]"
    # Normanby's 3 is small; Grangetown's 7 is the smallest partner that protects it.
    assert (normanby["off_road_bike_incidents"], grangetown["off_road_bike_incidents"]) == ("<5", "[c]")
    assert (normanby["previous_period_incidents"], grangetown["previous_period_incidents"]) == (8, 0)
    # Changes would give the hidden counts back (8 + change), so they are withheld.
    assert normanby["change_vs_previous_period"] == grangetown["change_vs_previous_period"] == "[c]"
    assert (total["off_road_bike_incidents"], total["previous_period_incidents"]) == (22, 14)
    assert total["change_vs_previous_period"] == force["change_vs_previous_period"] == 8
    assert force["off_road_bike_incidents"] == 22
    # Only counts shown (and above zero) are ranked.
    assert (eston["rank_in_lad"], eston["rank_in_force"]) == (1, 1)
    assert normanby["rank_in_lad"] == grangetown["rank_in_force"] == ""
    assert sum(isinstance(r["rank_in_force"], int) for r in summary.rows) == 1
    # Intelligence: handling code P only (5 of 7); no report is linked to a call.
    assert (eston["intelligence_reports"], eston["linked_incidents"]) == (5, 17)
    assert eston["intelligence_handling"] == "P"
    assert (eston["s59_warnings"], eston["deliberate_secondary_fires"]) == (6, 5)
    # One seizure: small in its ward, its authority and the force, so every total hides.
    assert normanby["s59_seizures"] == "<5"
    assert total["s59_seizures"] == force["s59_seizures"] == "[c]"
    assert eston["designation"] == "Strengthen" and normanby["designation"] == ""
    assert "Eston Hills" in str(eston["hotspots"])
    assert {r["produced_by_run"] for r in summary.rows} == {"run1"}
    assert {r["boundary_vintage"] for r in summary.rows} == {"2024"}
    assert eston["previous_period"] == "2025-04 to 2025-06"
    assert eston["last_year_period"] == "2024-07 to 2024-09"
    lads = [r["lad_code"] for r in summary.rows if r["row_type"] == "authority total"]
    assert lads == ["E06000001", "E06000002", "E06000003", "E06000004"]
    assert summary.rows[-1]["row_type"] == "force total"


def test_tasking_hotspots_come_from_the_map_s_analysis_of_the_period(geo_con, tmp_path):
    stage_scenario(geo_con)
    before = exports.build_ward_summary(geo_con, period=Q3, vintage="2024", threshold=5, run_id="r")
    assert {r["tasking_hotspots"] for r in before.rows} == {""}
    assert before.tasking.startswith("The period has not been analysed")
    # Writing the files analyses the quarter first: its hotspot areas reach the wards.
    exports.export_ward_summaries(geo_con, tmp_path, period=Q3, vintage="2024", sharing=RULES, run_id="r")
    rows = {r["ward_code"]: r for r in read_csv(tmp_path / f"E06000003_{Q3.label}.csv")}
    areas = geo_con.execute(
        "SELECT ward_code, hotspot_areas FROM marts.ward_analysis WHERE period = ? AND hotspot_areas <> ''",
        [Q3.label],
    ).fetchall()
    assert {code for code, _ in areas} >= {ESTON, NORMANBY, GRANGETOWN}
    for code, names in areas:
        if code in rows:
            assert rows[code]["tasking_hotspots"] == names
    assert rows[ESTON]["tasking_hotspots"].split("; ")[0] == "Eston Hills"
    after = exports.build_ward_summary(geo_con, period=Q3, vintage="2024", threshold=5, run_id="r")
    accuracy = hotspots.map_accuracy(geo_con, Q3)
    assert accuracy is not None and accuracy["label"] in after.tasking
    for figure in (accuracy["nested_pai"], accuracy["naive_pai"]):
        assert f"{figure:.1f}" in after.tasking


def test_handling_code_c_counts_only_under_a_configured_agreement(geo_con):
    stage_scenario(geo_con)
    summary = exports.build_ward_summary(
        geo_con, period=Q3, vintage="2024", threshold=5, run_id="r", share_handling_c=True
    )
    eston = by_code(summary)[ESTON]
    assert (eston["intelligence_reports"], eston["linked_incidents"]) == (7, 19)
    assert eston["intelligence_handling"] == "P and C"
    assert "P and C" in dict(exports.notes(summary))["Intelligence"]


def test_a_quarter_with_no_loaded_previous_quarter_shows_not_available(geo_con):
    stage_scenario(geo_con)
    summary = exports.build_ward_summary(
        geo_con, period=parse_period("2025-Q2"), vintage="2024", threshold=5, run_id="r"
    )
    eston = by_code(summary)[ESTON]
    assert eston["off_road_bike_incidents"] == 6
    assert eston["previous_period_incidents"] == eston["change_vs_previous_period"] == "[x]"
    assert not summary.previous_covered


def test_bad_format_lad_or_period_is_refused_with_what_is_valid(geo_con, tmp_path):
    stage_scenario(geo_con)
    tmp_path = tmp_path / "out"
    common = {"period": Q3, "vintage": "2024", "run_id": "r"}
    with pytest.raises(ExportError, match="'pdf'; valid formats: csv, xlsx, gpkg"):
        exports.export_ward_summaries(geo_con, tmp_path, formats=("csv", "pdf"), sharing=RULES, **common)
    with pytest.raises(ExportError, match=r"'E06000099'; valid: E06000001 \(Hartlepool\), .*or all"):
        exports.export_ward_summaries(geo_con, tmp_path, lad="E06000099", sharing=RULES, **common)
    with pytest.raises(ExportError, match="no off-road-bike incidents are loaded for 2023-01 to 2023-12"):
        exports.build_ward_summary(geo_con, threshold=5, **{**common, "period": parse_period("2023")})
    assert not tmp_path.exists()  # nothing written on a refusal


def test_one_authority_writes_only_its_files_with_the_force_wide_cells(geo_con, tmp_path):
    stage_scenario(geo_con)
    tmp_path = tmp_path / "out"
    common = {"period": Q3, "vintage": "2024", "run_id": "r"}
    paths = exports.export_ward_summaries(
        geo_con, tmp_path, lad=REDCAR, formats=FORMATS_ALL, sharing=RULES, **common
    )
    assert [p.name for p in paths] == [f"{REDCAR}_2025-07_to_2025-09.{f}" for f in FORMATS_ALL]
    force = exports.build_ward_summary(geo_con, threshold=5, **common)
    expected = [{k: str(v) for k, v in r.items()} for r in force.rows if r["lad_code"] == REDCAR]
    assert read_csv(paths[0]) == expected


FORMATS_ALL = ("csv", "xlsx", "gpkg")
HOSTILE = ['=HYPERLINK("http://evil.example","click")', "+SUM(1,2)", "-1+2", "@cmd", "\tTAB", "\rCR"]


def hostile_layers(con, tmp_path, geodata_dir):
    """Load wards (vintage 'hostile') and a gazetteer whose text attacks spreadsheets."""
    wards = gpd.read_file(geodata_dir / "cleveland_wards_2024.geojson")
    redcar = wards["lad_code"] == REDCAR
    wards.loc[redcar, "ward_name"] = [HOSTILE[i % len(HOSTILE)] + f" {i}" for i in range(int(redcar.sum()))]
    wards.loc[redcar, "lad_name"] = "=cmd|' /C calc'!A0"
    wards["vintage"] = "hostile"
    wards.to_file(tmp_path / "hostile_wards.geojson", driver="GeoJSON")
    importing.import_layer(con, "ward", tmp_path / "hostile_wards.geojson", vintage="hostile")
    eston = wards.loc[wards["ward_code"] == ESTON].to_crs(27700).geometry.iloc[0]
    spot = gpd.GeoDataFrame(
        {"name": ["@SUM(A1:A9)"]}, geometry=[eston.representative_point().buffer(300)], crs=27700
    )
    spot.to_file(tmp_path / "hostile_hotspots.gpkg", driver="GPKG")
    importing.import_layer(con, "hotspot", tmp_path / "hostile_hotspots.gpkg", vintage="hostile")


@pytest.mark.slow
def test_hostile_text_is_neutralised_in_every_format(geo_con, tmp_path, geodata_dir):
    hostile_layers(geo_con, tmp_path, geodata_dir)
    stage_scenario(geo_con, vintage="hostile", designation="-Support+1")  # the loader would refuse it
    out = tmp_path / "out"
    paths = exports.export_ward_summaries(
        geo_con, out, lad=REDCAR, period=Q3, vintage="hostile", sharing=RULES, run_id="r", formats=FORMATS_ALL
    )
    text_columns = [c.name for c in exports.COLUMNS if c.kind == "text"]
    csv_rows = read_csv(paths[0])
    eston = next(r for r in csv_rows if r["ward_code"] == ESTON)
    assert eston["hotspots"] == "'@SUM(A1:A9)" and eston["designation"] == "'-Support+1"
    assert eston["lad_name"] == "'=cmd|' /C calc'!A0"
    names = [r["ward_name"] for r in csv_rows if r["row_type"] == "ward"]
    assert {n.rsplit(" ", 1)[0] for n in names} == {"'" + h for h in HOSTILE}
    for row in csv_rows:
        for column in text_columns:
            assert not row[column].startswith(("=", "+", "-", "@", "\t", "\r")), (column, row[column])
    # XLSX: every cell a string or a number, never a formula, and the text as in the CSV.
    book = openpyxl.load_workbook(paths[1])
    for sheet in book.worksheets:
        for line in sheet.iter_rows():
            for cell in line:
                assert cell.data_type in ("s", "n"), (sheet.title, cell.coordinate, cell.value)
    table = list(book["Ward summary"].iter_rows(values_only=True))
    header = list(table[0])
    for line, row in zip(table[1:], csv_rows, strict=True):
        for column in text_columns:
            # XLSX stores a carriage return as _x000D_ (Excel decodes it; openpyxl does not).
            assert (line[header.index(column)] or "").replace("_x000D_", "\r") == row[column], column
    # GeoPackage attributes carry the same neutralised text.
    layer = pyogrio.list_layers(paths[2])[0][0]
    frame = pyogrio.read_dataframe(paths[2], layer=layer)
    assert list(frame["ward_name"].fillna("")) == names
    assert frame.loc[frame["ward_code"] == ESTON, "hotspots"].item() == "'@SUM(A1:A9)"


# --- the demo run's exports ---------------------------------------------------------


def demo_files(demo_run):
    return sorted((demo_run["out"] / "exports").iterdir())


def test_demo_writes_every_format_per_authority_and_force_wide(demo_run):
    names = [p.name for p in demo_files(demo_run)]
    scopes = [f"E0600000{i}" for i in range(1, 5)] + ["force"]
    assert names == sorted(f"{s}_2025-01_to_2025-12.{f}" for s in scopes for f in FORMATS_ALL)
    outputs = demo_run["result"]["exports"]
    assert {item["path"].rsplit("/", 1)[-1] for item in outputs} == set(names)
    assert all(item["bytes"] > 0 and len(item["sha256"]) == 64 for item in outputs)


def test_demo_figures_match_the_marts_and_give_nothing_back(demo_run):
    from endurance import warehouse

    force = read_csv(demo_run["out"] / "exports" / "force_2025-01_to_2025-12.csv")
    assert {r["produced_by_run"] for r in force} == {demo_run["second"]["run_id"]}
    with warehouse.connect(demo_run["db"], read_only=True) as con:
        truth = {
            code: dict(
                zip(
                    ("off_road_bike_incidents", "s59_warnings", "deliberate_secondary_fires"),
                    rest,
                    strict=True,
                )
            )
            for code, *rest in con.execute(
                "SELECT ward_code, sum(off_road_bike_incidents), sum(s59_warnings), sum(deliberate_fires)"
                " FROM marts.ward_month_counts WHERE vintage = '2024' AND month >= DATE '2025-01-01'"
                " AND month < DATE '2026-01-01' GROUP BY 1"
            ).fetchall()
        }
    wards = [r for r in force if r["row_type"] == "ward"]
    assert {r["ward_code"] for r in wards} == set(truth)
    lads = list(dict.fromkeys(r["lad_code"] for r in wards))
    for column in exports.COUNT_COLUMNS:
        groups = [
            (
                [r[column] for r in wards if r["lad_code"] == lad],
                next(r[column] for r in force if r["row_type"] == "authority total" and r["lad_code"] == lad),
            )
            for lad in lads
        ]
        if column in ("previous_period_incidents", "same_period_last_year_incidents"):
            assert {c for cells, _ in groups for c in cells} == {"[x]"}  # 2024 is not loaded
            continue
        assert_nothing_derivable(groups, force[-1][column], 5)
        for r in wards:
            if column in truth[r["ward_code"]]:
                real, shown = truth[r["ward_code"]][column], r[column]
                assert (
                    shown == str(real) or (shown == "<5" and 1 <= real <= 4) or (shown == "[c]" and real >= 5)
                )
    ranks = sorted(int(r["rank_in_force"]) for r in wards if r["rank_in_force"])
    assert ranks[0] == 1 and len(ranks) == sum(
        r["off_road_bike_incidents"].isdigit() and r["off_road_bike_incidents"] != "0" for r in wards
    )


def test_each_authority_file_is_its_slice_of_the_force_wide_file(demo_run):
    folder = demo_run["out"] / "exports"
    force = read_csv(folder / "force_2025-01_to_2025-12.csv")
    for i in range(1, 5):
        lad = f"E0600000{i}"
        own = read_csv(folder / f"{lad}_2025-01_to_2025-12.csv")
        assert own == [r for r in force if r["lad_code"] == lad and r["row_type"] != "force total"]
        assert own[-1]["row_type"] == "authority total"


def xlsx_rows(path):
    book = openpyxl.load_workbook(path)
    sheet = book["Ward summary"]
    rows = list(sheet.iter_rows(values_only=True))
    return book, sheet, [dict(zip(rows[0], r, strict=True)) for r in rows[1:]]


def test_xlsx_reads_back_equal_to_the_csv(demo_run):
    folder = demo_run["out"] / "exports"
    kinds = {c.name: c.kind for c in exports.COLUMNS}
    for path in sorted(folder.glob("*.xlsx")):
        book, sheet, rows = xlsx_rows(path)
        expected = read_csv(path.with_suffix(".csv"))
        assert len(rows) == len(expected)
        for got, want in zip(rows, expected, strict=True):
            for name, value in want.items():
                if kinds[name] != "text" and value.lstrip("-").isdigit():
                    assert got[name] == int(value) and isinstance(got[name], int), (path.name, name)
                else:
                    assert (got[name] or "") == value, (path.name, name)
        assert sheet.freeze_panes == "D2"
        assert (
            sheet.auto_filter.ref
            == f"A1:{openpyxl.utils.get_column_letter(len(exports.COLUMNS))}{len(rows) + 1}"
        )
        assert sheet["A1"].font.b
        assert sheet.column_dimensions["C"].width > 20  # ward names fit
        notes = {r[0]: r[1] for r in book["Notes"].iter_rows(values_only=True) if r[0]}
        run_id = demo_run["second"]["run_id"]
        assert notes["Produced by run"] == run_id and run_id in book.properties.description
        assert notes["Boundary vintage"].startswith("2024")
        assert "2025-01 to 2025-12" in notes["Period"]
        assert (
            "Open Government Licence v3.0" in notes["Licences"]
            and "Office for National Statistics" in notes["Licences"]
        )
        assert "<5" in notes["Suppression"] and "[c]" in notes["Suppression"]
        tasking = notes["Tasking hotspots"]
        assert tasking.startswith("The hotspot areas of the tasking map for 2025-01 to 2025-12")
        assert "Predictive Accuracy Index" in tasking
        assert all(name in notes for name in kinds)  # every column is defined


def test_geopackage_reads_back_equal_to_the_csv_and_opens_as_map_layers(demo_run):
    folder = demo_run["out"] / "exports"
    kinds = {c.name: c.kind for c in exports.COLUMNS}
    for path in sorted(folder.glob("*.gpkg")):
        names = [name for name, _ in pyogrio.list_layers(path)]
        stem = path.stem.replace("-", "_")
        assert names == [f"ward_summary_{stem}", f"authority_totals_{stem}", "notes"]
        expected = read_csv(path.with_suffix(".csv"))
        wards = pyogrio.read_dataframe(path, layer=names[0])
        totals = pyogrio.read_dataframe(path, layer=names[1])
        assert wards.crs.to_epsg() == 27700 and wards.geometry.is_valid.all()
        assert set(wards.geom_type) == {"MultiPolygon"}
        info = pyogrio.read_info(path, layer=names[0])
        assert demo_run["second"]["run_id"] in info["layer_metadata"]["DESCRIPTION"]
        rows = pd.concat([wards, totals]).drop(columns="geometry").to_dict("records")
        expected = sorted(expected, key=lambda r: r["row_type"] != "ward")  # wards, then the totals layer
        assert len(rows) == len(expected)
        for got, want in zip(rows, expected, strict=True):
            for name, value in want.items():
                if kinds[name] == "text":
                    assert (got[name] if isinstance(got[name], str) else "") == value, name
                elif value.lstrip("-").isdigit():
                    assert got[name] == int(value), (path.name, name)
                else:
                    assert pd.isna(got[name]), (path.name, name)
                    if value:
                        assert f"{name} {value}" in got["not_shown"]
        notes = pyogrio.read_dataframe(path, layer="notes")
        assert (
            dict(zip(notes["item"], notes["detail"], strict=True))["Produced by run"]
            == demo_run["second"]["run_id"]
        )
        # The authority polygons are their wards together.
        lad_rows = totals[totals["row_type"] == "authority total"]
        for _, lad in lad_rows.iterrows():
            own = wards[wards["lad_code"] == lad["lad_code"]]
            assert abs(shapely.union_all(own.geometry.values).area - lad.geometry.area) < 1.0


def test_the_run_ledger_lists_every_export(demo_run):
    from endurance import warehouse

    with warehouse.connect(demo_run["db"], read_only=True) as con:
        outputs = con.execute(
            "SELECT outputs FROM ops.runs WHERE run_id = ?", [demo_run["second"]["run_id"]]
        ).fetchone()[0]
    written = {item["path"] for item in json.loads(outputs)}
    assert {str(p) for p in demo_files(demo_run)} <= written


def test_a_rewritten_file_replaces_the_old_one_whole(geo_con, tmp_path):
    stage_scenario(geo_con)
    tmp_path = tmp_path / "out"
    common = {"period": Q3, "vintage": "2024", "sharing": RULES, "lad": REDCAR, "formats": FORMATS_ALL}
    first = exports.export_ward_summaries(geo_con, tmp_path, run_id="first", **common)
    second = exports.export_ward_summaries(geo_con, tmp_path, run_id="second", **common)
    assert first == second
    assert {r["produced_by_run"] for r in read_csv(second[0])} == {"second"}
    assert sorted(p.name for p in tmp_path.iterdir()) == sorted(
        p.name for p in second
    )  # no partial files left
    layer = pyogrio.list_layers(second[2])[0][0]
    assert set(pyogrio.read_dataframe(second[2], layer=layer)["produced_by_run"]) == {"second"}
