"""File formats, archives, column mappings, re-issues and real police.uk files."""

import hashlib
import json
import zipfile
from datetime import datetime
from pathlib import Path

import pandas as pd
import pytest

from endurance import recovery, sources
from endurance._errors import InputError
from endurance.sources import incident_log, intelligence, policeuk
from endurance.sources._readers import ColumnMapping

NOW = datetime(2026, 1, 1)
SHARED_POLICEUK = Path(__file__).resolve().parents[2] / "shared" / "policeuk"
FORCE = "Cleveland Police,Cleveland Police"


def incident(ref, created="2025-06-01T19:00:00", e="456700", n="518200", narrative="Scramblers"):
    return {
        "Incident Ref": ref,
        "Created": created,
        "Opening Code": "ASB-VEH",
        "Closing Code": "NO-TRACE",
        "Location": "Eston Moor",
        "Easting": e,
        "Northing": n,
        "Latitude": "",
        "Longitude": "",
        "Narrative": narrative,
    }


def write_puk(path, lines):
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(",".join(policeuk.HEADER) + "\n" + "".join(line + "\n" for line in lines))
    return path


def puk_row(
    crime_id="", month="2025-06", lon="-1.122", lat="54.557", crime="Anti-social behaviour", outcome=""
):
    place = "On or near Moor Lane,E01012000,Redcar 010A"
    return f"{crime_id},{month},{FORCE},{lon},{lat},{place},{crime},{outcome},"


def counts(load):
    return load.rows_in, load.staged, load.rejected, load.duplicate


def test_xlsx_incident_log_loads_like_csv(tmp_path, geo_con):
    frame = pd.DataFrame(
        [incident("X1"), incident("X2", created="14/06/2025 21:10"), incident("X3", created="not a date")]
    )
    frame.to_excel(tmp_path / "log.xlsx", index=False)
    (load,) = sources.ingest_paths(geo_con, [tmp_path / "log.xlsx"], now=NOW)
    assert counts(load) == (3, 2, 1, 0) and load.rejects_by_reason == {"bad_date": 1}


def test_json_lines_from_the_web_form_with_a_broken_line(tmp_path, geo_con):
    base = {
        "Received": "2025-06-01T20:00",
        "Channel": "Web form",
        "Source Evaluation": "2",
        "Intelligence Assessment": "C",
        "Handling Code": "P",
        "Latitude": "54.557",
        "Longitude": "-1.122",
        "Location": "",
        "Subject": "A Person",
        "Narrative": "bikes",
        "VRM": "AB12 CDE",
        "Phone": "07700 900001",
    }
    lines = [
        json.dumps({"Intel Ref": "W1", **base}),
        "{not json",
        json.dumps(["a list"]),
        "",
        json.dumps({"Intel Ref": "W2", **base, "Handling Code": "Q"}),
    ]
    (tmp_path / "form.jsonl").write_text("\n".join(lines) + "\n")
    (load,) = sources.ingest_paths(geo_con, [tmp_path / "form.jsonl"], now=NOW)
    assert counts(load) == (4, 1, 3, 0)
    assert load.rejects_by_reason == {"malformed_row": 2, "bad_grading": 1}
    rows = geo_con.execute("SELECT row_number, reason FROM ops.rejects ORDER BY 1").fetchall()
    assert rows == [(2, "malformed_row"), (3, "malformed_row"), (4, "bad_grading")]


def test_a_mapping_file_lets_a_force_load_its_own_export(tmp_path, geo_con):
    theirs = {"Log Number": "Incident Ref", "Date/Time Created": "Created", "Easting": "Easting"}
    (tmp_path / "mapping.yaml").write_text(
        "source: incident_log\ncolumns:\n  Incident Ref: Log Number\n  Created: Date/Time Created\n"
    )
    row = incident("M1")
    export = {next((k for k, v in theirs.items() if v == key), key): value for key, value in row.items()}
    pd.DataFrame([export]).to_csv(tmp_path / "export.csv", index=False)
    with pytest.raises(InputError, match="missing column 'Incident Ref'"):
        sources.ingest_paths(geo_con, [tmp_path / "export.csv"], source="incident_log", now=NOW)
    mapping = ColumnMapping.from_yaml(tmp_path / "mapping.yaml")
    (load,) = sources.ingest_paths(geo_con, [tmp_path / "export.csv"], mapping=mapping, now=NOW)
    assert counts(load) == (1, 1, 0, 0)


