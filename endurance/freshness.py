"""Never stale: what each derived table was built from, and bringing it up to date.

Maps, council exports and the briefing read derived tables: attribution
(``staging.event_wards`` and friends), links (``staging.event_links``,
``event_groups``), the marts, and a period's hotspot analysis. Each is built from two
inputs, summed up in a *watermark*:

- the staged rows: which files are loaded and current (a digest of every ``ops.files``
  sha256 with what supersedes it), with their number, staged rows and latest load;
- the boundary layers: a digest of every ``geo.layers`` sha256 (wards, LSOAs, force
  area, hotspot gazetteer, designations).

Attribution, linking and the marts record the watermark they were built from in
``ops.derived_state``, in the transaction that builds them; the watermark is read before
the build, under the writer's lock, so a record can be older than its table but never
newer. A derived table is *stale* when its watermark differs from the warehouse's now (a
file loaded, re-issued or rolled back by recovery, a boundary file replaced) or was never
recorded. The hotspot analysis of a period is stale when the tables it reads are, or when
it was made (``marts.density_grid.analysed_at``) before they were last rebuilt.

``refresh`` brings everything a publication reads up to date, each step only when stale
(attribution itself only processes new events). ``require_fresh`` refuses, naming the
command to run, when a writer of outputs finds stale data on a read-only connection.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

import duckdb

from endurance._errors import StaleDataError
from endurance.periods import Period

#: The derived steps, in the order they are built.
STEPS = ("attribution", "links", "marts")


@dataclass(frozen=True)
class Watermark:
    """What derived data is built from: the staged files and the boundary layers."""

    staged_files: int
    staged_rows: int
    last_loaded_at: datetime | None
    staged_digest: str
    layers_digest: str

    def same_inputs(self, other: Watermark) -> bool:
        """Return True when ``other`` was taken from the same staged rows and boundary layers."""
        return (self.staged_digest, self.layers_digest) == (other.staged_digest, other.layers_digest)

    def describe(self) -> dict[str, Any]:
        """Return the watermark as plain values for a run record, digests shortened to 12 characters."""
        loaded = f"{self.last_loaded_at:%Y-%m-%d %H:%M:%S}" if self.last_loaded_at else None
        return {
            "staged_files": self.staged_files,
            "staged_rows": self.staged_rows,
            "last_loaded_at": loaded,
            "staged_digest": self.staged_digest[:12],
            "layers_digest": self.layers_digest[:12],
        }


def current(con: duckdb.DuckDBPyConnection) -> Watermark:
    """Return the warehouse's inputs now."""
    row = con.execute(
        """
        SELECT count(*) FILTER (WHERE superseded_by IS NULL),
               coalesce(sum(rows_staged) FILTER (WHERE superseded_by IS NULL), 0),
               max(loaded_at),
               md5(coalesce(string_agg(sha256 || ':' || coalesce(superseded_by, ''), ','
                                       ORDER BY sha256), '')),
               (SELECT md5(coalesce(string_agg(kind || '/' || vintage || ':' || sha256, ','
                                               ORDER BY kind, vintage), ''))
                FROM geo.layers)
        FROM ops.files
        """
    ).fetchone()
    assert row is not None
    return Watermark(int(row[0]), int(row[1]), row[2], row[3], row[4])


@dataclass(frozen=True)
class Built:
    """A derived table's record: when and by which run it was built, and from what."""

    name: str
    scope: str
    built_at: datetime
    run_id: str | None
    watermark: Watermark


def built(con: duckdb.DuckDBPyConnection, name: str, scope: str = "") -> Built | None:
    """Return the record of a derived table (``scope``: '' or ``<period>|<vintage>`` for an analysis)."""
    row = con.execute(
        "SELECT built_at, run_id, staged_files, staged_rows, last_loaded_at, staged_digest, layers_digest"
        " FROM ops.derived_state WHERE name = ? AND scope = ?",
        [name, scope],
    ).fetchone()
    if row is None:
        return None
    return Built(name, scope, row[0], row[1], Watermark(row[2], row[3], row[4], row[5], row[6]))


def record(
    con: duckdb.DuckDBPyConnection,
    name: str,
    watermark: Watermark,
    *,
    scope: str = "",
    run_id: str | None = None,
    built_at: datetime | None = None,
) -> None:
    """Record that ``name`` was built from ``watermark`` (call it in the transaction that builds it).

    Built again from the same inputs, a table holds what it held: its record keeps the
    time its content last changed, so what was derived from it since stays fresh.
    """
    before = built(con, name, scope)
    if before is not None and before.watermark.same_inputs(watermark):
        return
    con.execute(
        "INSERT OR REPLACE INTO ops.derived_state VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
        [
            name,
            scope,
            built_at or datetime.now(),
            run_id,
            watermark.staged_files,
            watermark.staged_rows,
            watermark.last_loaded_at,
            watermark.staged_digest,
            watermark.layers_digest,
        ],
    )


def forget(con: duckdb.DuckDBPyConnection) -> None:
    """Forget every record: all derived data is rebuilt before it is next published (after recovery)."""
    con.execute("DELETE FROM ops.derived_state")


def _scope(period: Period, vintage: str) -> str:
    return f"{period.label}|{vintage}"


