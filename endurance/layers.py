"""Managing reference geography: list, import and fetch layers, load ward designations.

``endurance.geography`` loads the official layers the pipeline expects (GeoJSON in
WGS 84 with the project's property names). This module manages them:

* :func:`list_layers` says what is loaded: every layer recorded in ``geo.layers``, the
  hotspot gazetteer and the ward designations.
* :func:`import_layer` loads a ward, LSOA or hotspot layer from any file GDAL reads
  (GeoJSON, GeoPackage, Shapefile) in any CRS. ONS field names (``WD24CD``/``WD24NM``,
  ``LAD24CD``/``LAD24NM``, ``LSOA21CD``/``LSOA21NM`` ...) are recognised; a ward with
  no local authority fields gets the authority it overlaps most in ``geo.lads``.
* :func:`fetch_official_layers` downloads the layers pinned in ``geodata/manifest.json``
  into the download cache, verifying every file's sha256. The pinned files are the
  Cleveland subsets described in the shared geodata's PROVENANCE.md; the manifest's
  URLs name their source datasets on the ONS Open Geography Portal, which serves the
  whole-UK datasets and so never matches the pinned checksums. Use ``base_url`` to
  fetch from a mirror serving the subsets.
* :func:`load_designations` loads the force's neighbourhood-policing designation of
  each ward (Strengthen, Support or Sustain) with the period it is in force.
"""

from __future__ import annotations

import csv
import hashlib
import json
import re
import tempfile
import time
import urllib.error
import urllib.request
from dataclasses import dataclass
from datetime import date, datetime
from pathlib import Path

import duckdb
import geopandas as gpd
import pandas as pd
import pyogrio.errors

from endurance import DISPLAY_CRS, PROJECT_CRS, _publish, geography
from endurance._errors import EnduranceError, InputError
from endurance.warehouse import transaction

#: Where the project keeps what it authors about geography.
GEODATA_DIR = Path(__file__).resolve().parents[1] / "geodata"
#: The committed manifest of the official layers (vintage, source dataset, checksum).
MANIFEST_PATH = GEODATA_DIR / "manifest.json"
#: The template the force fills with its ward designations.
DESIGNATIONS_TEMPLATE = GEODATA_DIR / "ward_designations_template.csv"

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
IMPORT_KINDS = ("ward", "lsoa", "hotspot")

# Property recognised for each target column: the project's own name, then ONS patterns
# (two-digit year of the vintage). Welsh names (WD24NMW) do not match.
_FIELDS: dict[str, dict[str, tuple[str, ...]]] = {
    "ward": {
        "code": ("ward_code", r"wd\d{2}cd"),
        "name": ("ward_name", r"wd\d{2}nm"),
        "lad_code": ("lad_code", r"lad\d{2}cd"),
        "lad_name": ("lad_name", r"lad\d{2}nm"),
    },
    "lsoa": {
        "code": ("lsoa_code", r"lsoa\d{2}cd"),
        "name": ("lsoa_name", r"lsoa\d{2}nm"),
        "lad_code": ("lad_code", r"lad\d{2}cd"),
        "lad_name": ("lad_name", r"lad\d{2}nm"),
    },
    "hotspot": {
        "code": ("hotspot_id",),
        "name": ("name", "hotspot"),
        "lad_code": ("lad_code", r"lad\d{2}cd"),
        "lad_name": ("lad_name", r"lad\d{2}nm"),
    },
}
_CODE_PATTERNS = {"ward": r"[EWSN]\d{8}", "lsoa": r"[EW]01\d{6}", "hotspot": r"[a-z0-9][a-z0-9-]*"}
_SPEC = {spec.kind: spec for spec in geography.LAYERS}


class FetchError(EnduranceError, ConnectionError):
    """A layer could not be downloaded after the allowed retries."""


@dataclass(frozen=True)
class LayerInfo:
    """One loaded reference layer, as ``endurance geodata list`` shows it."""

    kind: str
    vintage: str
    features: int
    source: str
    sha256: str | None
    loaded_at: datetime | None


