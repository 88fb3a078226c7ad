"""data.police.uk street-level CSVs: one file per force per month, at national scale.

police.uk has no off-road-bike category, so these rows are context (antisocial
behaviour and crime around the operation's hotspots), kept apart from the
operation's own incidents.

A national download runs to tens of millions of rows, so this source is loaded inside
DuckDB rather than row by row in Python, and every row is written once per layer:

1. ``read_csv`` reads the file on every core into a temp table (every column as text,
   malformed lines captured with their line number); its rowids number the rows;
2. in one transaction the rows go to ``raw.policeuk_street`` as received, with their
   row numbers;
3. the checks and conversions run on distinct values, not rows: a file holds a month or
   a few, a dozen crime types and a few thousand map points (police.uk snaps every
   report to one), so each Month, Crime type and coordinate pair is typed, checked and
   reprojected once (``endurance/sql/staging/policeuk_*.sql``) and rows pick up the
   results through joins;
4. ``staging.stg_policeuk_street_typed`` receives each valid row's key and typed values
   only: its text is exactly the raw row's, and the view ``staging.stg_policeuk_street``
   reads it from there; rows that fail a check go to the quarantine;
5. repeated keys are taken back out, and the counts reconciled from the tables.

Keys: a crime's key is its Crime ID. Antisocial behaviour rows carry no Crime ID, so
their key is a hash of month, coordinates, location, type and force, and the row's
occurrence number among identical rows of the same file: two identical reports at one
map point stay two reports, and the same month loaded again under another name, or
fetched from the API (which gives no LSOA), is recognised as duplicate.

Checks: Month must be ``YYYY-MM`` and not in the future; Crime type must be present;
coordinates, when given, must both be numbers inside England, Wales and Northern
Ireland (a download may span several forces; attribution then tells Cleveland's rows
apart). Longitude and latitude swapped are repaired and flagged. Rows with no location
are staged and counted as unlocated, never dropped.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import duckdb

from endurance._errors import InputError
from endurance.sources._common import Context, FileLoad
from endurance.sources._loading import FileStart, begin_file, finish_file
from endurance.sources._readers import ColumnMapping, read_header
from endurance.sources._records import MAX_RECORD_BYTES, RecordScan, scan_records, without_oversized
from endurance.warehouse import quote_identifier, sql_text, transaction

NAME = "policeuk_street"
RAW_TABLE = "raw.policeuk_street"
STAGING_TABLE = "staging.stg_policeuk_street_typed"  # read through view staging.stg_policeuk_street
RESTRICTED_TABLE = None

COLUMNS = {
    "Crime ID": "crime_id",
    "Month": "month",
    "Reported by": "reported_by",
    "Falls within": "falls_within",
    "Longitude": "longitude",
    "Latitude": "latitude",
    "Location": "location",
    "LSOA code": "lsoa_code",
    "LSOA name": "lsoa_name",
    "Crime type": "crime_type",
    "Last outcome category": "last_outcome_category",
    "Context": "context",
}
HEADER = list(COLUMNS)
RAW_COLUMNS = list(COLUMNS.values())

#: Longitude and latitude bounds of England, Wales and Northern Ireland, with a margin.
ENVELOPE = {"min_lon": -8.8, "max_lon": 2.1, "min_lat": 49.8, "max_lat": 56.0}


def _columns_struct(path: Path, header: list[str]) -> str:
    """Return the ``columns`` argument for read_csv: the file's own order, our raw names."""
    missing = [name for name in COLUMNS if name not in header]
    if missing:
        raise InputError(path, [f"missing column {name!r}" for name in missing])
    names = [COLUMNS.get(h, f"extra_{i}") for i, h in enumerate(header)]
    return "{" + ", ".join(f"{_sql_string(n)}: 'VARCHAR'" for n in names) + "}"


def _sql_string(text: str) -> str:
    return "'" + text.replace("'", "''") + "'"