def _analysed_at(con: duckdb.DuckDBPyConnection, period: Period, vintage: str) -> datetime | None:
    """When the period was last analysed for ``vintage`` in every analysis area (the oldest), or None.

    None when some analysis area of the loaded forces has not been analysed.
    """
    from endurance.hotspots import analysis_areas_loaded

    areas = [area.key for area in analysis_areas_loaded(con)]
    rows = con.execute(
        "SELECT g.analysed_at FROM marts.density_grid AS g"
        " WHERE g.period = ? AND list_contains(?, g.analysis_area)"
        " AND EXISTS (SELECT 1 FROM marts.ward_analysis AS w WHERE w.analysis_area = g.analysis_area"
        " AND w.period = g.period AND w.vintage = ?)",
        [period.label, areas, vintage],
    ).fetchall()
    return min(row[0] for row in rows) if len(rows) == len(areas) else None


def stale(
    con: duckdb.DuckDBPyConnection, *, period: Period | None = None, vintage: str | None = None
) -> list[str]:
    """Return the derived tables a publication would read that are older than the warehouse's inputs.

    With ``period`` and ``vintage``, the period's analysis too (``analysis``), when it has
    been made; an analysis never made is not stale but missing (its reader says so).
    """
    now = current(con)
    found = []
    records = {step: built(con, step) for step in STEPS}
    for step, rec in records.items():
        if rec is None or not rec.watermark.same_inputs(now):
            found.append(step)
    if period is not None and vintage is not None:
        analysed = _analysed_at(con, period, vintage)
        inputs_built = [rec.built_at for rec in records.values() if rec is not None]
        if analysed is not None and (found or (inputs_built and analysed < max(inputs_built))):
            found.append("analysis")
    return found


def require_fresh(
    con: duckdb.DuckDBPyConnection,
    *,
    period: Period | None = None,
    vintage: str | None = None,
    command: str = "endurance attribute",
) -> None:
    """Refuse to publish from stale derived data, naming what is stale and the command that fixes it.

    Raises
    ------
    StaleDataError
        When ``stale`` finds anything.
    """
    old = stale(con, period=period, vintage=vintage)
    if old:
        now = current(con)
        raise StaleDataError(
            f"derived data is older than the staged rows and boundaries it covers ({', '.join(old)}; the "
            f"warehouse now holds {now.staged_files:,} files, {now.staged_rows:,} staged rows): run "
            f"`{command}` first (the publishing commands `endurance map`, `export` and `brief` bring it up "
            "to date themselves)"
        )


def refresh(
    con: duckdb.DuckDBPyConnection,
    *,
    period: Period | None = None,
    vintage: str | None = None,
    run_id: str | None = None,
) -> dict[str, Any]:
    """Bring attribution, links, marts (and the period's analysis) up to date, each only where stale.

    ``con`` must be writable. Returns, for the run record, the steps that were stale
    (``rebuilt``), whether the period was analysed (and its summary, ``hotspots``), and what
    every table read was built from (``built_from``).
    """
    from endurance import linking, marts  # imported late: they record here
    from endurance.geography import attribution

    old = stale(con, period=period, vintage=vintage)
    if "attribution" in old:
        attribution.attribute_events(con, run_id=run_id)
    if "links" in old or "attribution" in old:
        linking.link_events(con, run_id=run_id)
    if old:
        marts.build_marts(con, run_id=run_id)
    done: dict[str, Any] = {"rebuilt": old, "analysed": False}
    if period is not None and vintage is not None and (old or _analysed_at(con, period, vintage) is None):
        done["hotspots"] = analyse(con, period, vintage=vintage, run_id=run_id)
        done["analysed"] = True
    done["built_from"] = built_from(con, period=period, vintage=vintage)
    return done


def analyse(
    con: duckdb.DuckDBPyConnection, period: Period, *, vintage: str, run_id: str | None = None
) -> dict[str, Any]:
    """Analyse the period in every analysis area and record what it was built from.

    Each force area loaded, and the joint operation when there are several
    (``endurance.hotspots.analyse_period``); returns each area's summary by its key.
    """
    from endurance import hotspots

    mark = current(con)
    started = datetime.now()
    summaries = {
        area.key: hotspots.analyse_period(con, period, vintage=vintage, area=area)
        for area in hotspots.analysis_areas_loaded(con)
    }
    record(con, "analysis", mark, scope=_scope(period, vintage), run_id=run_id, built_at=started)
    return summaries


def built_from(
    con: duckdb.DuckDBPyConnection, *, period: Period | None = None, vintage: str | None = None
) -> dict[str, Any]:
    """Return what the derived tables a publication reads were built from, for the run record."""
    shown: dict[str, Any] = {}
    names = [(step, "") for step in STEPS]
    if period is not None and vintage is not None:
        names.append(("analysis", _scope(period, vintage)))
    for name, scope in names:
        rec = built(con, name, scope)
        if rec is not None:
            shown[name if not scope else f"analysis {scope}"] = {
                "built_at": f"{rec.built_at:%Y-%m-%d %H:%M:%S}",
                "run_id": rec.run_id,
                **rec.watermark.describe(),
            }
    return shown
