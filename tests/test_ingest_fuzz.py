"""Property tests: no input, however mangled, crashes a parser or loses a row."""

import csv
import io
import json
import os
from datetime import datetime

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from endurance import sources
from endurance._errors import InputError
from endurance.sources import fire, incident_log, intelligence, outcomes, policeuk

NOW = datetime(2026, 1, 1)
FUZZ = settings(
    max_examples=int(os.environ.get("ENDURANCE_FUZZ_EXAMPLES", "40")),
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture],
)

VALID = {
    incident_log: [
        "CLE-1",
        "2025-06-01T19:00:00",
        "ASB-VEH",
        "NO-TRACE",
        "Eston Moor",
        "456700",
        "518200",
        "",
        "",
        "Two scramblers",
    ],
    intelligence: [
        "I-1",
        "2025-06-01T20:00",
        "Web form",
        "2",
        "B",
        "P",
        "54.557",
        "-1.122",
        "",
        "A Person",
        "keeps a bike",
        "AB12 CDE",
        "07700 900001",
    ],
    policeuk: [
        "",
        "2025-06",
        "Cleveland Police",
        "Cleveland Police",
        "-1.122",
        "54.557",
        "On or near Moor Lane",
        "E01012000",
        "Redcar and Cleveland 010A",
        "Anti-social behaviour",
        "",
        "",
    ],
    fire: [
        "F-1",
        "2025-04-12 18:40",
        "GRASS",
        "SECONDARY",
        "DELIBERATE",
        "456700",
        "518200",
        "",
        "",
        "Eston Moor",
        "Grangetown",
    ],
    outcomes: [
        "O-1",
        "2025-06-02",
        "S59-WARN",
        "POLICE",
        "CLE-1",
        "AB12CDE",
        "P-1",
        "456700",
        "518200",
        "",
        "",
    ],
}
SOURCES = list(VALID)
# Cell text without quotes or line breaks, so each line stays one record.
cell_text = st.text(
    alphabet=st.characters(blacklist_characters='"\r\n\x00', blacklist_categories=("Cs",)), max_size=12
)


def load_one(con, path):
    try:
        (load,) = sources.ingest_paths(con, [path], now=NOW)
    except InputError:
        return None  # a file-level problem, reported with the file named: handled
    return load


def check(load, expected_rows=None):
    if load is None or load.status == "already_loaded":
        return
    assert load.reconciles
    if expected_rows is not None:
        assert load.rows_in == expected_rows


@FUZZ
@given(module=st.sampled_from(SOURCES), data=st.binary(max_size=400), with_header=st.booleans())
def test_arbitrary_bytes_never_crash(geo_con, tmp_path_factory, module, data, with_header):
    folder = tmp_path_factory.mktemp("fuzz")
    path = folder / ("2025-06-cleveland-street.csv" if module is policeuk else "input.csv")
    header = (",".join(module.HEADER) + "\n").encode() if with_header else b""
    path.write_bytes(header + data)
    check(load_one(geo_con, path))


@FUZZ
@given(
    module=st.sampled_from(SOURCES),
    edits=st.lists(
        st.tuples(
            st.integers(0, 7),
            st.integers(0, 12),
            cell_text,
            st.sampled_from(["replace", "drop", "extra", "blank"]),
        ),
        min_size=1,
        max_size=10,
    ),
)
def test_mangled_rows_are_each_staged_rejected_or_duplicate(geo_con, tmp_path_factory, module, edits):
    rows = []
    for i in range(8):
        row = list(VALID[module])
        row[0] = row[0] or ""  # police.uk ASB rows have no Crime ID
        if module is not policeuk:
            row[0] = f"{row[0]}-{i}"
        rows.append(row)
    for index, column, text, action in edits:
        row = rows[index]
        column %= len(row)
        if action == "replace":
            row[column] = text
        elif action == "blank":
            row[column] = ""
        elif action == "drop":
            del row[column]
        else:
            row.insert(column, text)
    folder = tmp_path_factory.mktemp("mangled")
    path = folder / ("2025-06-cleveland-street.csv" if module is policeuk else "input.csv")
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(module.HEADER)
    writer.writerows(rows)
    path.write_text(buffer.getvalue(), encoding="utf-8")
    load = load_one(geo_con, path)
    assert load is not None, "a file with a valid header must load"
    check(load, expected_rows=8)


@FUZZ
@given(
    lines=st.lists(
        st.one_of(
            st.dictionaries(st.sampled_from(intelligence.HEADER), cell_text, max_size=13),
            st.text(max_size=30).filter(lambda s: "\n" not in s and "\r" not in s),
        ),
        min_size=1,
        max_size=8,
    )
)
def test_json_lines_never_crash_or_lose_a_record(geo_con, tmp_path_factory, lines):
    full = dict(zip(intelligence.HEADER, VALID[intelligence], strict=True))
    text = [json.dumps(full)] + [json.dumps(x) if isinstance(x, dict) else x for x in lines]
    path = tmp_path_factory.mktemp("jsonl") / "form.jsonl"
    path.write_text("\n".join(text) + "\n", encoding="utf-8")
    records = sum(1 for line in text if line.strip())
    load = load_one(geo_con, path)
    assert load is not None
    check(load, expected_rows=records)


@pytest.mark.parametrize("payload", [b"PK\x03\x04 not really a workbook", b"", b"\x00" * 64])
def test_a_damaged_workbook_is_a_file_level_error(geo_con, tmp_path, payload):
    path = tmp_path / "log.xlsx"
    path.write_bytes(payload)
    with pytest.raises(InputError, match="log.xlsx"):
        sources.ingest_paths(geo_con, [path], source="incident_log", now=NOW)
