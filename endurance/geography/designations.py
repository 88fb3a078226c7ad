"""Load the force's neighbourhood-policing designation of each ward.

Each ward is designated Strengthen, Support or Sustain for a period, or not designated.
The force fills ``geodata/ward_designations_template.csv`` (every ward of a vintage,
designation blank) and loads it; exports and briefings then show the designation in
force for each ward. A file is checked whole before anything is stored, and every
problem is reported by row number so it can be fixed in one pass.
"""

from __future__ import annotations

import csv
from dataclasses import dataclass
from datetime import date
from pathlib import Path

import duckdb

from endurance._errors import InputError
from endurance._files import sha256_file
from endurance.warehouse import transaction

#: The template the force fills with its ward designations.
DESIGNATIONS_TEMPLATE = Path(__file__).resolve().parents[2] / "geodata" / "ward_designations_template.csv"

#: Neighbourhood-policing designations, in the force's spelling.
DESIGNATIONS = ("Strengthen", "Support", "Sustain")
DESIGNATION_COLUMNS = (
    "ward_code",
    "ward_name",
    "vintage",
    "designation",
    "effective_from",
    "effective_to",
    "note",
)


@dataclass(frozen=True)
class DesignationLoad:
    """What :func:`load_designations` stored."""

    path: str
    vintages: tuple[str, ...]
    designated: int
    not_designated: int


#: One designation to store: vintage, ward code, designation, from, to, note, row number.
_Record = tuple[str, str, str, date, date | None, str, int]


def _parse_date(value: str, row: int, column: str, problems: list[str]) -> date | None:
    """Return ``value`` as a date, or note the problem and return None."""
    try:
        return date.fromisoformat(value)
    except ValueError:
        problems.append(f"row {row}: {column} {value!r} is not an ISO date (YYYY-MM-DD)")
        return None


def load_designations(con: duckdb.DuckDBPyConnection, path: Path) -> DesignationLoad:
    """Validate a ward designation CSV and store it in ``geo.ward_designations``.

    The file has the columns of ``geodata/ward_designations_template.csv``. A row with
    a blank designation means "not designated" and is not stored. ``effective_to`` is
    the last day a designation is in force (inclusive); blank means still in force.
    Loading replaces every stored designation of the vintages the file names.

    Raises
    ------
    InputError
        Naming the file and listing every problem by row number (the header is row 1):
        unknown ward code for the vintage, a designation other than Strengthen, Support
        or Sustain (any case), dates not ``YYYY-MM-DD``, ``effective_to`` not after
        ``effective_from``, overlapping periods for one ward.
    """
    path = Path(path)
    rows = _read_rows(path)
    wards = _ward_codes(con)
    problems: list[str] = []
    records: list[_Record] = []
    vintages: set[str] = set()
    blank = 0
    for number, raw in enumerate(rows, start=2):
        row = {k: (raw.get(k) or "").strip() for k in DESIGNATION_COLUMNS}
        vintages.add(row["vintage"])
        problems += _ward_problems(row, number, wards)
        if not row["designation"]:
            blank += 1
            continue
        record = _record(row, number, problems)
        if record:
            records.append(record)
    problems += _overlaps(records)
    if problems:
        raise InputError(path, problems)
    covered = sorted(vintages)
    _store(con, path, records, covered)
    return DesignationLoad(str(path), tuple(covered), len(records), blank)


def _read_rows(path: Path) -> list[dict[str, str]]:
    """Return the rows of the CSV at ``path``, refusing an unreadable file or missing columns."""
    try:
        with open(path, newline="", encoding="utf-8-sig") as handle:
            reader = csv.DictReader(handle)
            header = list(reader.fieldnames or [])
            rows = list(reader)
    except (OSError, UnicodeDecodeError, csv.Error) as exc:
        raise InputError(path, [f"cannot be read as a UTF-8 CSV: {exc}"]) from exc
    missing = [c for c in DESIGNATION_COLUMNS if c not in header]
    if missing:
        raise InputError(path, [f"missing column(s) {missing}; expected {list(DESIGNATION_COLUMNS)}"])
    return rows


