"""Writing one input file into the warehouse: raw, staging, quarantine, reconciled.

Every file goes through the same steps, in one transaction so a crash mid-file
leaves the warehouse as it was:

1. checksum: a file whose sha256 was loaded before is not read again;
2. re-issue: a file with the same name and source as an earlier one, different
   content, and at least half of the earlier file's natural keys, is a corrected
   re-issue (police.uk republishes a month under the same name; a control room
   re-exports a day). The earlier file's staged rows (and their attribution) are
   removed and it is marked ``superseded_by`` the new one; its raw rows stay, for
   lineage. A daily export that reuses a name but holds other incidents shares no
   keys with the earlier one, so both are kept;
3. raw rows as received, staged rows, restricted text, rejects with file, row, field,
   reason and the raw row;
4. duplicates: a natural key seen twice in the file, or already staged from another
   current file, is counted as a duplicate, not staged again;
5. reconciliation: ``rows in = staged + rejected + duplicate``, recorded in ``ops.files``.
"""

from __future__ import annotations

import json
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import duckdb
import numpy as np
import pandas as pd

from endurance._errors import ReconcileError
from endurance._files import sha256_file
from endurance.sources._common import Context, FileLoad, Reject, Source, first_reject_per_row
from endurance.sources._readers import ColumnMapping, Table, read_table
from endurance.warehouse import quote_table, transaction

#: Tables of what attribution derived from a staged event, keyed by its event_id.
ATTRIBUTION_TABLES = (
    "staging.event_wards",
    "staging.event_lsoas",
    "staging.event_force_areas",
    "staging.event_hotspots",
)
#: Share of an earlier same-named file's keys that must reappear for a re-issue.
REISSUE_OVERLAP = 0.5


@dataclass
class FileStart:
    """What is known about a file before its rows are read."""

    sha256: str
    source: str
    display: str  # how messages and ops.files name it (may be archive.zip!/member)
    name: str  # its identity across re-issues: the file name
    size_bytes: int
    superseding: list[str] = field(default_factory=list)
    result: FileLoad | None = None
    synthetic: bool = False  # a file of the synthetic demo: outputs drawn from it say so

    def confirm_reissues(self, con: duckdb.DuckDBPyConnection, staging: str, new_keys: str) -> None:
        """Keep as superseded only the same-named files whose keys mostly reappear.

        ``new_keys`` names a relation (table or registered frame) with this file's event_id.
        """
        confirmed = []
        for old in self.superseding:
            row = con.execute(
                f"SELECT count(*), count(n.event_id) FROM {quote_table(staging)} AS o"  # noqa: S608
                f" LEFT JOIN (SELECT DISTINCT event_id FROM {new_keys}) AS n USING (event_id)"
                " WHERE o.file_sha256 = ?",
                [old],
            ).fetchone()
            if row and row[0] and row[1] >= REISSUE_OVERLAP * row[0]:
                confirmed.append(old)
        self.superseding = confirmed

    @property
    def already_loaded(self) -> bool:
        return self.result is not None

    def supersede(self, con: duckdb.DuckDBPyConnection, staging: str, restricted: str | None) -> None:
        """Remove the staged rows of the files this one re-issues (inside the load transaction)."""
        if not self.superseding:
            return
        old = (
            f"SELECT event_id FROM {quote_table(staging)}"  # noqa: S608 (quoted)
            " WHERE file_sha256 IN (SELECT unnest(?::VARCHAR[]))"
        )
        for table in (*ATTRIBUTION_TABLES, restricted):
            if table:
                con.execute(
                    f"DELETE FROM {quote_table(table)} WHERE event_id IN ({old})",  # noqa: S608
                    [self.superseding],
                )
        con.execute(
            f"DELETE FROM {quote_table(staging)} WHERE file_sha256 IN (SELECT unnest(?::VARCHAR[]))",  # noqa: S608
            [self.superseding],
        )
        con.execute(
            "UPDATE ops.files SET superseded_by = ? WHERE sha256 IN (SELECT unnest(?::VARCHAR[]))",
            [self.sha256, self.superseding],
        )