@dataclass(frozen=True)
class ManifestEntry:
    """One official layer pinned in ``geodata/manifest.json``."""

    kind: str
    vintage: str
    file: str
    url: str
    source_dataset: str
    sha256: str
    bytes: int


@dataclass(frozen=True)
class FetchResult:
    """What :func:`fetch_official_layers` did with one manifest entry."""

    file: str
    path: Path
    url: str
    status: str  # "downloaded" | "present"
    sha256: str


@dataclass(frozen=True)
class ImportResult:
    """What :func:`import_layer` stored."""

    kind: str
    vintage: str
    features: int
    path: str
    sha256: str
    fields: dict[str, str]
    derived_lads: int
    repaired: int


@dataclass(frozen=True)
class DesignationLoad:
    """What :func:`load_designations` stored."""

    path: str
    vintages: tuple[str, ...]
    designated: int
    not_designated: int


def _sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


# --------------------------------------------------------------------------- list


def list_layers(con: duckdb.DuckDBPyConnection) -> list[LayerInfo]:
    """Return every loaded layer (``geo.layers``: official layers and the gazetteer) and designations."""
    rows = con.execute(
        "SELECT kind, vintage, features, path, sha256, loaded_at FROM geo.layers ORDER BY kind, vintage"
    ).fetchall()
    found = [LayerInfo(str(k), str(v), int(n), str(p), s, t) for k, v, n, p, s, t in rows]
    return sorted(found, key=lambda info: (info.kind, info.vintage))


# ------------------------------------------------------------------------- import


def _match_field(
    columns: list[str], candidates: tuple[str, ...], override: str | None, label: str
) -> tuple[str | None, str | None]:
    """Return (column, problem) for one target field."""
    if override is not None:
        exact = [c for c in columns if c == override] or [c for c in columns if c.lower() == override.lower()]
        if not exact:
            return None, f"{label} field {override!r} (given explicitly) is not in the file; it has {columns}"
        return exact[0], None
    hits = [c for c in columns if any(re.fullmatch(p, c, flags=re.IGNORECASE) for p in candidates)]
    if len(hits) > 1:
        return None, f"{label} field is ambiguous: {hits} all match; name one explicitly"
    return (hits[0], None) if hits else (None, None)


def _read_any_crs(path: Path) -> gpd.GeoDataFrame:
    if not path.is_file():
        raise InputError(path, ["file does not exist"])
    try:
        frame = gpd.read_file(path)
    except (pyogrio.errors.DataSourceError, pyogrio.errors.DataLayerError, OSError) as exc:
        raise InputError(
            path, [f"cannot be read as a GeoJSON, GeoPackage or Shapefile layer: {exc}"]
        ) from exc
    if frame.crs is None:
        raise InputError(
            path,
            [
                "the layer has no coordinate reference system (a Shapefile needs its .prj); "
                "set one, e.g. EPSG:27700 for British National Grid, and import again"
            ],
        )
    return frame