def test_a_bad_mapping_file_lists_every_problem(tmp_path):
    (tmp_path / "bad.yaml").write_text("colums:\n  a: b\n")
    with pytest.raises(InputError, match="columns"):
        ColumnMapping.from_yaml(tmp_path / "bad.yaml")
    (tmp_path / "bad2.yaml").write_text("columns:\n  a: [1, 2]\nextra: 1\n")
    with pytest.raises(InputError) as info:
        ColumnMapping.from_yaml(tmp_path / "bad2.yaml")
    assert len(info.value.problems) == 2


def test_ragged_csv_rows_are_rejected_not_lost(tmp_path, geo_con):
    header = ",".join(incident_log.HEADER)
    good = ",".join(incident("R1").values())
    (tmp_path / "log.csv").write_text(f"{header}\n{good}\nR2,too,few\n{good.replace('R1', 'R3')}\n")
    (load,) = sources.ingest_paths(geo_con, [tmp_path / "log.csv"], now=NOW)
    assert counts(load) == (3, 2, 1, 0)
    assert geo_con.execute("SELECT row_number, reason FROM ops.rejects").fetchall() == [(2, "malformed_row")]


def test_policeuk_malformed_lines_keep_their_row_numbers(tmp_path, geo_con):
    path = write_puk(
        tmp_path / "2025-06-cleveland-street.csv",
        [puk_row(), "only,three,fields", puk_row(month="2025-13"), puk_row("c1", crime="Burglary")],
    )
    (load,) = sources.ingest_paths(geo_con, [path], now=NOW)
    assert counts(load) == (4, 2, 2, 0)
    rows = geo_con.execute("SELECT row_number, reason FROM ops.rejects ORDER BY 1").fetchall()
    assert rows == [(2, "malformed_row"), (3, "bad_date")]
    staged = geo_con.execute("SELECT row_number FROM staging.stg_policeuk_street ORDER BY 1").fetchall()
    assert staged == [(1,), (4,)]


def test_policeuk_swapped_and_outside_and_future(tmp_path, geo_con):
    path = write_puk(
        tmp_path / "2025-06-cleveland-street.csv",
        [
            puk_row(lon="54.557", lat="-1.122"),
            puk_row(lon="-75.0", lat="40.7"),
            puk_row(month="2031-01"),
            puk_row(lon="abc"),
            puk_row(lon="", lat=""),
        ],
    )
    (load,) = sources.ingest_paths(geo_con, [path], now=NOW)
    assert counts(load) == (5, 2, 3, 0) and load.repaired == 1 and load.unlocated == 1
    assert load.rejects_by_reason == {"outside_area": 1, "future_date": 1, "bad_coordinate": 1}
    lon, lat, repair = geo_con.execute(
        "SELECT lon, lat, coordinate_repair FROM staging.stg_policeuk_street WHERE row_number = 1"
    ).fetchone()
    assert (lon, lat, repair) == (-1.122, 54.557, "latlon_swapped")


def test_police_uk_zip_archive_with_nested_months_and_forces(tmp_path, geo_con):
    archive = tmp_path / "download.zip"
    with zipfile.ZipFile(archive, "w") as bundle:
        for month in ("2025-05", "2025-06"):
            for force in ("cleveland", "durham"):
                text = (
                    ",".join(policeuk.HEADER)
                    + "\n"
                    + puk_row(f"{force}{month}", month, crime="Burglary")
                    + "\n"
                )
                bundle.writestr(f"{month}/{month}-{force}-street.csv", text)
            bundle.writestr(f"{month}/{month}-cleveland-outcomes.csv", "Crime ID,Month\n")
    loads = sources.ingest_paths(geo_con, [archive], now=NOW)
    assert len(loads) == 4 and all(counts(load) == (1, 1, 0, 0) for load in loads)
    assert loads[0].path == f"{archive}!/2025-05/2025-05-cleveland-street.csv"


