"""data.police.uk street-level CSVs: one file per force per month, at national scale.

police.uk has no off-road-bike category, so these rows are context (antisocial
behaviour and crime around the operation's hotspots), kept apart from the
operation's own incidents.

A national download runs to tens of millions of rows, so this source is loaded inside
DuckDB rather than row by row in Python: the file is read with ``read_csv`` (every
column as text, malformed lines captured with their line number), typed and validated
in one SQL pass (``endurance/sql/staging/policeuk_typed.sql``), reprojected with the
spatial extension, and written to raw, staging and the quarantine in one transaction.

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

from pathlib import Path

import duckdb

from endurance._errors import InputError
from endurance.sources._common import Context, FileLoad
from endurance.sources._loading import begin_file, finish_file
from endurance.sources._readers import ColumnMapping, read_header
from endurance.warehouse import quote_identifier, sql_text, transaction

NAME = "policeuk_street"
RAW_TABLE = "raw.policeuk_street"
STAGING_TABLE = "staging.stg_policeuk_street"
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
    """The ``columns`` argument for read_csv: the file's own order, our raw names."""
    missing = [name for name in COLUMNS if name not in header]
    if missing:
        raise InputError(path, [f"missing column {name!r}" for name in missing])
    names = [COLUMNS.get(h, f"extra_{i}") for i, h in enumerate(header)]
    return "{" + ", ".join(f"{_sql_string(n)}: 'VARCHAR'" for n in names) + "}"


def _sql_string(text: str) -> str:
    return "'" + text.replace("'", "''") + "'"


def _read_into_temp(con: duckdb.DuckDBPyConnection, path: Path, columns: str) -> None:
    """Read the file into temp table puk_in and its malformed lines into puk_errors."""
    for encoding in ("utf-8", "latin-1"):
        options = (
            f"header = true, columns = {columns}, auto_detect = false, delim = ',', quote = '\"', "
            f"escape = '\"', encoding = {_sql_string(encoding)}, store_rejects = true, "
            "rejects_table = 'puk_errors', rejects_scan = 'puk_scans'"
        )
        read = f"CREATE OR REPLACE TEMP TABLE puk_in AS SELECT * FROM read_csv(?, {options})"  # noqa: S608
        try:
            con.execute(read, [str(path)])
        except duckdb.InvalidInputException as exc:  # e.g. bytes no encoding can read
            if encoding == "latin-1":
                raise InputError(path, [f"cannot be read as CSV: {exc}"]) from exc
            continue
        bad_encoding = con.execute(
            "SELECT count(*) FROM puk_errors WHERE error_type = 'INVALID ENCODING'"
        ).fetchone()
        if not bad_encoding or bad_encoding[0] == 0:
            return
    raise InputError(path, ["not readable as UTF-8 or Windows-1252/Latin-1"])