def _derive_lads(
    con: duckdb.DuckDBPyConnection, frame: gpd.GeoDataFrame, codes: list[str], problems: list[str]
) -> tuple[list[str], list[str]]:
    """Give each feature the local authority it overlaps most (by area) in ``geo.lads``."""
    row = con.execute("SELECT max(vintage) FROM geo.lads").fetchone()
    if row is None or row[0] is None:
        problems.append(
            "the layer has no local authority fields and geo.lads is empty, so none can be derived: "
            "load the official layers first (they include cleveland_durham_lads_2024.geojson) or "
            "name the fields explicitly"
        )
        return [], []
    wkb = frame.geometry.to_wkb()
    con.register("import_shapes", pd.DataFrame({"row_id": range(len(frame)), "wkb": wkb}))
    try:
        found = con.execute(
            """
            WITH lads AS (SELECT lad_code, lad_name, geom_27700 FROM geo.lads WHERE vintage = ?),
            shapes AS (SELECT row_id, ST_GeomFromWKB(wkb) AS geom FROM import_shapes),
            shared AS (
                SELECT s.row_id, l.lad_code, l.lad_name,
                       ST_Area(ST_Intersection(s.geom, l.geom_27700)) AS area, ST_Area(s.geom) AS total
                FROM shapes AS s JOIN lads AS l ON ST_Intersects(s.geom, l.geom_27700)
            )
            SELECT row_id, arg_max(lad_code, area), arg_max(lad_name, area), max(area) / any_value(total)
            FROM shared GROUP BY row_id
            """,
            [row[0]],
        ).fetchall()
    finally:
        con.unregister("import_shapes")
    best = {r[0]: r[1:] for r in found}
    lad_codes, lad_names = [], []
    for i, code in enumerate(codes):
        if i not in best:
            problems.append(f"feature {i + 1} ({code}) overlaps no local authority of geo.lads {row[0]}")
            lad_codes.append("")
            lad_names.append("")
            continue
        lad_code, lad_name, share = best[i]
        if share < 0.5:
            problems.append(
                f"feature {i + 1} ({code}) has only {share:.0%} of its area in any one local authority "
                f"of geo.lads {row[0]}; name the local authority fields explicitly"
            )
        lad_codes.append(str(lad_code))
        lad_names.append(str(lad_name))
    return lad_codes, lad_names


def _slug(name: str) -> str:
    return re.sub(r"[^a-z0-9]+", "-", name.lower()).strip("-")


