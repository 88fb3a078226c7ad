"""Reading partner exports (CSV, XLSX, JSON lines) into text frames, with column mappings.

Every reader returns the same thing: a frame of text cells named by the source's raw
column names, with ``row_number`` (1 = the first record after the header), plus the
records that could not be parsed as a row at all (a ragged CSV line, a JSON line that
is not an object), so the loader can reject them with a reason and nothing is lost.
Problems with the file as a whole (no header, missing columns, undecodable bytes) are
collected and raised together in one ``InputError`` naming the file.

A column mapping (YAML) lets a force load its own export without code::

    source: incident_log          # optional: which source the file is
    columns:                      # our column name: the export's column name
      Incident Ref: Log Number
      Created: Date/Time Created
"""

from __future__ import annotations

import csv
import io
import json
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd
import yaml

from endurance._errors import InputError

ENCODINGS = ("utf-8-sig", "cp1252")
CSV_SUFFIXES = (".csv",)
XLSX_SUFFIXES = (".xlsx", ".xlsm")
JSONL_SUFFIXES = (".jsonl", ".ndjson")
TABLE_SUFFIXES = CSV_SUFFIXES + XLSX_SUFFIXES + JSONL_SUFFIXES


@dataclass(frozen=True)
class ColumnMapping:
    """Our column names mapped to the names a partner's export uses."""

    columns: dict[str, str]
    source: str | None = None

    @classmethod
    def from_yaml(cls, path: Path) -> ColumnMapping:
        """Read a mapping file; every problem in it is reported at once."""
        try:
            data = yaml.safe_load(Path(path).read_text(encoding="utf-8"))
        except (OSError, UnicodeDecodeError, yaml.YAMLError) as exc:
            raise InputError(path, [f"not a readable YAML file: {exc}"]) from exc
        problems = []
        if not isinstance(data, dict) or not isinstance(data.get("columns"), dict):
            raise InputError(path, ["expected a mapping with a 'columns:' section"])
        columns = {}
        for ours, theirs in data["columns"].items():
            if not isinstance(ours, str) or not isinstance(theirs, str):
                problems.append(f"column {ours!r}: {theirs!r} must map a name to a name")
            else:
                columns[ours.strip()] = theirs.strip()
        shared: dict[str, list[str]] = {}
        for mine, theirs in columns.items():
            shared.setdefault(theirs, []).append(mine)
        problems += [
            f"{' and '.join(map(repr, ours))} are {'both' if len(ours) == 2 else 'all'} mapped to the"
            f" export's column {theirs!r}: "
            "a column of the export can stand for one of ours only"
            for theirs, ours in shared.items()
            if len(ours) > 1
        ]
        source = data.get("source")
        if source is not None and not isinstance(source, str):
            problems.append(f"source must be a name, got {source!r}")
        unknown = set(data) - {"columns", "source"}
        problems += [f"unknown key {key!r} (allowed: source, columns)" for key in sorted(unknown)]
        if problems:
            raise InputError(path, problems)
        return cls(columns, source)

    def problems(self, header: list[str], columns: list[str]) -> list[str]:
        """Return what is wrong with this mapping for a file with ``header``, read as ``columns``."""
        found = []
        for mine, theirs in self.columns.items():
            if mine not in columns:
                found.append(
                    f"the mapping names {mine!r}, which is not one of our columns for this file "
                    f"({', '.join(columns)})"
                )
            elif theirs not in header:
                found.append(
                    f"the mapping maps {mine!r} to {theirs!r}, which is not a column of the file "
                    f"(its columns: {', '.join(header)})"
                )
        return found

    def rename(self, header: list[str]) -> list[str]:
        """Return ``header`` with the export's names replaced by ours."""
        ours = {theirs: mine for mine, theirs in self.columns.items()}
        return [ours.get(name, name) for name in header]


@dataclass
class Table:
    """What a reader returns."""

    frame: pd.DataFrame
    malformed: list[tuple[int, str, str]] = field(default_factory=list)  # row, message, raw text


def decode(path: Path, data: bytes) -> str:
    """Decode an export as UTF-8 (with or without BOM) or Windows-1252."""
    for encoding in ENCODINGS:
        try:
            return data.decode(encoding)
        except UnicodeDecodeError:
            continue
    raise InputError(path, [f"not readable as any of {', '.join(ENCODINGS)}"])


def _refuse_empty_or_binary(path: Path, start: bytes) -> None:
    """Say plainly that a text file is empty or binary, rather than naming the closest source."""
    if not start.strip():
        raise InputError(path, ["the file is empty (no header row): nothing to load"])
    if b"\0" in start:  # no CSV export holds a NUL byte; images, archives and databases do
        raise InputError(path, ["the file is binary, not a CSV text export: nothing to load"])


def read_header(path: Path, mapping: ColumnMapping | None = None) -> list[str]:
    """Return the column names of a file (after mapping), whatever its format."""
    suffix = path.suffix.lower()
    if suffix in XLSX_SUFFIXES:
        header = [str(c).strip() for c in _excel_rows(path, nrows=1).columns]
    elif suffix in JSONL_SUFFIXES:
        header = _jsonl_keys(path, limit=50)
    else:
        with open(path, "rb") as handle:
            start = handle.read(8192)
        _refuse_empty_or_binary(path, start)
        first = start.split(b"\n", 1)[0]
        try:
            header = [h.strip() for h in next(csv.reader([decode(path, first).strip("\r\n")]), [])]
        except csv.Error as exc:
            raise InputError(path, [f"the header row cannot be read: {exc}"]) from exc
    return mapping.rename(header) if mapping else header


