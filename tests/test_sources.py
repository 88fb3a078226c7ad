"""Reading, validating, locating and loading every source, with nothing lost."""

from datetime import datetime

import numpy as np
import pandas as pd
import pytest

from endurance import _files, sources
from endurance._errors import InputError
from endurance.sources import _common, _loading, _readers, incident_log, intelligence, policeuk

NOW = datetime(2026, 1, 1)
# Eston Nab: 54.5571722 N, 1.1224139 W; OS grid NZ 567 183 (E 456778, N 518272 for the fort).
NAB_LAT, NAB_LON = 54.5571722, -1.1224139


def write_csv(path, header, rows, encoding="utf-8"):
    lines = [",".join(header)] + [",".join(r) for r in rows]
    path.write_bytes(("\r\n".join(lines) + "\r\n").encode(encoding))
    return path


def incident(
    ref,
    created="2025-06-01T19:00:00",
    e="456700",
    n="518200",
    lat="",
    lon="",
    opening="ASB-VEH",
    closing="NO-TRACE",
    location="Eston Moor",
    narrative="Two scramblers on the moor",
):
    return [ref, created, opening, closing, location, e, n, lat, lon, narrative]


@pytest.fixture
def ctx(geo_con):
    return sources.build_context(geo_con, now=NOW)


def test_locate_reads_each_layout_and_repairs_mixups(ctx):
    e, n = _common.bng_from_lonlat(np.array([NAB_LON]), np.array([NAB_LAT]))
    lat = np.array([NAB_LAT, NAB_LON, n[0], np.nan, np.nan, 53.80])
    lon = np.array([NAB_LON, NAB_LAT, e[0], np.nan, np.nan, -1.55])
    east = np.array([np.nan, np.nan, np.nan, NAB_LON, np.nan, np.nan])
    north = np.array([np.nan, np.nan, np.nan, NAB_LAT, np.nan, np.nan])
    got = _common.locate(ctx.area, lat=lat, lon=lon, easting=east, northing=north)
    assert list(got.repair) == [
        None,
        "latlon_swapped",
        "bng_in_latlon_columns",
        "latlon_in_bng_columns",
        None,
        None,
    ]
    assert list(got.missing) == [False, False, False, False, True, False]
    assert list(got.outside) == [False, False, False, False, False, True]  # Leeds
    # Every repaired reading lands on the same spot, to the metre.
    assert np.allclose(got.x[:4], got.x[0], atol=1) and np.allclose(got.y[:4], got.y[0], atol=1)
    assert got.lat[0] == pytest.approx(NAB_LAT, abs=1e-6)


def test_bng_conversion_matches_the_published_grid_reference():
    # Eston Nab summit is published as OS grid reference NZ 568 183 (a 100 m square).
    x, y = _common.bng_from_lonlat(np.array([NAB_LON]), np.array([NAB_LAT]))
    assert 456_800 <= x[0] < 456_900 and 518_300 <= y[0] < 518_400


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("2025-06-14T19:32:00", "2025-06-14 19:32"),
        ("2025-06-14 19:32", "2025-06-14 19:32"),
        ("14/06/2025 19:32", "2025-06-14 19:32"),
        ("03/04/2025 08:05:30", "2025-04-03 08:05"),
        ("2025-06-14T18:32:00+00:00", "2025-06-14 19:32"),  # UTC in, London summer time out
    ],
)
def test_timestamps_in_iso_and_uk_forms(text, expected):
    parsed = _common.parse_timestamps(pd.Series([text]))
    assert parsed.iloc[0].strftime("%Y-%m-%d %H:%M") == expected


@pytest.mark.parametrize("text", ["31/02/2025 18:00", "yesterday", "", "2025-13-01"])
def test_bad_timestamps_are_not_guessed(text):
    assert pd.isna(_common.parse_timestamps(pd.Series([text])).iloc[0])