def begin_file(
    con: duckdb.DuckDBPyConnection,
    path: Path,
    source: str,
    *,
    name: str | None = None,
    display: str | None = None,
    synthetic: frozenset[str] = frozenset(),
    sha256: str | None = None,
) -> FileStart:
    """Checksum ``path`` and find out whether it is new, a repeat, or a re-issue.

    ``synthetic`` holds the checksums of the synthetic demo's files; ``sha256`` is the
    file's checksum when the caller has already read it.
    """
    digest = sha256 or sha256_file(path)
    start = FileStart(digest, source, display or str(path), name or path.name, path.stat().st_size)
    start.synthetic = digest in synthetic
    seen = con.execute("SELECT path FROM ops.files WHERE sha256 = ?", [digest]).fetchone()
    if seen is not None:
        start.result = FileLoad(start.display, source, digest, "already_loaded")
        return start
    start.superseding = [
        r[0]
        for r in con.execute(
            "SELECT sha256 FROM ops.files WHERE source = ? AND name = ? AND superseded_by IS NULL",
            [source, start.name],
        ).fetchall()
    ]
    return start


def finish_file(
    con: duckdb.DuckDBPyConnection, start: FileStart, load: FileLoad, *, run_id: str | None
) -> None:
    """Record the reconciled file in ``ops.files`` (inside the load transaction)."""
    if not load.reconciles:  # a bug, not bad input: refuse to write a load that loses rows
        raise ReconcileError(
            f"{start.display}: rows do not reconcile: in {load.rows_in:,} but staged {load.staged:,}"
            f" + rejected {load.rejected:,} + duplicate {load.duplicate:,}; nothing of the file was loaded"
        )
    con.execute(
        "INSERT INTO ops.files (sha256, source, path, size_bytes, run_id, loaded_at, rows_in, rows_staged,"
        " rows_rejected, rows_duplicate, rows_unlocated, rows_repaired, name)"
        " VALUES (?, ?, ?, ?, ?, now()::TIMESTAMP, ?, ?, ?, ?, ?, ?, ?)",
        [
            start.sha256,
            start.source,
            start.display,
            start.size_bytes,
            run_id,
            load.rows_in,
            load.staged,
            load.rejected,
            load.duplicate,
            load.unlocated,
            load.repaired,
            start.name,
        ],
    )
    if start.synthetic:
        con.execute(
            "INSERT OR IGNORE INTO ops.synthetic_files VALUES (?, ?)",
            [start.sha256, "listed in the demo folder's SYNTHETIC.sha256"],
        )
    if start.superseding:
        load.superseded = list(start.superseding)


def load_file(
    con: duckdb.DuckDBPyConnection,
    path: Path,
    source: Source,
    ctx: Context,
    *,
    run_id: str | None = None,
    mapping: ColumnMapping | None = None,
    name: str | None = None,
    display: str | None = None,
) -> FileLoad:
    """Load one file of ``source`` into raw, staging and the quarantine, reconciled."""
    # A source whose files are not plain tables (police.uk) brings its own loader.
    custom: Callable[..., FileLoad] | None = getattr(source, "load", None)
    if custom is not None:
        return custom(con, path, ctx, run_id=run_id, name=name, display=display, mapping=mapping)
    start = begin_file(con, path, source.NAME, name=name, display=display, synthetic=ctx.synthetic)
    if start.result is not None:
        return start.result
    table = read_table(path, source.COLUMNS, mapping=mapping)
    table.frame.insert(0, "file_sha256", start.sha256)
    checked = _stage(table, source, ctx)
    duplicate = _duplicates(con, start, source.STAGING_TABLE, checked.rows)
    staged = checked.rows[~duplicate]
    load = _reconcile(start, source.NAME, table, checked, staged, duplicate)
    quarantine = _quarantine(start, source.NAME, table, checked.chosen)
    with transaction(con):
        start.supersede(con, source.STAGING_TABLE, source.RESTRICTED_TABLE)
        finish_file(con, start, load, run_id=run_id)
        _insert_frame(con, source.RAW_TABLE, table.frame)
        _insert_frame(con, source.STAGING_TABLE, staged)
        if source.RESTRICTED_TABLE and checked.restricted is not None:
            keep = checked.restricted[checked.restricted["event_id"].isin(staged["event_id"])]
            _insert_frame(con, source.RESTRICTED_TABLE, keep.drop_duplicates("event_id"))
        _insert_frame(con, "ops.rejects", quarantine)
    return load


