"""Input sources: each module reads one format into raw, staging and the quarantine.

``ingest_paths`` is the one entry point: it takes files, folders (searched
recursively) and zip archives (such as the police.uk custom download, with its
``YYYY-MM/`` folders), recognises each table by its header unless the source is
named, and loads each file in its own transaction, returning one reconciled
``FileLoad`` per file.
"""

from __future__ import annotations

import tempfile
import zipfile
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

import duckdb

from endurance._errors import InputError
from endurance.geography.official import loaded_forces
from endurance.sources import fire, incident_log, intelligence, outcomes, policeuk
from endurance.sources._common import AreaCheck, Context, FileLoad, Source
from endurance.sources._loading import load_file
from endurance.sources._readers import TABLE_SUFFIXES, ColumnMapping, read_header

SOURCES: tuple[Source, ...] = (policeuk, incident_log, intelligence, fire, outcomes)  # type: ignore[assignment]

__all__ = [
    "SOURCES",
    "SYNTHETIC_MANIFEST",
    "ColumnMapping",
    "FileLoad",
    "build_context",
    "detect_source",
    "ingest_folder",
    "ingest_paths",
    "source_named",
]


def source_named(name: str) -> Source:
    """Return the source called ``name`` (e.g. ``incident_log``)."""
    for source in SOURCES:
        if name == source.NAME:
            return source
    raise InputError(name, [f"unknown source; known sources: {', '.join(s.NAME for s in SOURCES)}"])


def detect_source(path: Path, mapping: ColumnMapping | None = None) -> Source:
    """Return the source whose columns this file's header carries."""
    if mapping and mapping.source:
        return source_named(mapping.source)
    header = set(read_header(path, mapping))
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
    con: duckdb.DuckDBPyConnection,
    *,
    now: datetime | None = None,
    pfa_codes: Sequence[str] | None = None,
    synthetic: frozenset[str] = frozenset(),
) -> Context:
    """Gather what staging needs from the warehouse: the force areas and place names.

    Points are checked against the force areas ``pfa_codes``; by default those of the
    forces whose wards are loaded (``geography.official.loaded_forces``).
    """
    places: dict[str, tuple[str, str]] = {}
    for (name,) in con.execute("SELECT DISTINCT ward_name FROM geo.wards").fetchall():
        places[name.lower()] = ("ward", name)
    for hotspot_id, name, aliases in con.execute(
        "SELECT hotspot_id, name, aliases FROM geo.hotspots"
    ).fetchall():
        for alias in [name, *aliases.split(";")]:
            if alias.strip():
                places[alias.strip().lower()] = ("hotspot", hotspot_id)
    return Context(
        area=AreaCheck.from_warehouse(
            con, [f.force_code for f in loaded_forces(con)] if pfa_codes is None else pfa_codes
        ),
        now=now or datetime.now(),
        places=places,
        synthetic=synthetic,
    )


#: The list of synthetic files the demo writes beside its inputs (``sha256  path`` lines).
SYNTHETIC_MANIFEST = "SYNTHETIC.sha256"


def synthetic_hashes(paths: list[Path]) -> frozenset[str]:
    """Checksums listed in ``SYNTHETIC.sha256`` files in, or above, the folders of ``paths``."""
    manifests: set[Path] = set()
    for given in paths:
        folder = given if given.is_dir() else given.parent
        manifests.update(p for p in (folder, *folder.resolve().parents) if (p / SYNTHETIC_MANIFEST).is_file())
        if given.is_dir():
            manifests.update(m.parent for m in given.rglob(SYNTHETIC_MANIFEST))
    found = set()
    for folder in manifests:
        for line in (folder / SYNTHETIC_MANIFEST).read_text(encoding="utf-8").splitlines():
            digest = line.split(maxsplit=1)[0] if line.strip() else ""
            if len(digest) == 64:
                found.add(digest)
    return frozenset(found)


@dataclass(frozen=True)
class InputFile:
    """One table to load: where it is on disk, and how messages name it."""

    path: Path
    display: str
    name: str


