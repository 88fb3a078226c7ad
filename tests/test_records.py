"""Counting a CSV file's records from its bytes: the count a reader's rows are checked against."""

from __future__ import annotations

import csv
import io

import duckdb
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from endurance._errors import InputError
from endurance.sources import policeuk
from endurance.sources._records import Oversized, RecordScan, scan_records, without_oversized

CELL = st.lists(st.sampled_from(["a", "b", ",", '"', "\n", "\r\n", " ", "é"]), max_size=6).map("".join)


@settings(max_examples=300, deadline=None)
@given(
    rows=st.lists(st.lists(CELL, min_size=3, max_size=3), max_size=8),
    blanks=st.lists(st.booleans(), max_size=9),
    newline=st.sampled_from(["\n", "\r\n"]),
    last_newline=st.booleans(),
    block=st.sampled_from([1, 2, 3, 5, 64, 1 << 22]),
)
def test_the_count_is_what_a_csv_reader_reads(tmp_path_factory, rows, blanks, newline, last_newline, block):
    buffer = io.StringIO(newline="")
    writer = csv.writer(buffer, lineterminator=newline)
    for row, blank in zip([["h1", "h2", "h3"], *rows], [*blanks, *[False] * 10], strict=False):
        writer.writerow(row)
        if blank:
            buffer.write(newline)
    text = buffer.getvalue() if last_newline else buffer.getvalue().rstrip("\r\n")
    path = tmp_path_factory.mktemp("scan") / "f.csv"
    path.write_bytes(text.encode())
    with open(path, newline="", encoding="utf-8") as handle:
        expected = sum(1 for row in csv.reader(handle) if row) - 1
    # Small blocks put every boundary somewhere awkward: in a quote pair, between CR and LF.
    assert scan_records(path, block_size=block).records == max(expected, 0)


def test_a_quote_inside_an_unquoted_field_is_a_character(tmp_path):
    path = tmp_path / "f.csv"
    path.write_bytes(b'a,b\nOn or near Bob"s Lane,1\nx,2\n"quoted\nacross lines",3\n')
    assert scan_records(path).records == 3


def test_overlong_records_are_found_with_their_row_numbers_and_place(tmp_path):
    path = tmp_path / "f.csv"
    body = [b"h1,h2", b"a,1", b"b," + b"x" * 50, b"", b"c,3", b"d," + b"y" * 60]
    path.write_bytes(b"\r\n".join(body))  # no newline after the last
    scan = scan_records(path, max_bytes=40)
    third = len(b"h1,h2\r\na,1\r\n")
    fifth = third + len(body[2]) + 2 + 2 + len(b"c,3\r\n")
    assert scan.records == 4
    assert scan.oversized == (Oversized(2, third, 52, third + 54), Oversized(4, fifth, 62, fifth + 62))
    with without_oversized(path, scan) as readable:
        assert readable.read_bytes() == b"h1,h2\r\na,1\r\n\r\nc,3\r\n"


def test_a_reader_that_returns_fewer_records_than_the_file_holds_is_refused(tmp_path):
    con = duckdb.connect()
    con.execute("CREATE TEMP TABLE puk_in AS SELECT range FROM range(2)")
    scan = RecordScan("0" * 64, records=3)
    with pytest.raises(
        InputError, match="the CSV reader gave 2 rows and 0 malformed lines, but the file holds 3"
    ):
        policeuk._check_count(con, tmp_path / "2025-06-cleveland-street.csv", scan, malformed=0)
    policeuk._check_count(con, tmp_path / "x.csv", scan, malformed=1)  # a malformed line is a record too