def _read_into_temp(con: duckdb.DuckDBPyConnection, path: Path, columns: str, *, shown: Path) -> int:
    """Read the file into temp table puk_in and its malformed lines into puk_errors; return their count.

    DuckDB reads the file on every core and keeps file order in the temp table, so a row's
    place among the parsed rows is its rowid. Nothing in the warehouse changes yet.
    ``shown`` is the file as messages name it (``path`` may be a copy without its
    oversized records).
    """
    for encoding in ("utf-8", "latin-1"):
        options = (
            f"header = true, columns = {columns}, auto_detect = false, delim = ',', quote = '\"', "
            f"escape = '\"', encoding = {_sql_string(encoding)}, store_rejects = true, "
            "rejects_table = 'puk_errors', rejects_scan = 'puk_scans'"
        )
        read = f"CREATE OR REPLACE TEMP TABLE puk_in AS SELECT * FROM read_csv(?, {options})"  # noqa: S608
        con.execute("DROP TABLE IF EXISTS puk_errors; DROP TABLE IF EXISTS puk_scans")  # else they grow
        try:
            con.execute(read, [str(path)])
        except duckdb.InvalidInputException as exc:  # e.g. bytes no encoding can read
            if encoding == "latin-1":
                raise InputError(shown, [f"cannot be read as CSV: {exc}"]) from exc
            continue
        errors = con.execute(
            "SELECT count(*) FILTER (WHERE error_type = 'INVALID ENCODING'), count(DISTINCT line)"
            " FROM puk_errors"
        ).fetchone()
        assert errors is not None
        if errors[0] == 0:
            return int(errors[1])
    raise InputError(shown, ["not readable as UTF-8 or Windows-1252/Latin-1"])


def _insert_raw(con: duckdb.DuckDBPyConnection, sha256: str, *, malformed: int, skipped: bool) -> None:
    """Append the parsed rows to the raw table with their data row numbers (1 = first row after the header).

    The k-th parsed row is row k, unless malformed lines (missing from puk_in) come
    before it: then it is the k-th row number not taken by a malformed one, that is k
    plus the malformed lines with fewer than k parsed rows before them.
    """
    row_number = "i.rowid + 1"
    if malformed:
        con.execute(
            "CREATE OR REPLACE TEMP TABLE puk_bad_rows AS"
            " SELECT row_number - row_number() OVER (ORDER BY row_number) AS parsed_before"
            " FROM (SELECT DISTINCT (line - 1)::INTEGER AS row_number FROM puk_errors)"
        )
        row_number += " + (SELECT count(*) FROM puk_bad_rows AS b WHERE b.parsed_before <= i.rowid)"
    raw_cols = ", ".join(quote_identifier(c) for c in RAW_COLUMNS)
    con.execute(
        f"INSERT INTO {RAW_TABLE} SELECT ?, ({_in_file(row_number, skipped)})::INTEGER, {raw_cols}"  # noqa: S608
        " FROM puk_in AS i",
        [sha256],
    )


def _in_file(read: str, skipped: bool) -> str:
    """Return SQL for a row's number in the file itself, from its number in the file as read.

    Oversized records were set aside before reading (temp table puk_skipped, numbered in
    the file): a row read as number r is r plus those set aside before it, that is
    those whose count of rows kept before them is less than r.
    """
    if not skipped:
        return read
    return f"({read}) + (SELECT count(*) FROM puk_skipped AS s WHERE s.kept_before < ({read}))"  # noqa: S608


def _set_aside(con: duckdb.DuckDBPyConnection, scan: RecordScan) -> None:
    """Temp table puk_skipped: the oversized records' row numbers, and the rows kept before each."""
    con.execute("CREATE OR REPLACE TEMP TABLE puk_skipped (row_number INTEGER, kept_before INTEGER)")
    if scan.oversized:
        numbers = [r.row_number for r in scan.oversized]
        con.executemany(
            "INSERT INTO puk_skipped VALUES (?, ?)", [[n, n - k - 1] for k, n in enumerate(numbers)]
        )


def _check_count(con: duckdb.DuckDBPyConnection, path: Path, scan: RecordScan, *, malformed: int) -> None:
    """Refuse the file when the reader's rows and malformed lines are not every record it holds."""
    row = con.execute("SELECT count(*) FROM puk_in").fetchone()
    parsed = int(row[0]) if row else 0
    expected = scan.records - len(scan.oversized)
    if parsed + malformed != expected:
        raise InputError(
            path,
            [
                f"the CSV reader gave {parsed:,} rows and {malformed:,} malformed lines, but the file holds "
                f"{expected:,} records (counted from its bytes: newlines outside quotes"
                + (f", {len(scan.oversized)} oversized records set aside" if scan.oversized else "")
                + "); nothing was loaded, so no row is lost silently"
            ],
        )