def _number_rows(con: duckdb.DuckDBPyConnection) -> int:
    """Give each parsed row its data row number (1 = first row after the header), as view puk_numbered.

    DuckDB keeps file order in the temp table; malformed lines are missing from it, so
    the k-th good row is the k-th row number not taken by a malformed one. A file with
    no malformed line (the usual case) needs no lookup: its k-th row is row k.
    """
    con.execute(
        "CREATE OR REPLACE TEMP TABLE puk_bad_rows AS SELECT DISTINCT (line - 1)::INTEGER AS row_number"
        " FROM puk_errors ORDER BY 1"
    )
    row = con.execute("SELECT count(*) FROM puk_bad_rows").fetchone()
    malformed = int(row[0]) if row else 0
    if not malformed:
        con.execute(
            "CREATE OR REPLACE TEMP VIEW puk_numbered AS"
            " SELECT rowid AS seq, (rowid + 1)::INTEGER AS row_number, * FROM puk_in"
        )
        return 0
    con.execute(
        """
        CREATE OR REPLACE TEMP TABLE puk_row_numbers AS
        WITH bad AS (SELECT row_number, row_number() OVER (ORDER BY row_number) AS j FROM puk_bad_rows),
             good AS (SELECT rowid AS seq, rowid + 1 AS k FROM puk_in)
        SELECT seq, (k + (SELECT count(*) FROM bad WHERE bad.row_number - bad.j < good.k))::INTEGER
               AS row_number
        FROM good
        """
    )
    con.execute(
        "CREATE OR REPLACE TEMP VIEW puk_numbered AS SELECT n.seq, n.row_number, i.*"
        " FROM (SELECT rowid AS seq, * FROM puk_in) AS i JOIN puk_row_numbers AS n USING (seq)"
    )
    return malformed


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
    start = begin_file(con, path, NAME, name=name, display=display)
    if start.result is not None:
        return start.result
    _read_into_temp(con, path, columns)
    malformed = _number_rows(con)
    params = {"now": ctx.now, **ENVELOPE}
    con.execute(sql_text("staging/policeuk_typed.sql"), params)
    start.confirm_reissues(con, STAGING_TABLE, "puk_typed")
    # The parsed file is no longer needed: puk_typed carries every raw cell.
    con.execute("DROP VIEW puk_numbered; DROP TABLE puk_in; DROP TABLE IF EXISTS puk_row_numbers")
    # Only the duplicate rows are kept (usually none): a key repeated in this file after
    # its first row, or already staged from another current file. Repeats are looked for
    # among 64-bit hashes first, which groups ten million keys far faster than the text.
    con.execute(
        f"""
        CREATE OR REPLACE TEMP TABLE puk_dup AS
        WITH valid AS (SELECT seq, event_id, hash(event_id) AS h FROM puk_typed WHERE reason IS NULL),
             collided AS (SELECT h FROM valid GROUP BY h HAVING count(*) > 1),
             repeated AS (SELECT event_id, min(seq) AS first_seq FROM valid SEMI JOIN collided USING (h)
                          GROUP BY event_id HAVING count(*) > 1)
        SELECT seq FROM valid JOIN repeated USING (event_id) WHERE seq > first_seq
        UNION
        SELECT seq FROM valid
        WHERE event_id IN (SELECT event_id FROM {STAGING_TABLE}
                           WHERE file_sha256 NOT IN (SELECT unnest(?::VARCHAR[])))
        """,  # noqa: S608 (module constant)
        [start.superseding],
    )
    raw_cols = ", ".join(quote_identifier(c) for c in RAW_COLUMNS)
    json_pairs = ", ".join(f"{_sql_string(h)}, {quote_identifier(c)}" for h, c in COLUMNS.items())
    with transaction(con):
        start.supersede(con, STAGING_TABLE, None)
        con.execute(
            f"INSERT INTO {RAW_TABLE} SELECT ?, row_number, {raw_cols} FROM puk_typed",  # noqa: S608
            [start.sha256],
        )
        con.execute(
            f"""
            INSERT INTO {STAGING_TABLE}
            SELECT t.event_id, ?, t.row_number, t.crime_id_clean, t.month_ts::DATE, t.reported_by,
                   t.falls_within, t.lon, t.lat, t.x, t.y, t.coordinate_repair,
                   t.location, t.lsoa_code, t.lsoa_name, t.crime_type_clean,
                   t.last_outcome_category, t.context
            FROM puk_typed AS t ANTI JOIN puk_dup AS d USING (seq)
            WHERE t.reason IS NULL
            """,  # noqa: S608 (module constant)
            [start.sha256],
        )
        prefix = f"{Path(start.display).name} row "
        con.execute(
            f"""
            INSERT INTO ops.rejects
            SELECT ?, ?, ?, row_number, field, reason,
                   ? || row_number || ', field ' || field || ': ' || message,
                   json_object({json_pairs})
            FROM puk_typed WHERE reason IS NOT NULL
            UNION ALL
            SELECT ?, ?, ?, (line - 1)::INTEGER, coalesce(column_name, '(row)'), 'malformed_row',
                   ? || (line - 1) || ': ' || error_message,
                   json_object('line', csv_line)
            FROM (SELECT DISTINCT ON (line) * FROM puk_errors ORDER BY line, column_idx)
            """,  # noqa: S608 (quoted identifiers and literals)
            [start.sha256, NAME, start.display, prefix, start.sha256, NAME, start.display, prefix],
        )
        counts = con.execute(
            """
            SELECT count(*),
                   count(*) FILTER (WHERE t.reason IS NULL AND d.seq IS NULL),
                   count(*) FILTER (WHERE t.reason IS NOT NULL),
                   count(d.seq),
                   count(*) FILTER (WHERE t.reason IS NULL AND d.seq IS NULL AND t.lon IS NULL),
                   count(*) FILTER (WHERE t.reason IS NULL AND d.seq IS NULL
                                    AND t.coordinate_repair IS NOT NULL)
            FROM puk_typed AS t LEFT JOIN puk_dup AS d USING (seq)
            """
        ).fetchone()
        assert counts is not None
        reasons = dict(
            con.execute(
                "SELECT reason, count(*) FROM puk_typed WHERE reason IS NOT NULL GROUP BY 1"
            ).fetchall()
        )
        if malformed:
            reasons["malformed_row"] = malformed
        load_result = FileLoad(
            path=start.display,
            source=NAME,
            sha256=start.sha256,
            status="loaded",
            rows_in=counts[0] + malformed,
            staged=counts[1],
            rejected=counts[2] + malformed,
            duplicate=counts[3],
            unlocated=counts[4],
            repaired=counts[5],
            rejects_by_reason=reasons,
        )
        finish_file(con, start, load_result, run_id=run_id)
    con.execute("DROP VIEW IF EXISTS puk_numbered")
    for table in ("puk_in", "puk_typed", "puk_dup", "puk_row_numbers", "puk_bad_rows"):
        con.execute(f"DROP TABLE IF EXISTS {table}")
    con.execute("DROP TABLE IF EXISTS puk_errors; DROP TABLE IF EXISTS puk_scans")
    return load_result
