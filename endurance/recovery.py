"""After a crash: make the warehouse and its ledger agree with what was really committed.

Every input file loads in one transaction, so a crash should leave it loaded or absent.
DuckDB 1.5.5 (and 1.5.6) can break that: a process killed while it commits a large
transaction can leave part of it behind, which DuckDB replays when the file is next
opened (measured by killing loads as their write-ahead log starts to grow: rows of the
last table written, no ``ops.files`` record). The pipeline keeps the promise itself.
Each time the warehouse is opened for writing, ``recover``:

1. deletes raw rows, staged rows and rejects whose file has no ``ops.files`` record: a
   load that never finished;
2. checks every recorded file against its record: its raw rows plus its malformed
   records (quarantined without a raw row) make its rows in, its rejects its rows
   rejected, and its staged rows its rows staged (none once a corrected re-issue has
   replaced them). A file that does not add up was cut short: all of it goes, record
   included, so loading the file again loads all of it;
3. when anything went, deletes the rows keyed by event (restricted text, attribution,
   repeat s.59 flags) whose event is no longer staged;
4. marks ``interrupted`` every run still ``running`` whose process is gone (same host,
   pid no longer alive, or alive but started at another time), and lists the files it
   did load as its inputs, so the ledger says what the warehouse holds.

All of it happens in one transaction, is recorded in ``ops.recoveries`` and is said in one
line (logged as a warning, so it reaches the terminal). When rows were rolled back, the
records of what derived tables were built from are forgotten (``endurance.freshness``),
so attribution, links, marts and analyses are rebuilt before anything is published.
"""

from __future__ import annotations

import json
import logging
from dataclasses import dataclass, field
from typing import Any

import duckdb

from endurance import _process, freshness
from endurance.sources._loading import ATTRIBUTION_TABLES
from endurance.warehouse import files_of_run, quote_table, transaction

log = logging.getLogger(__name__)

#: Tables keyed by event that hold nothing but what is derived from a staged event.
EVENT_TABLES = (*ATTRIBUTION_TABLES, "staging.s59_repeats")


@dataclass
class Recovery:
    """What one recovery found and put right."""

    files_rolled_back: list[dict[str, Any]] = field(default_factory=list)
    orphan_rows: dict[str, int] = field(default_factory=dict)
    runs_interrupted: list[dict[str, Any]] = field(default_factory=list)

    @property
    def changed(self) -> bool:
        """Whether the recovery rolled back, removed or marked anything."""
        return bool(self.files_rolled_back or self.orphan_rows or self.runs_interrupted)

    def message(self) -> str:
        """Return the one line that says what was done."""
        parts = []
        orphans = sum(self.orphan_rows.values())
        if orphans:
            parts.append(
                f"rolled back {orphans:,} rows left by a load that never finished ("
                + ", ".join(f"{t} {n:,}" for t, n in sorted(self.orphan_rows.items()))
                + ")"
            )
        for item in self.files_rolled_back:
            parts.append(f"removed the incomplete load of {item['path']} ({item['why']}): load it again")
        if self.runs_interrupted:
            parts.append(
                "marked interrupted the run(s) whose process is gone: "
                + ", ".join(f"{r['run_id']} ({r['flow']}, pid {r['pid']})" for r in self.runs_interrupted)
            )
        return "warehouse recovered after a crash: " + "; ".join(parts)


def _sources() -> list[tuple[str, str, str, str | None]]:
    """(name, raw table, staging table, restricted table) of every source."""
    from endurance.sources import SOURCES  # imported late: sources import the warehouse

    return [(s.NAME, s.RAW_TABLE, s.STAGING_TABLE, s.RESTRICTED_TABLE) for s in SOURCES]


def _per_file(tables: list[str]) -> str:
    """Return SQL counting rows per file across ``tables`` (each file lives in one of them)."""
    counted = " UNION ALL ".join(
        f"SELECT file_sha256 AS sha256, count(*) AS n FROM {quote_table(t)} GROUP BY 1"  # noqa: S608 (quoted)
        for t in tables
    )
    return f"SELECT sha256, sum(n) AS n FROM ({counted}) GROUP BY 1"  # noqa: S608 (quoted)