@pytest.mark.parametrize(
    ("closing", "narrative", "rule"),
    [
        ("S59-WARN", "", "closing_code:S59-WARN"),
        ("NFA", "Two lads on an off-road bike", "keyword:off road"),
        ("NFA", "kids on offroaders again", "keyword:off road"),
        ("NFA", "Scramblers on the field", "keyword:scrambler"),
        ("NFA", "a QUAD racing up and down", "keyword:quad"),
        ("NFA", "pitbike with no lights", "keyword:pit bike"),
        ("NFA", "Section 59 warning given", "keyword:s59"),
        ("NFA", "Youths shouting outside the shop", None),
        ("NFA", "the quadrant car park", None),
    ],
)
def test_off_road_classification_names_its_rule(closing, narrative, rule):
    assert incident_log.classify_off_road(closing, narrative) == rule


def test_missing_columns_are_all_named_with_the_file(tmp_path):
    path = write_csv(tmp_path / "log.csv", ["Incident Ref", "Created", "Narrative"], [])
    with pytest.raises(InputError) as info:
        _readers.read_table(path, incident_log.COLUMNS)
    message = str(info.value)
    assert str(path) in message
    for column in ("Opening Code", "Closing Code", "Easting", "Northing", "Location"):
        assert repr(column) in message


def test_unrecognised_file_in_a_folder_stops_the_load_before_anything_lands(tmp_path, geo_con):
    write_csv(tmp_path / "good.csv", incident_log.HEADER, [incident("A1")])
    write_csv(tmp_path / "mystery.csv", ["foo", "bar"], [["1", "2"]])
    with pytest.raises(InputError, match="mystery.csv"):
        sources.ingest_folder(geo_con, tmp_path, now=NOW)
    assert geo_con.execute("SELECT count(*) FROM ops.files").fetchone()[0] == 0