def _ward_codes(con: duckdb.DuckDBPyConnection) -> dict[str, set[str]]:
    """Return the loaded ward codes of each vintage."""
    wards: dict[str, set[str]] = {}
    for vintage, code in con.execute("SELECT vintage, ward_code FROM geo.wards").fetchall():
        wards.setdefault(vintage, set()).add(code)
    return wards


def _ward_problems(row: dict[str, str], number: int, wards: dict[str, set[str]]) -> list[str]:
    """Return what is wrong with a row's vintage and ward code, given the loaded wards."""
    vintage, code = row["vintage"], row["ward_code"]
    if not vintage:
        return [f"row {number}: vintage is empty"]
    if vintage not in wards:
        return [f"row {number}: no wards of vintage {vintage!r} are loaded"]
    if code not in wards[vintage]:
        return [f"row {number}: {code!r} is not a ward code of vintage {vintage}"]
    return []


def _record(row: dict[str, str], number: int, problems: list[str]) -> _Record | None:
    """Return a designated row as a record to store, noting its designation and date problems.

    None when the designation or its start cannot be read.
    """
    designation = next((d for d in DESIGNATIONS if d.lower() == row["designation"].lower()), None)
    if designation is None:
        problems.append(
            f"row {number}: designation {row['designation']!r} is not one of {', '.join(DESIGNATIONS)}"
        )
    start = end = None
    if not row["effective_from"]:
        problems.append(f"row {number}: effective_from is empty for a designated ward")
    else:
        start = _parse_date(row["effective_from"], number, "effective_from", problems)
    if row["effective_to"]:
        end = _parse_date(row["effective_to"], number, "effective_to", problems)
    if start and end and end <= start:
        problems.append(f"row {number}: effective_to {end} is not after effective_from {start}")
    if designation and start:
        return (row["vintage"], row["ward_code"], designation, start, end, row["note"], number)
    return None


def _overlaps(records: list[_Record]) -> list[str]:
    """Return a problem for each two periods of one ward that overlap, by ward."""
    by_ward: dict[tuple[str, str], list[tuple[date, date | None, int]]] = {}
    for vintage, code, _, start, end, _, number in records:
        by_ward.setdefault((vintage, code), []).append((start, end, number))
    problems = []
    for (vintage, code), periods in sorted(by_ward.items()):
        periods.sort()
        for (_, end_a, row_a), (start_b, _, row_b) in zip(periods, periods[1:], strict=False):
            if end_a is None or start_b <= end_a:
                problems.append(f"rows {row_a} and {row_b}: periods for ward {code} ({vintage}) overlap")
    return problems


def _store(con: duckdb.DuckDBPyConnection, path: Path, records: list[_Record], covered: list[str]) -> None:
    """Replace the stored designations of the ``covered`` vintages with ``records``, in one transaction."""
    digest = sha256_file(path)
    with transaction(con):
        for vintage in covered:
            con.execute("DELETE FROM geo.ward_designations WHERE vintage = ?", [vintage])
            con.execute("DELETE FROM geo.layers WHERE kind = 'designation' AND vintage = ?", [vintage])
        if records:
            con.executemany(
                "INSERT INTO geo.ward_designations VALUES (?, ?, ?, ?, ?, ?, ?)",
                [[v, c, d, s, e, note, str(path.resolve())] for v, c, d, s, e, note, _ in records],
            )
        for vintage in covered:
            count = sum(1 for r in records if r[0] == vintage)
            con.execute(
                "INSERT INTO geo.layers VALUES ('designation', ?, ?, ?, ?, now()::TIMESTAMP)",
                [vintage, str(path.resolve()), digest, count],
            )