def test_a_corrected_reissue_supersedes_the_old_rows(tmp_path, geo_con):
    first, second = tmp_path / "v1", tmp_path / "v2"
    name = "2025-06-cleveland-street.csv"
    write_puk(first / name, [puk_row("a", outcome="Under investigation"), puk_row("b"), puk_row("c")])
    write_puk(second / name, [puk_row("a", outcome="Unable to prosecute suspect"), puk_row("b")])
    (old,) = sources.ingest_paths(geo_con, [first], now=NOW)
    (new,) = sources.ingest_paths(geo_con, [second], now=NOW)
    assert counts(new) == (2, 2, 0, 0) and new.superseded == [old.sha256]
    rows = geo_con.execute(
        "SELECT crime_id, last_outcome_category FROM staging.stg_policeuk_street ORDER BY 1"
    ).fetchall()
    assert rows == [("a", "Unable to prosecute suspect"), ("b", None)]
    assert (
        geo_con.execute("SELECT superseded_by FROM ops.files WHERE sha256 = ?", [old.sha256]).fetchone()[0]
        == new.sha256
    )
    assert geo_con.execute("SELECT count(*) FROM raw.policeuk_street").fetchone()[0] == 5  # lineage kept


def test_a_daily_export_reusing_a_name_is_not_a_reissue(tmp_path, geo_con):
    for day, refs in (("d1", ["A1", "A2"]), ("d2", ["B1", "B2"])):
        folder = tmp_path / day
        folder.mkdir()
        pd.DataFrame([incident(r) for r in refs]).to_csv(folder / "export.csv", index=False)
        sources.ingest_paths(geo_con, [folder], now=NOW)
    assert geo_con.execute("SELECT count(*) FROM staging.stg_incident_log_incidents").fetchone()[0] == 4


def test_a_file_that_matches_no_source_is_named_with_the_closest_match(tmp_path, geo_con):
    (tmp_path / "odd.csv").write_text("Intel Ref,Received\nI1,2025-01-01\n")
    with pytest.raises(InputError) as info:
        sources.ingest_paths(geo_con, [tmp_path], now=NOW)
    assert "odd.csv" in str(info.value) and intelligence.NAME in str(info.value)


@pytest.mark.slow
def test_real_policeuk_files_load_with_every_row_accounted_for(geo_con):
    if not SHARED_POLICEUK.exists():
        pytest.skip("../shared/policeuk not available")
    files = sorted(SHARED_POLICEUK.glob("cleveland/*/*.csv")) + sorted(
        SHARED_POLICEUK.glob("durham_asb/*.csv")
    )
    lines = sum(len(p.read_text(encoding="utf-8").splitlines()) - 1 for p in files)
    loads = sources.ingest_paths(
        geo_con, [SHARED_POLICEUK / "cleveland", SHARED_POLICEUK / "durham_asb"], source="policeuk_street"
    )
    assert len(loads) == len(files) == 42
    assert all(load.reconciles for load in loads)
    assert sum(load.rows_in for load in loads) == lines
    staged = geo_con.execute("SELECT count(*) FROM staging.stg_policeuk_street").fetchone()[0]
    assert staged == sum(load.staged for load in loads)
    assert recovery.incomplete_files(geo_con) == []  # every real file adds up to its record
    # One real quirk: police.uk published Crime ID 66e26be0... in both 2024-03 and 2024-04
    # (the outcome changed); the second is recognised as the same crime.
    dup = [(Path(load.path).name, load.duplicate) for load in loads if load.duplicate]
    assert dup == [("2024-04-cleveland-street.csv", 1)]
    unlocated = geo_con.execute("SELECT count(*) FROM staging.stg_policeuk_street WHERE x IS NULL").fetchone()
    assert unlocated[0] == sum(load.unlocated for load in loads) > 0


def test_an_api_download_of_a_month_already_loaded_from_the_archive_adds_nothing(tmp_path, geo_con):
    archive, api = tmp_path / "archive", tmp_path / "api"
    rows = [puk_row(), puk_row(), puk_row("c9", crime="Burglary")]
    write_puk(archive / "2025-06-cleveland-street.csv", rows)
    # The API gives the same reports without LSOA code and name.
    api_rows = [r.replace("E01012000,Redcar 010A", ",") for r in rows]
    write_puk(api / "2025-06-cleveland-api-street.csv", api_rows)
    sources.ingest_paths(geo_con, [archive], now=NOW)
    (load,) = sources.ingest_paths(geo_con, [api], now=NOW)
    assert counts(load) == (3, 0, 0, 3)
    lsoas = geo_con.execute("SELECT DISTINCT lsoa_code FROM staging.stg_policeuk_street").fetchall()
    assert lsoas == [("E01012000",)]