@dataclass(frozen=True)
class _Checked:
    """A file's rows after the source's checks: those that passed, and one reject per failed row."""

    rows: pd.DataFrame  # passed every check (duplicates not yet taken out)
    restricted: pd.DataFrame | None
    chosen: dict[int, Reject]  # row number -> the first reason it was rejected for


def _stage(table: Table, source: Source, ctx: Context) -> _Checked:
    """Run the source's checks and conversions; rows the reader could not split are rejected too."""
    result = source.stage(table.frame, ctx)
    rejects = [
        *result.rejects,
        *(Reject(n, "(row)", "malformed_row", f"the record {m}") for n, m, _ in table.malformed),
    ]
    chosen = first_reject_per_row(rejects)
    rows = result.rows[~result.rows["row_number"].isin(list(chosen))].copy()
    return _Checked(rows, result.restricted, chosen)


def _duplicates(
    con: duckdb.DuckDBPyConnection, start: FileStart, staging: str, rows: pd.DataFrame
) -> np.ndarray:
    """Mark rows whose key came earlier in the file or is staged from another current file.

    Also settles which same-named earlier files this one re-issues: their keys are not
    duplicates, since their rows are replaced.
    """
    within = rows["event_id"].duplicated(keep="first").to_numpy()
    known: set[str] = set()
    if len(rows):
        con.register("candidate_keys", rows[["event_id"]])
        start.confirm_reissues(con, staging, "candidate_keys")
        known = {
            r[0]
            for r in con.execute(
                f"SELECT event_id FROM {quote_table(staging)}"  # noqa: S608 (quoted)
                " JOIN candidate_keys USING (event_id)"
                " WHERE file_sha256 NOT IN (SELECT unnest(?::VARCHAR[]))",
                [start.superseding],
            ).fetchall()
        }
        con.unregister("candidate_keys")
    return np.asarray(within | rows["event_id"].isin(known).to_numpy())


def _reconcile(
    start: FileStart,
    source: str,
    table: Table,
    checked: _Checked,
    staged: pd.DataFrame,
    duplicate: np.ndarray,
) -> FileLoad:
    """Count the file's rows in, staged, rejected (by reason) and duplicate."""
    return FileLoad(
        path=start.display,
        source=source,
        sha256=start.sha256,
        status="loaded",
        rows_in=len(table.frame) + len(table.malformed),
        staged=len(staged),
        rejected=len(checked.chosen),
        duplicate=int(duplicate.sum()),
        unlocated=int(staged["x"].isna().sum()),
        repaired=int(staged.get("coordinate_repair", pd.Series(dtype=object)).notna().sum()),
        rejects_by_reason=dict(Counter(r.reason for r in checked.chosen.values())),
    )


def _quarantine(start: FileStart, source: str, table: Table, chosen: dict[int, Reject]) -> pd.DataFrame:
    """Build the ``ops.rejects`` rows: each rejected row with its reason and the raw row as received."""
    raw = table.frame
    raw_rows = {
        int(n): json.dumps(r, ensure_ascii=False)
        for n, r in zip(
            raw["row_number"],
            raw.drop(columns=["file_sha256", "row_number"]).to_dict(orient="records"),
            strict=True,
        )
    }
    raw_rows.update({n: json.dumps({"record": text}, ensure_ascii=False) for n, _, text in table.malformed})
    label = Path(start.display).name
    return pd.DataFrame(
        [
            {
                "file_sha256": start.sha256,
                "source": source,
                "path": start.display,
                "row_number": r.row_number,
                "field": r.field,
                "reason": r.reason,
                "message": f"{label} row {r.row_number}, field {r.field}: {r.message}",
                "raw_row": raw_rows[r.row_number],
            }
            for r in chosen.values()
        ],
        columns=["file_sha256", "source", "path", "row_number", "field", "reason", "message", "raw_row"],
    )


def _insert_frame(con: duckdb.DuckDBPyConnection, table: str, frame: pd.DataFrame) -> None:
    if frame.empty:
        return
    con.register("incoming_frame", frame)
    try:
        con.execute(f"INSERT INTO {quote_table(table)} BY NAME SELECT * FROM incoming_frame")  # noqa: S608
    finally:
        con.unregister("incoming_frame")