def import_layer(
    con: duckdb.DuckDBPyConnection,
    kind: str,
    path: Path,
    *,
    vintage: str,
    code_field: str | None = None,
    name_field: str | None = None,
    lad_code_field: str | None = None,
    lad_name_field: str | None = None,
) -> ImportResult:
    """Load a ward, LSOA or hotspot layer from a file in any CRS into the ``geo`` schema.

    Parameters
    ----------
    kind
        ``ward`` (into ``geo.wards``), ``lsoa`` (``geo.lsoas``) or ``hotspot``
        (``geo.hotspots``, replacing the gazetteer).
    path
        A GeoJSON, GeoPackage or Shapefile layer with a declared CRS.
    vintage
        The boundary vintage the layer is stored under, e.g. ``2024``. An earlier load
        of the same kind and vintage is replaced.
    code_field, name_field, lad_code_field, lad_name_field
        Property names, when the automatic recognition (project names, then ONS names
        such as ``WD24CD``) finds none or several.

    Raises
    ------
    InputError
        Listing every problem with the file: no CRS, missing or ambiguous fields,
        empty, duplicate or malformed codes, missing or non-polygon geometries, features
        with no local authority.
    """
    if kind not in IMPORT_KINDS:
        raise InputError(path, [f"kind must be one of {', '.join(IMPORT_KINDS)}, got {kind!r}"])
    path = Path(path)
    frame = _read_any_crs(path)
    columns = [str(c) for c in frame.columns if c != frame.geometry.name]
    overrides = {
        "code": code_field,
        "name": name_field,
        "lad_code": lad_code_field,
        "lad_name": lad_name_field,
    }
    problems: list[str] = []
    fields: dict[str, str] = {}
    for target, candidates in _FIELDS[kind].items():
        column, problem = _match_field(columns, candidates, overrides[target], target.replace("_", " "))
        if problem:
            problems.append(problem)
        elif column is not None:
            fields[target] = column
        elif target in ("code", "name") and not (kind == "hotspot" and target == "code"):
            problems.append(
                f"no {kind} {target} field: looked for {', '.join(candidates)} (case-insensitive); "
                f"the file has {columns}; name it explicitly"
            )
    if "vintage" in columns:
        stated = sorted(set(frame["vintage"].dropna().astype(str)))
        if stated and stated != [vintage]:
            problems.append(f"the file's vintage property says {stated}, but vintage {vintage!r} was given")
    if len(frame) == 0:
        problems.append("the layer has no features")
    missing_geometry = frame.geometry.isna() | frame.geometry.is_empty
    if missing_geometry.any():
        rows = [int(i) + 1 for i in frame.index[missing_geometry]][:10]
        problems.append(f"{int(missing_geometry.sum())} feature(s) have no geometry (features {rows})")

    metres = frame.to_crs(PROJECT_CRS)
    invalid = ~metres.geometry.is_valid & ~missing_geometry
    repaired = int(invalid.sum())
    if repaired:
        metres.loc[invalid, metres.geometry.name] = metres.geometry[invalid].make_valid()
    polygonal = metres.geometry.geom_type.isin(["Polygon", "MultiPolygon"]) | missing_geometry
    if not polygonal.all():
        bad = sorted(set(metres.geometry.geom_type[~polygonal].astype(str)))
        problems.append(f"{int((~polygonal).sum())} feature(s) are not polygons ({', '.join(bad)})")

    names = [str(v) for v in frame[fields["name"]]] if "name" in fields else []
    if "code" in fields:
        codes = ["" if v is None or pd.isna(v) else str(v).strip() for v in frame[fields["code"]]]
    elif kind == "hotspot" and names:
        codes = [_slug(n) for n in names]
    else:
        codes = []
    if codes:
        blank = [i + 1 for i, c in enumerate(codes) if not c]
        if blank:
            problems.append(f"{len(blank)} feature(s) have no code (features {blank[:10]})")
        malformed = [c for c in codes if c and not re.fullmatch(_CODE_PATTERNS[kind], c)]
        if malformed:
            problems.append(f"codes not of the form {_CODE_PATTERNS[kind]}: {malformed[:10]}")
        duplicated = sorted({c for c in codes if c and codes.count(c) > 1})
        if duplicated:
            problems.append(f"codes are not unique: {duplicated[:10]}")
    if names and any(not n.strip() or n in ("None", "nan") for n in names):
        problems.append("some features have no name")

    derived = 0
    lad_codes: list[str] = []
    lad_names: list[str] = []
    if "lad_code" in fields:
        lad_codes = [str(v) for v in frame[fields["lad_code"]]]
        lad_names = [str(v) for v in frame[fields["lad_name"]]] if "lad_name" in fields else []
    elif polygonal.all() and not missing_geometry.any() and len(frame):
        labels = codes or [f"feature {i + 1}" for i in range(len(frame))]
        lad_codes, lad_names = _derive_lads(con, metres, labels, problems)
        derived = len(lad_codes)
    if kind == "ward" and "lad_code" in fields and "lad_name" not in fields:
        lad_names = _lad_names(con, lad_codes, problems)
    if problems:
        raise InputError(path, problems)

    digest = _sha256(path)
    if kind == "hotspot":
        # geo.hotspots has no vintage: the gazetteer is replaced whole, in load_hotspots'
        # own transaction, and then recorded.
        _store_hotspots(con, path, frame, metres, codes, names, lad_codes)
    with transaction(con):
        if kind != "hotspot":
            table = gpd.GeoDataFrame(
                {f"{kind}_code": codes, f"{kind}_name": names, "lad_code": lad_codes},
                geometry=metres.geometry.to_numpy(),
                crs=PROJECT_CRS,
            )
            if kind == "ward":
                table["lad_name"] = lad_names
            geography.insert_layer(con, _SPEC[kind], table, vintage)
        con.execute(
            "DELETE FROM geo.layers WHERE kind = ? AND (vintage = ? OR kind = 'hotspot')", [kind, vintage]
        )
        con.execute(
            "INSERT INTO geo.layers VALUES (?, ?, ?, ?, ?, now()::TIMESTAMP)",
            [kind, vintage, str(path.resolve()), digest, len(frame)],
        )
    return ImportResult(kind, vintage, len(frame), str(path), digest, fields, derived, repaired)


def _lad_names(con: duckdb.DuckDBPyConnection, lad_codes: list[str], problems: list[str]) -> list[str]:
    known = dict(con.execute("SELECT lad_code, any_value(lad_name) FROM geo.lads GROUP BY 1").fetchall())
    unknown = sorted({c for c in lad_codes if c not in known})
    if unknown:
        problems.append(f"no local authority name field, and codes {unknown[:10]} are not in geo.lads")
    return [str(known.get(c, "")) for c in lad_codes]


