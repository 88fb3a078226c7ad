"""Input sources: each module reads one format into raw, staging and the quarantine.

``ingest_folder`` is the one entry point: it recognises each CSV in a folder by its
header, loads it with the matching source module, and returns one reconciled
``FileLoad`` per file.
"""

from __future__ import annotations

from datetime import datetime
from pathlib import Path

import duckdb

from endurance._errors import InputError
from endurance.geography import FORCE_CODE
from endurance.sources import incident_log, intelligence, policeuk
from endurance.sources._common import AreaCheck, Context, FileLoad, Source, load_file, read_header

SOURCES: tuple[Source, ...] = (policeuk, incident_log, intelligence)  # type: ignore[assignment]

__all__ = ["SOURCES", "FileLoad", "build_context", "detect_source", "ingest_folder"]


def detect_source(path: Path) -> Source:
    """Return the source whose columns this file's header carries."""
    header = set(h.strip() for h in read_header(path))
    for source in SOURCES:
        if set(source.COLUMNS) <= header:
            return source
    best = max(SOURCES, key=lambda s: len(set(s.COLUMNS) & header))
    missing = [c for c in best.COLUMNS if c not in header]
    raise InputError(
        path,
        [
            f"header matches no known source; closest is {best.NAME}, which also needs "
            + ", ".join(repr(c) for c in missing)
        ],
    )


def build_context(
    con: duckdb.DuckDBPyConnection, *, now: datetime | None = None, pfa_code: str = FORCE_CODE
) -> Context:
    """Gather what staging needs from the warehouse: the force area and place names."""
    places: dict[str, tuple[str, str]] = {}
    for (name,) in con.execute("SELECT DISTINCT ward_name FROM geo.wards").fetchall():
        places[name.lower()] = ("ward", name)
    for hotspot_id, name, aliases in con.execute(
        "SELECT hotspot_id, name, aliases FROM geo.hotspots"
    ).fetchall():
        for alias in [name, *aliases.split(";")]:
            if alias.strip():
                places[alias.strip().lower()] = ("hotspot", hotspot_id)
    return Context(area=AreaCheck.from_warehouse(con, pfa_code), now=now or datetime.now(), places=places)


def ingest_folder(
    con: duckdb.DuckDBPyConnection,
    folder: Path,
    *,
    run_id: str | None = None,
    now: datetime | None = None,
) -> list[FileLoad]:
    """Load every CSV under ``folder`` (recursively), each in its own transaction.

    Every file is checked before any is loaded, so a folder with one malformed file
    fails as a whole with every problem listed, and loads nothing.
    """
    paths = sorted(p for p in Path(folder).rglob("*.csv") if p.is_file())
    if not paths:
        raise InputError(folder, ["no .csv files found"])
    plan: list[tuple[Path, Source]] = []
    problems: list[str] = []
    for path in paths:
        try:
            plan.append((path, detect_source(path)))
        except InputError as exc:
            problems.extend(f"{path.name}: {p}" for p in exc.problems)
    if problems:
        raise InputError(folder, problems)
    ctx = build_context(con, now=now)
    return [load_file(con, path, source, ctx, run_id=run_id) for path, source in plan]