def load(
    con: duckdb.DuckDBPyConnection,
    path: Path,
    ctx: Context,
    *,
    run_id: str | None,
    name: str | None = None,
    display: str | None = None,
    mapping: ColumnMapping | None = None,
) -> FileLoad:
    """Load one police.uk street-level CSV; see the module docstring for the rules."""
    if mapping is not None:
        raise InputError(path, ["police.uk files have a fixed format: a column mapping does not apply"])
    if path.suffix.lower() != ".csv":
        raise InputError(path, ["police.uk street-level files are CSV"])
    columns = _columns_struct(path, read_header(path))
    scan = scan_records(path)  # the file's own count of its rows, and its checksum, in one pass
    start = begin_file(
        con, path, NAME, name=name, display=display, synthetic=ctx.synthetic, sha256=scan.sha256
    )
    if start.result is not None:
        return start.result
    try:
        with without_oversized(path, scan) as readable:
            malformed = _read_into_temp(con, readable, columns, shown=path)
        _check_count(con, path, scan, malformed=malformed)
        _set_aside(con, scan)
        with _any_insertion_order(con), transaction(con):
            return _write_file(con, start, ctx, malformed=malformed, scan=scan, run_id=run_id, source=path)
    finally:
        _drop_temp_objects(con)


@contextmanager
def _any_insertion_order(con: duckdb.DuckDBPyConnection) -> Iterator[None]:
    """Let DuckDB write rows in the order its threads finish them, not in file order.

    Every row carries its row number, so nothing depends on the order rows are stored
    in; keeping it costs a third of the staging pass on a file of ten million rows. The
    file itself is read in order (its rowids number the rows) before this applies.
    """
    row = con.execute("SELECT current_setting('preserve_insertion_order')").fetchone()
    con.execute("SET preserve_insertion_order = false")
    try:
        yield
    finally:
        con.execute(f"SET preserve_insertion_order = {bool(row and row[0])}")


def _write_file(
    con: duckdb.DuckDBPyConnection,
    start: FileStart,
    ctx: Context,
    *,
    malformed: int,
    scan: RecordScan,
    run_id: str | None,
    source: Path,
) -> FileLoad:
    """Write the parsed file (inside its transaction): raw, staging, quarantine, ledger.

    Rows in are the file's own count of its records (``scan``), so a row no reader
    returned can only be a reject, never missing.
    """
    skipped = bool(scan.oversized)
    _insert_raw(con, start.sha256, malformed=malformed, skipped=skipped)
    file = {"sha256": start.sha256}
    con.execute(sql_text("staging/policeuk_months.sql"), {**file, "now": ctx.now})
    con.execute(sql_text("staging/policeuk_types.sql"), file)
    con.execute(sql_text("staging/policeuk_points.sql"), {**file, **ENVELOPE})
    con.execute(sql_text("staging/policeuk_checked.sql"))
    con.execute(sql_text("staging/policeuk_staged.sql"), file)
    _insert_rejects(con, start, malformed=malformed, skipped=skipped)
    _reject_oversized(con, start, scan, source)
    if start.superseding:
        con.execute(
            f"CREATE OR REPLACE TEMP TABLE puk_keys AS SELECT event_id FROM {STAGING_TABLE}"  # noqa: S608
            " WHERE file_sha256 = ?",
            [start.sha256],
        )
        start.confirm_reissues(con, STAGING_TABLE, "puk_keys")
        start.supersede(con, STAGING_TABLE, None)
    duplicate = _remove_duplicates(con, start)
    counts = con.execute(
        f"""
        SELECT (SELECT count(*) FROM {RAW_TABLE} WHERE file_sha256 = $sha256),
               count(*), count(*) FILTER (WHERE lon IS NULL), count(coordinate_repair)
        FROM {STAGING_TABLE} WHERE file_sha256 = $sha256
        """,  # noqa: S608 (module constants)
        file,
    ).fetchone()
    assert counts is not None
    reasons = dict(
        con.execute(
            "SELECT reason, count(*) FROM ops.rejects WHERE file_sha256 = ? GROUP BY 1", [start.sha256]
        ).fetchall()
    )
    load_result = FileLoad(
        path=start.display,
        source=NAME,
        sha256=start.sha256,
        status="loaded",
        rows_in=scan.records,
        staged=counts[1],
        rejected=sum(reasons.values()),
        duplicate=duplicate,
        unlocated=counts[2],
        repaired=counts[3],
        rejects_by_reason=reasons,
    )
    finish_file(con, start, load_result, run_id=run_id)
    return load_result