def _store_hotspots(
    con: duckdb.DuckDBPyConnection,
    path: Path,
    frame: gpd.GeoDataFrame,
    metres: gpd.GeoDataFrame,
    codes: list[str],
    names: list[str],
    lad_codes: list[str],
) -> None:
    """Replace ``geo.hotspots`` with the layer, filling gazetteer properties it lacks."""

    def column(name: str, default: list[str]) -> list[str]:
        if name in frame.columns:
            return [
                str(v) if v is not None and not pd.isna(v) else d
                for v, d in zip(frame[name], default, strict=True)
            ]
        return default

    table = gpd.GeoDataFrame(
        {
            "hotspot_id": codes,
            "name": names,
            "aliases": column("aliases", names),
            "lad_code": lad_codes,
            "concern": column("concern", ["off-road bikes"] * len(names)),
            "source": column("source", [f"imported from {path.name}"] * len(names)),
        },
        geometry=metres.geometry.to_numpy(),
        crs=PROJECT_CRS,
    ).to_crs(DISPLAY_CRS)
    if "buffer_m" in frame.columns:  # optional attribution buffer, passed through as given
        table["buffer_m"] = frame["buffer_m"].to_numpy()
    # load_hotspots reads a WGS 84 file with the gazetteer's properties: give it one.
    with tempfile.TemporaryDirectory(prefix="endurance-hotspots-") as folder:
        staged = Path(folder) / "hotspots.geojson"
        table.to_file(staged, driver="GeoJSON")
        geography.load_hotspots(con, staged)


# -------------------------------------------------------------------------- fetch


def read_manifest(path: Path = MANIFEST_PATH) -> list[ManifestEntry]:
    """Read the manifest of official layers."""
    try:
        data = json.loads(Path(path).read_text(encoding="utf-8"))
        return [
            ManifestEntry(
                kind=str(e["kind"]),
                vintage=str(e["vintage"]),
                file=str(e["file"]),
                url=str(e["url"]),
                source_dataset=str(e["source_dataset"]),
                sha256=str(e["sha256"]).lower(),
                bytes=int(e["bytes"]),
            )
            for e in data["layers"]
        ]
    except (OSError, ValueError, KeyError, TypeError) as exc:
        raise InputError(path, [f"not a readable layer manifest: {exc!r}"]) from exc


def _download(url: str, target: Path, partial: Path, *, timeout: float, retries: int, backoff: float) -> str:
    """Download ``url`` for ``target`` into ``partial`` (a temporary file beside it); return its sha256."""
    last: Exception | None = None
    for attempt in range(retries + 1):
        if attempt:
            time.sleep(backoff * 2 ** (attempt - 1))
        digest = hashlib.sha256()
        try:
            with open(partial, "wb") as out, urllib.request.urlopen(url, timeout=timeout) as response:  # noqa: S310
                for block in iter(lambda: response.read(1 << 16), b""):
                    digest.update(block)
                    out.write(block)
        except urllib.error.HTTPError as exc:
            if exc.code < 500:  # a missing file stays missing: do not retry
                raise FetchError(f"{target.name}: {url} answered HTTP {exc.code} {exc.reason}") from exc
            last = exc
            continue
        except (urllib.error.URLError, TimeoutError, ConnectionError) as exc:
            last = exc
            continue
        return digest.hexdigest()
    raise FetchError(f"{target.name}: {url} failed after {retries + 1} attempt(s): {last}")


class _ChecksumMismatch(Exception):
    """A download whose sha256 is not the pinned one (it is then not kept)."""