@contextmanager
def _expanded(paths: list[Path]) -> Iterator[list[InputFile]]:
    """Yield every table under ``paths``, with zip archives unpacked to a temporary folder."""
    with tempfile.TemporaryDirectory(prefix="endurance-zip-") as scratch:
        found: list[InputFile] = []
        for given in paths:
            if not given.exists():
                raise InputError(given, ["no such file or folder"])
            candidates = sorted(p for p in given.rglob("*") if p.is_file()) if given.is_dir() else [given]
            for path in candidates:
                suffix = path.suffix.lower()
                if suffix == ".zip":
                    found += _unzip(path, Path(scratch))
                elif suffix in TABLE_SUFFIXES:
                    found.append(InputFile(path, str(path), path.name))
                elif not given.is_dir():
                    raise InputError(path, [f"not a table file ({', '.join(TABLE_SUFFIXES)}) or .zip"])
        yield found


def _unzip(archive: Path, scratch: Path) -> list[InputFile]:
    """Unpack the tables of a zip archive; police.uk outcome and stop-and-search files are skipped."""
    try:
        bundle = zipfile.ZipFile(archive)
    except zipfile.BadZipFile as exc:
        raise InputError(archive, [f"not a readable zip archive: {exc}"]) from exc
    out = []
    with bundle:
        for member in sorted(bundle.namelist()):
            inner = Path(member)
            if member.endswith("/") or inner.suffix.lower() not in TABLE_SUFFIXES:
                continue
            if inner.name.endswith(("-outcomes.csv", "-stop-and-search.csv")):
                continue  # police.uk archives carry these beside the street files
            target = scratch / archive.stem / inner
            target.parent.mkdir(parents=True, exist_ok=True)
            with bundle.open(member) as source, open(target, "wb") as sink:
                while block := source.read(1 << 20):
                    sink.write(block)
            out.append(InputFile(target, f"{archive}!/{member}", inner.name))
    return out


def ingest_paths(
    con: duckdb.DuckDBPyConnection,
    paths: list[Path],
    *,
    source: str | None = None,
    mapping: ColumnMapping | None = None,
    run_id: str | None = None,
    now: datetime | None = None,
    progress: Callable[[InputFile], None] | None = None,
    allow_empty: bool = False,
) -> list[FileLoad]:
    """Load every table under ``paths``, each in its own transaction.

    Every file is recognised before any is loaded, so a batch with a file that
    matches no source fails as a whole with every problem listed, and loads nothing.
    No table at all is an ``InputError`` (a mistyped folder), unless ``allow_empty``
    (a scheduled run's inbox on a quiet night): then nothing is loaded.
    """
    with _expanded([Path(p) for p in paths]) as files:
        if not files and allow_empty:
            return []
        if not files:
            raise InputError(", ".join(map(str, paths)), [f"no {', '.join(TABLE_SUFFIXES)} files found"])
        plan: list[tuple[InputFile, Source]] = []
        problems: list[str] = []
        for item in files:
            try:
                chosen = source_named(source) if source else detect_source(item.path, mapping)
                plan.append((item, chosen))
            except InputError as exc:
                problems.extend(f"{item.display}: {p}" for p in exc.problems)
        if problems:
            raise InputError(", ".join(map(str, paths)), problems)
        ctx = build_context(con, now=now, synthetic=synthetic_hashes([Path(p) for p in paths]))
        loads = []
        for item, chosen in plan:
            if progress:
                progress(item)
            loads.append(
                load_file(
                    con,
                    item.path,
                    chosen,
                    ctx,
                    run_id=run_id,
                    mapping=mapping,
                    name=item.name,
                    display=item.display,
                )
            )
        return loads


def ingest_folder(
    con: duckdb.DuckDBPyConnection,
    folder: Path,
    *,
    run_id: str | None = None,
    now: datetime | None = None,
    allow_empty: bool = False,
) -> list[FileLoad]:
    """Load every table under ``folder`` (see ``ingest_paths``)."""
    return ingest_paths(con, [folder], run_id=run_id, now=now, allow_empty=allow_empty)