def test_policeuk_keys_are_the_trimmed_crime_id_or_a_hash_of_the_report(tmp_path, geo_con):
    # Warehouses hold keys made by earlier loads, so the key must not drift. A Crime ID is
    # trimmed (Unicode spaces too); one of spaces only is none, and the row is keyed like
    # an antisocial behaviour report: its fields and its occurrence among identical rows.
    rows = [puk_row(" c1 "), puk_row("\u00a0c2\u00a0", crime="Burglary"), puk_row("   "), puk_row()]
    (load,) = sources.ingest_paths(geo_con, [write_puk(tmp_path / "2025-06-x-street.csv", rows)], now=NOW)
    assert counts(load) == (4, 4, 0, 0)
    report = "2025-06|-1.122|54.557|On or near Moor Lane|Anti-social behaviour|Cleveland Police|"
    expected = [
        (1, "PUK:c1", "c1"),
        (2, "PUK:c2", "c2"),
        (3, "PUK:" + hashlib.md5((report + "1").encode()).hexdigest(), None),
        (4, "PUK:" + hashlib.md5((report + "2").encode()).hexdigest(), None),
    ]
    got = geo_con.execute(
        "SELECT row_number, event_id, crime_id FROM staging.stg_policeuk_street ORDER BY 1"
    ).fetchall()
    assert got == expected


def test_a_crime_id_repeated_in_a_file_is_staged_once_from_its_first_row(tmp_path, geo_con):
    rows = [puk_row("c1", outcome="first"), puk_row("c2"), puk_row("c1", outcome="second"), puk_row("c1")]
    (load,) = sources.ingest_paths(geo_con, [write_puk(tmp_path / "2025-06-x-street.csv", rows)], now=NOW)
    assert counts(load) == (4, 2, 0, 2)
    got = geo_con.execute(
        "SELECT crime_id, row_number, last_outcome_category FROM staging.stg_policeuk_street ORDER BY 1"
    ).fetchall()
    assert got == [("c1", 1, "first"), ("c2", 2, None)]


@pytest.mark.parametrize("encoding", ["utf-8", "utf-8-sig", "cp1252"])
def test_policeuk_files_in_each_encoding_load(tmp_path, geo_con, encoding):
    path = tmp_path / "2025-06-x-street.csv"
    row = puk_row("c1").replace("On or near Moor Lane", "On or near Café £5")
    path.write_text(",".join(policeuk.HEADER) + "\n" + row + "\n", encoding=encoding)
    (load,) = sources.ingest_paths(geo_con, [path], now=NOW)
    assert counts(load) == (1, 1, 0, 0)
    assert geo_con.execute("SELECT location FROM staging.stg_policeuk_street").fetchone()[0] == (
        "On or near Café £5"
    )


def test_a_failed_policeuk_load_leaves_the_warehouse_as_it_was(tmp_path, geo_con, monkeypatch):
    path = write_puk(tmp_path / "2025-06-x-street.csv", [puk_row("c1"), puk_row(month="2025-13"), "a,b"])

    def broken_finish(*args, **kwargs):
        raise RuntimeError("disk full")

    monkeypatch.setattr(policeuk, "finish_file", broken_finish)
    with pytest.raises(RuntimeError, match="disk full"):
        sources.ingest_paths(geo_con, [path], now=NOW)
    for table in ("raw.policeuk_street", "staging.stg_policeuk_street_typed", "ops.rejects", "ops.files"):
        assert geo_con.execute(f"SELECT count(*) FROM {table}").fetchone()[0] == 0, table
    monkeypatch.undo()
    (load,) = sources.ingest_paths(geo_con, [path], now=NOW)
    assert counts(load) == (3, 1, 2, 0)
    # Nothing of either load is left behind in the connection (a parsed file is big).
    assert geo_con.execute("SELECT count(*) FROM duckdb_tables() WHERE temporary").fetchone()[0] == 0