def fetch_official_layers(
    dest_dir: Path | None = None,
    *,
    manifest_path: Path = MANIFEST_PATH,
    base_url: str | None = None,
    timeout: float = 60.0,
    retries: int = 3,
    backoff: float = 1.0,
) -> list[FetchResult]:
    """Download the official layers of the manifest, verifying each file's sha256.

    Parameters
    ----------
    dest_dir
        Where the files go; by default the download cache that
        ``endurance.geography.resolve_geodata_dir`` searches third.
    manifest_path
        The manifest of layers (kind, vintage, file, url, sha256, bytes).
    base_url
        Fetch ``<base_url>/<file>`` instead of each entry's ``url``: a mirror serving
        the pinned subsets, or a local server in tests.
    timeout, retries, backoff
        Seconds per request; extra attempts after network errors and 5xx answers, with
        ``backoff`` seconds doubling between them.

    A file already present with the pinned checksum is kept (not downloaded). Each
    download goes to a temporary file renamed into place only when its checksum
    matches; a mismatch deletes it.

    Raises
    ------
    InputError
        Naming every file whose download did not match its pinned checksum (expected
        and actual sha256), after trying every file.
    FetchError
        When a file could not be downloaded at all.
    """
    entries = read_manifest(manifest_path)
    folder = Path(dest_dir) if dest_dir is not None else geography.cache_dir()
    folder.mkdir(parents=True, exist_ok=True)
    results: list[FetchResult] = []
    problems: list[str] = []
    for entry in entries:
        target = folder / entry.file
        url = f"{base_url.rstrip('/')}/{entry.file}" if base_url else entry.url
        if target.is_file() and _sha256(target) == entry.sha256:
            results.append(FetchResult(entry.file, target, url, "present", entry.sha256))
            continue
        try:
            with _publish.publishing(target) as partial:
                actual = _download(url, target, partial, timeout=timeout, retries=retries, backoff=backoff)
                if actual != entry.sha256:
                    raise _ChecksumMismatch(actual)
        except _ChecksumMismatch as mismatch:
            problems.append(
                f"{entry.file} from {url}: sha256 mismatch, expected {entry.sha256}, got {mismatch}; "
                "the download was deleted"
            )
            continue
        results.append(FetchResult(entry.file, target, url, "downloaded", actual))
    if problems:
        raise InputError(manifest_path, problems)
    return results


# -------------------------------------------------------------------- designations


def _parse_date(value: str, row: int, column: str, problems: list[str]) -> date | None:
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

    wards = set(con.execute("SELECT vintage, ward_code FROM geo.wards").fetchall())
    vintages_loaded = {v for v, _ in wards}
    problems: list[str] = []
    records: list[tuple[str, str, str, date, date | None, str, int]] = []
    vintages: set[str] = set()
    blank = 0
    for number, raw in enumerate(rows, start=2):
        row = {k: (raw.get(k) or "").strip() for k in DESIGNATION_COLUMNS}
        vintage, code = row["vintage"], row["ward_code"]
        vintages.add(vintage)
        if not vintage:
            problems.append(f"row {number}: vintage is empty")
        elif vintage not in vintages_loaded:
            problems.append(f"row {number}: no wards of vintage {vintage!r} are loaded")
        elif (vintage, code) not in wards:
            problems.append(f"row {number}: {code!r} is not a ward code of vintage {vintage}")
        if not row["designation"]:
            blank += 1
            continue
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
            records.append((vintage, code, designation, start, end, row["note"], number))

    by_ward: dict[tuple[str, str], list[tuple[date, date | None, int]]] = {}
    for vintage, code, _, start, end, _, number in records:
        by_ward.setdefault((vintage, code), []).append((start, end, number))
    for (vintage, code), periods in sorted(by_ward.items()):
        periods.sort()
        for (_, end_a, row_a), (start_b, _, row_b) in zip(periods, periods[1:], strict=False):
            if end_a is None or start_b <= end_a:
                problems.append(f"rows {row_a} and {row_b}: periods for ward {code} ({vintage}) overlap")
    if problems:
        raise InputError(path, problems)

    digest = _sha256(path)
    covered = sorted(vintages)
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
    return DesignationLoad(str(path), tuple(covered), len(records), blank)