def _delete_orphans(con: duckdb.DuckDBPyConnection, tables: list[str], found: Recovery) -> None:
    for table in tables:
        row = con.execute(
            f"SELECT count(*) FROM {quote_table(table)}"  # noqa: S608 (quoted)
            " WHERE file_sha256 NOT IN (SELECT sha256 FROM ops.files)"
        ).fetchone()
        if row and row[0]:
            found.orphan_rows[table] = int(row[0])
            con.execute(
                f"DELETE FROM {quote_table(table)} WHERE file_sha256 NOT IN (SELECT sha256 FROM ops.files)"  # noqa: S608
            )


def incomplete_files(con: duckdb.DuckDBPyConnection) -> list[tuple[str, str, str, str]]:
    """Return the recorded files whose rows do not add up to their record: (sha256, source, path, why)."""
    sources = _sources()
    raw = _per_file([r for _, r, _, _ in sources])
    staged = _per_file([s for _, _, s, _ in sources])
    rows = con.execute(
        f"""
        WITH raw AS ({raw}), staged AS ({staged}),
        rejects AS (
            SELECT file_sha256 AS sha256, count(*) AS n,
                   count(*) FILTER (WHERE reason = 'malformed_row') AS malformed
            FROM ops.rejects GROUP BY 1
        ),
        counted AS (
            SELECT f.sha256, f.source, f.path, f.rows_in, f.rows_rejected,
                   CASE WHEN f.superseded_by IN (SELECT sha256 FROM ops.files) THEN 0
                        ELSE f.rows_staged END AS expect_staged,
                   coalesce(r.n, 0) AS raw_rows, coalesce(s.n, 0) AS staged_rows,
                   coalesce(j.n, 0) AS rejected, coalesce(j.malformed, 0) AS malformed
            FROM ops.files AS f
            LEFT JOIN raw AS r USING (sha256)
            LEFT JOIN staged AS s USING (sha256)
            LEFT JOIN rejects AS j USING (sha256)
        )
        SELECT sha256, source, path,
               concat_ws('; ',
                   CASE WHEN raw_rows + malformed <> rows_in THEN
                       format('{{}} raw rows and {{}} malformed where {{}} rows came in',
                              raw_rows, malformed, rows_in)
                   END,
                   CASE WHEN rejected <> rows_rejected THEN
                       format('{{}} rejects where {{}} were recorded', rejected, rows_rejected)
                   END,
                   CASE WHEN staged_rows <> expect_staged THEN
                       format('{{}} staged rows where {{}} were recorded', staged_rows, expect_staged)
                   END) AS why
        FROM counted
        WHERE raw_rows + malformed <> rows_in OR rejected <> rows_rejected OR staged_rows <> expect_staged
        ORDER BY path
        """  # noqa: S608 (quoted table names)
    ).fetchall()
    return [(r[0], r[1], r[2], r[3]) for r in rows]


def _roll_back_file(
    con: duckdb.DuckDBPyConnection, sha256: str, source: str, path: str, why: str
) -> dict[str, Any]:
    """Remove every row of one file and its record."""
    removed: dict[str, int] = {}
    for name, raw, staging, restricted in _sources():
        if name != source:
            continue
        if restricted:
            removed[restricted] = _delete(
                con,
                restricted,
                f"event_id IN (SELECT event_id FROM {quote_table(staging)} WHERE file_sha256 = ?)",  # noqa: S608
                sha256,
            )
        removed[staging] = _delete(con, staging, "file_sha256 = ?", sha256)
        removed[raw] = _delete(con, raw, "file_sha256 = ?", sha256)
    removed["ops.rejects"] = _delete(con, "ops.rejects", "file_sha256 = ?", sha256)
    con.execute("UPDATE ops.files SET superseded_by = NULL WHERE superseded_by = ?", [sha256])
    con.execute("DELETE FROM ops.files WHERE sha256 = ?", [sha256])
    return {
        "sha256": sha256,
        "source": source,
        "path": path,
        "why": why,
        "rows": {t: n for t, n in removed.items() if n},
    }