@pytest.mark.parametrize("megabytes", [1, 16, 40, 64])
def test_a_row_with_a_huge_field_is_counted_and_rejected_never_dropped(tmp_path, geo_con, megabytes):
    # An unquoted field of tens of megabytes: DuckDB alone drops such a row without a word
    # (then "rows in 2" for a file of 3 rows, its next row numbered 1).
    huge = "x" * (megabytes * 1_000_000)
    path = write_puk(
        tmp_path / "2025-06-cleveland-street.csv",
        [puk_row("a") + huge, puk_row("b"), puk_row("c")],
    )
    (load,) = sources.ingest_paths(geo_con, [path], now=NOW)
    rows = geo_con.execute("SELECT row_number, crime_id FROM raw.policeuk_street ORDER BY 1").fetchall()
    if megabytes == 1:  # within what a row may be: loaded like any other
        assert counts(load) == (3, 3, 0, 0) and rows == [(1, "a"), (2, "b"), (3, "c")]
        return
    assert counts(load) == (3, 2, 1, 0) and load.rejects_by_reason == {"malformed_row": 1}
    assert rows == [(2, "b"), (3, "c")]  # each row keeps its own number
    ((number, reason, message, raw),) = geo_con.execute(
        "SELECT row_number, reason, message, raw_row FROM ops.rejects"
    ).fetchall()
    assert (number, reason) == (1, "malformed_row") and "row 1" in message
    assert len(raw) < 1_000  # the quarantine holds its opening, not megabytes


def test_rows_after_a_set_aside_row_and_a_malformed_line_keep_their_numbers(tmp_path, geo_con):
    path = write_puk(
        tmp_path / "2025-06-cleveland-street.csv",
        [
            puk_row("a"),
            puk_row("b"),
            puk_row("c") + "y" * 3_000_000,  # row 3: set aside before reading
            puk_row("d"),
            "not,enough,fields",  # row 5: malformed, reported by the reader
            puk_row("f"),
        ],
    )
    (load,) = sources.ingest_paths(geo_con, [path], now=NOW)
    assert counts(load) == (6, 4, 2, 0)
    raw = geo_con.execute("SELECT row_number, crime_id FROM raw.policeuk_street ORDER BY 1").fetchall()
    assert raw == [(1, "a"), (2, "b"), (4, "d"), (6, "f")]
    rejected = geo_con.execute("SELECT row_number, reason FROM ops.rejects ORDER BY 1").fetchall()
    assert rejected == [(3, "malformed_row"), (5, "malformed_row")]
    assert recovery.incomplete_files(geo_con) == []


def _export_with_log_numbers(tmp_path):
    renamed = {"Incident Ref": "Log Number", "Created": "Date/Time Created"}
    pd.DataFrame([{renamed.get(k, k): v for k, v in incident("M1").items()}]).to_csv(
        tmp_path / "export.csv", index=False
    )
    return tmp_path / "export.csv"


def _mapping(tmp_path, lines):
    (tmp_path / "mapping.yaml").write_text(
        "source: incident_log\ncolumns:\n" + "".join(f"  {x}\n" for x in lines)
    )
    return tmp_path / "mapping.yaml"


def test_a_mapping_naming_a_column_we_do_not_have_is_refused_not_ignored(tmp_path, geo_con):
    export = _export_with_log_numbers(tmp_path)
    mapping = ColumnMapping.from_yaml(
        _mapping(tmp_path, ["Incident Ref: Log Number", "Created: Date/Time Created", "Banana: Peel"])
    )
    with pytest.raises(InputError) as info:
        sources.ingest_paths(geo_con, [export], mapping=mapping, now=NOW)
    assert info.value.problems == [
        "the mapping names 'Banana', which is not one of our columns for this file (Incident Ref, Created,"
        " Opening Code, Closing Code, Location, Easting, Northing, Latitude, Longitude, Narrative)"
    ]
    assert geo_con.execute("SELECT count(*) FROM ops.files").fetchone()[0] == 0


def test_two_of_our_columns_mapped_to_one_export_column_are_named(tmp_path):
    with pytest.raises(InputError) as info:
        ColumnMapping.from_yaml(_mapping(tmp_path, ["Incident Ref: Log Number", "Created: Log Number"]))
    assert info.value.problems == [
        "'Incident Ref' and 'Created' are both mapped to the export's column 'Log Number': a column of the"
        " export can stand for one of ours only"
    ]


def test_a_mapping_to_a_column_the_export_lacks_says_which(tmp_path, geo_con):
    export = _export_with_log_numbers(tmp_path)
    mapping = ColumnMapping.from_yaml(
        _mapping(tmp_path, ["Incident Ref: Log No", "Created: Date/Time Created"])
    )
    with pytest.raises(InputError) as info:
        sources.ingest_paths(geo_con, [export], mapping=mapping, now=NOW)
    (problem,) = info.value.problems
    assert problem.startswith(
        "the mapping maps 'Incident Ref' to 'Log No', which is not a column of the file"
    )
    assert (
        "(its columns: Log Number, Date/Time Created, Opening Code," in problem
    )  # and no bare "missing column"