def _reject_oversized(con: duckdb.DuckDBPyConnection, start: FileStart, scan: RecordScan, path: Path) -> None:
    """Quarantine the records too long to read, with their first characters as the raw row."""
    label = Path(start.display).name
    rows = []
    with open(path, "rb") as handle:
        for record in scan.oversized:
            handle.seek(record.start)
            opening = handle.read(200).decode("utf-8", errors="replace")
            rows.append(
                [
                    start.sha256,
                    NAME,
                    start.display,
                    record.row_number,
                    "(row)",
                    "malformed_row",
                    f"{label} row {record.row_number}: the record is {record.length:,} bytes, longer than"
                    f" the {MAX_RECORD_BYTES:,} a row may be; set aside unread",
                    json.dumps({"bytes": record.length, "starts_with": opening}),
                ]
            )
    if rows:
        con.executemany("INSERT INTO ops.rejects VALUES (?, ?, ?, ?, ?, ?, ?, ?)", rows)


def _insert_rejects(
    con: duckdb.DuckDBPyConnection, start: FileStart, *, malformed: int, skipped: bool
) -> None:
    """Quarantine the rows that failed a check and the malformed lines, with the raw row.

    Rows fail only through a failing distinct value, so a file whose values all pass (the
    usual case) is not read again.
    """
    params = {
        "sha256": start.sha256,
        "source": NAME,
        "path": start.display,
        "prefix": f"{Path(start.display).name} row ",
    }
    failing = con.execute(
        "SELECT (SELECT count(*) FROM puk_months WHERE reason IS NOT NULL)"
        " + (SELECT count(*) FROM puk_types WHERE crime_type_clean IS NULL)"
        " + (SELECT count(*) FROM puk_points WHERE reason IS NOT NULL)"
    ).fetchone()
    if failing and failing[0]:
        json_pairs = ", ".join(f"{_sql_string(h)}, {quote_identifier(c)}" for h, c in COLUMNS.items())
        con.execute(
            f"""
            INSERT INTO ops.rejects
            SELECT $sha256, $source, $path, row_number, field, reason,
                   $prefix || row_number || ', field ' || field || ': ' || message,
                   json_object({json_pairs})
            FROM puk_checked($sha256) WHERE reason IS NOT NULL
            """,  # noqa: S608 (quoted identifiers and literals)
            params,
        )
    if malformed:
        con.execute(
            """
            INSERT INTO ops.rejects
            SELECT $sha256, $source, $path, {row}::INTEGER, coalesce(column_name, '(row)'),
                   'malformed_row', $prefix || {row} || ': ' || error_message,
                   json_object('line', csv_line)
            FROM (SELECT DISTINCT ON (line) * FROM puk_errors ORDER BY line, column_idx)
            """.format(row=_in_file("line - 1", skipped)),  # noqa: S608 (SQL of our own)
            params,
        )


def _remove_duplicates(con: duckdb.DuckDBPyConnection, start: FileStart) -> int:
    """Unstage this file's rows whose key is a repeat (see policeuk_duplicates.sql); return how many."""
    con.execute(sql_text("staging/policeuk_duplicates.sql"), {"sha256": start.sha256})
    row = con.execute("SELECT count(*) FROM puk_dup").fetchone()
    duplicate = int(row[0]) if row else 0
    if duplicate:
        con.execute(
            f"DELETE FROM {STAGING_TABLE} WHERE file_sha256 = ?"  # noqa: S608 (module constant)
            " AND row_number IN (SELECT row_number FROM puk_dup)",
            [start.sha256],
        )
    return duplicate


def _drop_temp_objects(con: duckdb.DuckDBPyConnection) -> None:
    con.execute("DROP MACRO TABLE IF EXISTS puk_checked")
    for table in (
        "puk_in",
        "puk_months",
        "puk_types",
        "puk_points",
        "puk_keys",
        "puk_dup",
        "puk_bad_rows",
        "puk_errors",
        "puk_scans",
        "puk_skipped",
    ):
        con.execute(f"DROP TABLE IF EXISTS {table}")