def _delete(con: duckdb.DuckDBPyConnection, table: str, where: str, *params: object) -> int:
    row = con.execute(f"SELECT count(*) FROM {quote_table(table)} WHERE {where}", list(params)).fetchone()  # noqa: S608
    if row and row[0]:
        con.execute(f"DELETE FROM {quote_table(table)} WHERE {where}", list(params))  # noqa: S608
        return int(row[0])
    return 0


def _delete_dangling_event_rows(con: duckdb.DuckDBPyConnection, found: Recovery) -> None:
    """Rows keyed by an event that is no longer staged (only after something was rolled back)."""
    for _, _, staging, restricted in _sources():
        if restricted:
            n = _delete(
                con,
                restricted,
                f"event_id NOT IN (SELECT event_id FROM {quote_table(staging)})",  # noqa: S608 (quoted)
            )
            if n:
                found.orphan_rows[restricted] = found.orphan_rows.get(restricted, 0) + n
    for table in EVENT_TABLES:
        n = _delete(con, table, "event_id NOT IN (SELECT event_id FROM staging.events)")
        if n:
            found.orphan_rows[table] = found.orphan_rows.get(table, 0) + n


def _legacy_cutoff(con: duckdb.DuckDBPyConnection) -> Any:
    """When process ids began to be recorded: runs started before then have none."""
    row = con.execute("SELECT applied_at FROM ops.schema_migrations WHERE version = 15").fetchone()
    return row[0] if row else None


def _interrupt_dead_runs(con: duckdb.DuckDBPyConnection, found: Recovery) -> None:
    me = _process.current()
    cutoff = _legacy_cutoff(con)
    running = con.execute(
        "SELECT run_id, flow, pid, host, process_started, started_at FROM ops.runs WHERE status = 'running'"
    ).fetchall()
    for run_id, flow, pid, host, started, started_at in running:
        if pid is None:
            gone = cutoff is not None and started_at < cutoff
            why = "it started before process ids were recorded, under an earlier version"
        elif host == me.host:
            gone = not _process.is_alive(int(pid), started=started or "")
            why = f"its process (pid {pid} on {host}) ended without finishing it"
        else:
            continue  # another machine's run: it cannot be checked from here
        if not gone:
            continue
        con.execute(
            "UPDATE ops.runs SET status = 'interrupted', finished_at = now()::TIMESTAMP,"
            " error = ?, inputs = CASE WHEN inputs IS NULL OR inputs::VARCHAR = '[]' THEN ? ELSE inputs END"
            " WHERE run_id = ?",
            [
                f"interrupted: {why}; noticed by {me.describe()}",
                json.dumps(files_of_run(con, run_id), default=str),
                run_id,
            ],
        )
        found.runs_interrupted.append({"run_id": run_id, "flow": flow, "pid": pid, "host": host})


def recover(con: duckdb.DuckDBPyConnection) -> Recovery:
    """Roll back what belongs to no complete recorded file and mark runs whose process is gone.

    Call it on a connection that may write, with no transaction open; see the module notes.
    Returns what was done (nothing, usually); when something was, it is recorded in
    ``ops.recoveries`` and logged as one warning line.
    """
    found = Recovery()
    sources = _sources()
    with transaction(con):
        tables = [t for _, raw, staging, _ in sources for t in (raw, staging)] + ["ops.rejects"]
        _delete_orphans(con, tables, found)
        for sha256, source, path, why in incomplete_files(con):
            found.files_rolled_back.append(_roll_back_file(con, sha256, source, path, why))
        if found.orphan_rows or found.files_rolled_back:
            _delete_dangling_event_rows(con, found)
            freshness.forget(con)  # derived tables may hold what was rolled back: rebuild before publishing
        _interrupt_dead_runs(con, found)
        if found.changed:
            me = _process.current()
            con.execute(
                "INSERT INTO ops.recoveries VALUES (now()::TIMESTAMP, ?, ?, ?, ?, ?, ?)",
                [
                    me.pid,
                    me.host,
                    json.dumps(found.files_rolled_back),
                    json.dumps(found.orphan_rows),
                    json.dumps(found.runs_interrupted),
                    found.message(),
                ],
            )
    if found.changed:
        log.warning("%s", found.message())
    return found