def read_table(path: Path, columns: dict[str, str], *, mapping: ColumnMapping | None = None) -> Table:
    """Read ``path`` as text cells named by ``columns`` (file header -> raw name)."""
    suffix = path.suffix.lower()
    if suffix in XLSX_SUFFIXES:
        header, records, malformed = _xlsx_records(path)
    elif suffix in JSONL_SUFFIXES:
        header, records, malformed = _jsonl_records(path)
    elif suffix in CSV_SUFFIXES:
        header, records, malformed = _csv_records(path)
    else:
        raise InputError(path, [f"unknown file type {suffix!r}; expected one of {', '.join(TABLE_SUFFIXES)}"])
    problems = mapping.problems(header, list(columns)) if mapping else []
    explained = {
        mine for mine, theirs in (mapping.columns.items() if mapping else ()) if theirs not in header
    }
    if mapping:
        header = mapping.rename(header)
    problems += [
        f"missing column {name!r}" for name in columns if name not in header and name not in explained
    ]
    seen: dict[str, int] = {}
    for name in header:
        seen[name] = seen.get(name, 0) + 1
    problems += [f"column {name!r} appears more than once" for name, n in seen.items() if n > 1 and name]
    if problems:
        raise InputError(path, problems)
    index = [header.index(name) for name in columns]
    numbers = [number for number, _ in records]
    cells = [[row[i] if i < len(row) else "" for i in index] for _, row in records]
    frame = pd.DataFrame(cells, columns=list(columns.values()), dtype=object).fillna("").astype(str)
    frame.insert(0, "row_number", np.asarray(numbers, dtype=np.int32))
    return Table(frame, malformed)


def _csv_records(path: Path) -> tuple[list[str], list[tuple[int, list[str]]], list[tuple[int, str, str]]]:
    text = decode(path, path.read_bytes())
    lines = io.StringIO(text, newline="")
    reader = csv.reader(lines)
    try:
        header = [h.strip() for h in next(reader)]
    except StopIteration:
        raise InputError(path, ["the file is empty (no header row)"]) from None
    except csv.Error as exc:
        raise InputError(path, [f"the header row cannot be read: {exc}"]) from exc
    records: list[tuple[int, list[str]]] = []
    malformed: list[tuple[int, str, str]] = []
    number = 0
    while True:
        start = reader.line_num
        try:
            row = next(reader)
        except StopIteration:
            break
        except csv.Error as exc:
            number += 1
            malformed.append((number, f"cannot be parsed as CSV ({exc})", f"line {start + 1}"))
            continue
        if not row or all(cell == "" for cell in row) and len(row) <= 1:
            continue  # blank line
        number += 1
        if len(row) != len(header):
            malformed.append((number, f"has {len(row)} fields, the header has {len(header)}", ",".join(row)))
        else:
            records.append((number, row))
    return header, records, malformed


def _excel_rows(path: Path, nrows: int | None = None) -> pd.DataFrame:
    try:
        return pd.read_excel(path, dtype=str, nrows=nrows, keep_default_na=False)
    except Exception as exc:  # openpyxl raises many types for a damaged workbook
        raise InputError(path, [f"not a readable Excel workbook: {type(exc).__name__}: {exc}"]) from exc


def _xlsx_records(path: Path) -> tuple[list[str], list[tuple[int, list[str]]], list[tuple[int, str, str]]]:
    sheet = _excel_rows(path)
    header = [str(c).strip() for c in sheet.columns]
    records = []
    number = 0
    for row in sheet.itertuples(index=False):
        values = ["" if v is None else str(v) for v in row]
        if all(v.strip() == "" for v in values):
            continue  # trailing blank rows in a workbook are not records
        number += 1
        records.append((number, values))
    return header, records, []


def _jsonl_lines(path: Path) -> list[str]:
    # JSON Lines records end at "\n" only; str.splitlines would also split on form feeds
    # and Unicode separators that may sit inside a record.
    return [line.removesuffix("\r") for line in decode(path, path.read_bytes()).split("\n")]


def _jsonl_keys(path: Path, limit: int | None = None) -> list[str]:
    keys: list[str] = []
    for line in _jsonl_lines(path)[:limit]:
        try:
            record = json.loads(line)
        except ValueError:
            continue
        if isinstance(record, dict):
            keys += [k.strip() for k in record if k.strip() not in keys]
    return keys


def _jsonl_records(path: Path) -> tuple[list[str], list[tuple[int, list[str]]], list[tuple[int, str, str]]]:
    header = _jsonl_keys(path)
    if not header:
        raise InputError(path, ["no JSON object found on any line"])
    records = []
    malformed = []
    number = 0
    for line in _jsonl_lines(path):
        if not line.strip():
            continue
        number += 1
        try:
            record = json.loads(line)
        except ValueError as exc:
            malformed.append((number, f"is not valid JSON ({exc})", line[:2000]))
            continue
        if not isinstance(record, dict):
            malformed.append((number, "is not a JSON object", line[:2000]))
            continue
        cleaned = {str(k).strip(): v for k, v in record.items()}
        records.append((number, ["" if cleaned.get(h) is None else str(cleaned.get(h)) for h in header]))
    return header, records, malformed