@pytest.mark.parametrize(
    ("content", "said"),
    [
        (b"", "the file is empty (no header row)"),
        (b"\r\n\r\n", "the file is empty (no header row)"),
        # a PNG renamed .csv: every byte decodes as Windows-1252 but for the NULs
        (b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x01", "the file is binary, not a CSV text export"),
    ],
)
def test_an_empty_or_binary_file_is_called_so_not_near_a_source(tmp_path, content, said):
    path = tmp_path / "upload.csv"
    path.write_bytes(content)
    with pytest.raises(InputError) as info:
        sources.detect_source(path)
    assert said in str(info.value) and "closest is" not in str(info.value)


@pytest.mark.parametrize("encoding", ["utf-8", "utf-8-sig", "cp1252"])
def test_exports_in_each_encoding_load(tmp_path, geo_con, encoding):
    row = incident("ENC-1", location="Café on Eston Moor £5")
    write_csv(tmp_path / "log.csv", incident_log.HEADER, [row], encoding=encoding)
    (load,) = sources.ingest_folder(geo_con, tmp_path, now=NOW)
    assert load.staged == 1
    text = geo_con.execute("SELECT location_text FROM staging.stg_incident_log_restricted").fetchone()
    assert text[0] == "Café on Eston Moor £5"


def test_every_row_is_staged_rejected_or_duplicate_with_reasons(tmp_path, geo_con):
    rows = [
        incident("OK-1"),
        incident("OK-2", created="14/06/2025 21:10", e="", n="", lat=f"{NAB_LAT}", lon=f"{NAB_LON}"),
        incident("SWAP-1", e="", n="", lat=f"{NAB_LON}", lon=f"{NAB_LAT}"),
        incident("BAD-DATE", created="31/02/2025 18:00"),
        incident("FUTURE", created="2030-01-01T00:00:00"),
        incident("LEEDS", e="430000", n="433000"),
        incident("", narrative="no reference"),
        incident("CODE", opening="XYZ"),
        incident("NOWHERE", e="", n="", location=""),
        incident("TEXT-ONLY", e="", n="", location="the lane behind the school"),
        incident("OK-1"),  # exported twice
    ]
    path = write_csv(tmp_path / "log.csv", incident_log.HEADER, rows)
    (load,) = sources.ingest_folder(geo_con, tmp_path, now=NOW)
    assert (load.rows_in, load.staged, load.rejected, load.duplicate) == (11, 4, 6, 1)
    assert load.reconciles and load.repaired == 1 and load.unlocated == 1
    assert load.rejects_by_reason == {
        "bad_date": 1,
        "future_date": 1,
        "outside_area": 1,
        "missing_field": 1,
        "unknown_code": 1,
        "missing_location": 1,
    }
    rejects = geo_con.execute(
        "SELECT row_number, field, reason, message FROM ops.rejects ORDER BY row_number"
    ).fetchall()
    assert [(r[0], r[1], r[2]) for r in rejects] == [
        (4, "Created", "bad_date"),
        (5, "Created", "future_date"),
        (6, "Easting", "outside_area"),
        (7, "Incident Ref", "missing_field"),
        (8, "Opening Code", "unknown_code"),
        (9, "Location", "missing_location"),
    ]
    assert all(m.startswith(f"log.csv row {r}, field ") for r, _, _, m in rejects)
    repaired = geo_con.execute(
        "SELECT coordinate_repair FROM staging.stg_incident_log_incidents WHERE incident_ref = 'SWAP-1'"
    )
    assert repaired.fetchone()[0] == "latlon_swapped"
    raw = geo_con.execute(
        "SELECT count(*) FROM raw.incident_log WHERE file_sha256 = ?", [_files.sha256_file(path)]
    ).fetchone()[0]
    assert raw == 11  # every row kept as received
    ledger = geo_con.execute(
        "SELECT rows_in, rows_staged, rows_rejected, rows_duplicate FROM ops.files"
    ).fetchone()
    assert ledger == (11, 4, 6, 1)


def test_loading_the_same_file_twice_changes_nothing(tmp_path, geo_con):
    write_csv(tmp_path / "log.csv", incident_log.HEADER, [incident("A1"), incident("A2")])
    (first,) = sources.ingest_folder(geo_con, tmp_path, now=NOW)
    before = geo_con.execute("SELECT count(*) FROM raw.incident_log").fetchone()[0]
    (second,) = sources.ingest_folder(geo_con, tmp_path, now=NOW)
    assert first.status == "loaded" and second.status == "already_loaded"
    assert geo_con.execute("SELECT count(*) FROM raw.incident_log").fetchone()[0] == before
    assert geo_con.execute("SELECT count(*) FROM staging.stg_incident_log_incidents").fetchone()[0] == 2


def test_the_same_incident_in_a_second_file_is_a_duplicate(tmp_path, geo_con):
    first, second = tmp_path / "a", tmp_path / "b"
    first.mkdir(), second.mkdir()
    write_csv(first / "log.csv", incident_log.HEADER, [incident("A1")])
    write_csv(second / "log-2.csv", incident_log.HEADER, [incident("A1"), incident("A3")])
    sources.ingest_folder(geo_con, first, now=NOW)
    (load,) = sources.ingest_folder(geo_con, second, now=NOW)
    assert (load.staged, load.duplicate) == (1, 1)


def test_a_failed_file_leaves_the_warehouse_as_it_was(tmp_path, geo_con, monkeypatch):
    write_csv(tmp_path / "log.csv", incident_log.HEADER, [incident("A1")])

    def broken_insert(con, table, frame):
        if table == incident_log.RESTRICTED_TABLE:
            raise RuntimeError("disk full")
        con.register("incoming_frame", frame)
        con.execute(f"INSERT INTO {table} BY NAME SELECT * FROM incoming_frame")
        con.unregister("incoming_frame")

    monkeypatch.setattr(_loading, "_insert_frame", broken_insert)
    with pytest.raises(RuntimeError, match="disk full"):
        sources.ingest_folder(geo_con, tmp_path, now=NOW)
    for table in ("ops.files", "raw.incident_log", "staging.stg_incident_log_incidents"):
        assert geo_con.execute(f"SELECT count(*) FROM {table}").fetchone()[0] == 0, table


def test_policeuk_rows_keep_asb_without_crime_id_and_unlocated_rows(tmp_path, geo_con):
    force = "Cleveland Police,Cleveland Police"
    asb = f",2025-06,{force},-1.122,54.557,On or near Moor Lane,E01012000,Redcar and Cleveland 010A,"
    lines = [
        asb + "Anti-social behaviour,,",
        asb + "Anti-social behaviour,,",  # the same report twice at one map point
        f"abc123,2025-06,{force},,,No Location,,,Burglary,Under investigation,",
        f",2025-6,{force},-1.122,54.557,x,,,Anti-social behaviour,,",  # month not YYYY-MM
    ]
    rows = [line.split(",") for line in lines]
    write_csv(tmp_path / "2025-06-cleveland-street.csv", policeuk.HEADER, rows)
    (load,) = sources.ingest_folder(geo_con, tmp_path, now=NOW)
    # Two identical ASB reports at one map point are two reports, not a duplicate.
    assert (load.staged, load.rejected, load.duplicate, load.unlocated) == (3, 1, 0, 1)
    ids = [r[0] for r in geo_con.execute("SELECT event_id FROM staging.stg_policeuk_street").fetchall()]
    assert "PUK:abc123" in ids and len(set(ids)) == 3


def test_intelligence_grading_channel_and_free_text_locations(tmp_path, geo_con):
    def report(
        ref,
        evaluation="2",
        assessment="B",
        handling="P",
        lat="",
        lon="",
        place="",
        channel="Web form",
    ):
        return [
            ref,
            "2025-06-01T20:00",
            channel,
            evaluation,
            assessment,
            handling,
            lat,
            lon,
            place,
            "A Person",
            "keeps a bike",
            "AB12 CDE",
            "07700 900123",
        ]

    rows = [
        report("I1", lat=f"{NAB_LAT}", lon=f"{NAB_LON}"),
        report("I2", place="bikes up on Eston Moor again"),
        report("I3", place="somewhere in Hemlington"),
        report("I4", place="round the back of the shops"),
        report("I5", place="near Park End", channel="101"),
        report("BAD1", evaluation="4"),
        report("BAD2", assessment="F"),
        report("BAD3", handling="X"),
        report("BAD4", channel="pigeon"),
    ]
    write_csv(tmp_path / "intel.csv", intelligence.HEADER, rows)
    (load,) = sources.ingest_folder(geo_con, tmp_path, now=NOW)
    assert (load.staged, load.rejected) == (5, 4)
    got = dict(
        geo_con.execute(
            "SELECT intel_ref, location_precision || ':' || coalesce(hotspot_id, ward_name, '-')"
            " FROM staging.stg_intelligence_reports"
        ).fetchall()
    )
    assert got == {
        "I1": "exact:-",
        "I2": "gazetteer:eston-hills",
        "I3": "gazetteer:hemlington",
        "I4": "unresolved:-",
        "I5": "gazetteer:east-middlesbrough",
    }
    public = geo_con.execute("SELECT * FROM staging.stg_intelligence_reports").df()
    assert not public.isin(["A Person", "AB12 CDE", "07700 900123"]).any().any()
    assert (
        geo_con.execute(
            "SELECT count(*) FROM staging.stg_intelligence_restricted WHERE vrm = 'AB12 CDE'"
        ).fetchone()[0]
        == 5
    )


def test_resolve_place_prefers_the_longest_name():
    places = {"park": ("ward", "Park"), "park end": ("hotspot", "east-middlesbrough")}
    assert intelligence.resolve_place("bikes near Park End shops", places) == (
        "gazetteer",
        "east-middlesbrough",
    )
    assert intelligence.resolve_place("in the park", places) == ("ward", "Park")
    assert intelligence.resolve_place("parkway", places) == ("unresolved", None)


def test_a_load_summary_reads_as_one_log_line():
    load = sources.FileLoad("in/2025/fires.csv", "fire", "ab", "loaded", 17, 6, 10, 1, 1, 1, {"bad_date": 1})
    assert load.summary() == (
        "fires.csv (fire): loaded; in 17 = staged 6 + rejected 10 + duplicate 1; unlocated 1, repaired 1;"
        " rejects {'bad_date': 1}"
    )
