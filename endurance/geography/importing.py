"""Import a ward, LSOA or hotspot layer from any file GDAL reads, in any CRS.

A force's own boundaries rarely arrive as the project's GeoJSON: they come as a
GeoPackage or Shapefile in British National Grid, with ONS field names (``WD24CD``/
``WD24NM``, ``LAD24CD``/``LAD24NM``, ``LSOA21CD``/``LSOA21NM`` ...). :func:`import_layer`
reads such a file, recognises its fields (or takes them named explicitly), checks the
whole layer and collects every problem before failing, and stores it beside the
official layers. A ward with no local authority fields gets the authority it overlaps
most in ``geo.lads``; invalid polygons are repaired; a hotspot layer replaces the
gazetteer, with the gazetteer properties it lacks filled in.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

import duckdb
import geopandas as gpd
import pandas as pd
import pyogrio.errors

from endurance import DISPLAY_CRS, PROJECT_CRS
from endurance._errors import InputError
from endurance._files import sha256_file
from endurance.geography.gazetteer import store_hotspots
from endurance.geography.official import LAYERS, insert_layer
from endurance.warehouse import transaction

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
_SPEC = {spec.kind: spec for spec in LAYERS}


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


@dataclass
class _Layer:
    """A layer read and checked: what :func:`_write_layer` stores."""

    frame: gpd.GeoDataFrame
    metres: gpd.GeoDataFrame
    fields: dict[str, str]
    codes: list[str]
    names: list[str]
    lad_codes: list[str]
    lad_names: list[str]
    derived: int
    repaired: int


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
    overrides = {
        "code": code_field,
        "name": name_field,
        "lad_code": lad_code_field,
        "lad_name": lad_name_field,
    }
    problems: list[str] = []
    layer = _check_layer(con, kind, frame, vintage=vintage, overrides=overrides, problems=problems)
    if problems:
        raise InputError(path, problems)
    digest = _write_layer(con, kind, path, vintage, layer)
    return ImportResult(
        kind, vintage, len(frame), str(path), digest, layer.fields, layer.derived, layer.repaired
    )


# ------------------------------------------------------------------------- read


def _read_any_crs(path: Path) -> gpd.GeoDataFrame:
    """Read the layer at ``path``, which must declare its CRS."""
    if not path.is_file():
        raise InputError(path, ["file does not exist"])
    try:
        frame = gpd.read_file(path)
    except (
        pyogrio.errors.DataSourceError,
        pyogrio.errors.DataLayerError,
        OSError,
        UnicodeDecodeError,
    ) as exc:
        raise InputError(
            path, [f"cannot be read as a GeoJSON, GeoPackage or Shapefile layer: {exc}"]
        ) from exc
    if not isinstance(frame, gpd.GeoDataFrame) or frame.geometry.name not in frame.columns:
        # GDAL reads a CSV as a table without geometry: say what was expected instead of failing later
        raise InputError(
            path,
            [
                "the file holds no geometry (a plain table such as a CSV?): give a GeoJSON, "
                "GeoPackage or Shapefile layer of polygons"
            ],
        )
    if frame.crs is None:
        raise InputError(
            path,
            [
                "the layer has no coordinate reference system (a Shapefile needs its .prj); "
                "set one, e.g. EPSG:27700 for British National Grid, and import again"
            ],
        )
    return frame


# --------------------------------------------------------------------- validate


def _check_layer(
    con: duckdb.DuckDBPyConnection,
    kind: str,
    frame: gpd.GeoDataFrame,
    *,
    vintage: str,
    overrides: dict[str, str | None],
    problems: list[str],
) -> _Layer:
    """Map the fields and check the whole layer, adding every problem found to ``problems``."""
    columns = [str(c) for c in frame.columns if c != frame.geometry.name]
    fields = _map_fields(kind, columns, overrides, problems)
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
    metres, repaired, polygonal = _polygons_in_metres(frame, missing_geometry, problems)
    codes, names = _codes_and_names(kind, frame, fields, problems)

    derived = 0
    lad_codes: list[str] = []
    lad_names: list[str] = []
    if "lad_code" in fields:
        lad_codes = [str(v) for v in frame[fields["lad_code"]]]
        lad_names = [str(v) for v in frame[fields["lad_name"]]] if "lad_name" in fields else []
    elif polygonal and not missing_geometry.any() and len(frame):
        labels = codes or [f"feature {i + 1}" for i in range(len(frame))]
        lad_codes, lad_names = _derive_lads(con, metres, labels, problems)
        derived = len(lad_codes)
    if kind == "ward" and "lad_code" in fields and "lad_name" not in fields:
        lad_names = _lad_names(con, lad_codes, problems)
    return _Layer(frame, metres, fields, codes, names, lad_codes, lad_names, derived, repaired)


def _map_fields(
    kind: str, columns: list[str], overrides: dict[str, str | None], problems: list[str]
) -> dict[str, str]:
    """Return the file's column for each target field of ``kind`` it has."""
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
    return fields


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


def _polygons_in_metres(
    frame: gpd.GeoDataFrame, missing_geometry: pd.Series, problems: list[str]
) -> tuple[gpd.GeoDataFrame, int, bool]:
    """Reproject to metres, repairing invalid shapes; return them, the repairs, whether all are polygons."""
    metres = frame.to_crs(PROJECT_CRS)
    invalid = ~metres.geometry.is_valid & ~missing_geometry
    repaired = int(invalid.sum())
    if repaired:
        metres.loc[invalid, metres.geometry.name] = metres.geometry[invalid].make_valid()
    polygonal = metres.geometry.geom_type.isin(["Polygon", "MultiPolygon"]) | missing_geometry
    if not polygonal.all():
        bad = sorted(set(metres.geometry.geom_type[~polygonal].astype(str)))
        problems.append(f"{int((~polygonal).sum())} feature(s) are not polygons ({', '.join(bad)})")
    return metres, repaired, bool(polygonal.all())


def _codes_and_names(
    kind: str, frame: gpd.GeoDataFrame, fields: dict[str, str], problems: list[str]
) -> tuple[list[str], list[str]]:
    """Return each feature's code and name, checking codes are present, well formed and unique."""
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
    return codes, names


def _slug(name: str) -> str:
    """Return ``name`` as a hotspot id: lower case, words joined by hyphens."""
    return re.sub(r"[^a-z0-9]+", "-", name.lower()).strip("-")


# ------------------------------------------------------------- local authorities


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


def _lad_names(con: duckdb.DuckDBPyConnection, lad_codes: list[str], problems: list[str]) -> list[str]:
    """Return the name of each local authority code from ``geo.lads``, noting codes it lacks."""
    known = dict(con.execute("SELECT lad_code, any_value(lad_name) FROM geo.lads GROUP BY 1").fetchall())
    unknown = sorted({c for c in lad_codes if c not in known})
    if unknown:
        problems.append(f"no local authority name field, and codes {unknown[:10]} are not in geo.lads")
    return [str(known.get(c, "")) for c in lad_codes]


# ------------------------------------------------------------------------ write


def _write_layer(con: duckdb.DuckDBPyConnection, kind: str, path: Path, vintage: str, layer: _Layer) -> str:
    """Store the checked layer and record it in ``geo.layers``; return the file's sha256."""
    digest = sha256_file(path)
    if kind == "hotspot":
        # geo.hotspots has no vintage: the gazetteer is replaced whole, in store_hotspots'
        # own transaction, and then recorded.
        _store_hotspots(con, path, digest, layer)
    with transaction(con):
        if kind != "hotspot":
            table = gpd.GeoDataFrame(
                {f"{kind}_code": layer.codes, f"{kind}_name": layer.names, "lad_code": layer.lad_codes},
                geometry=layer.metres.geometry.to_numpy(),
                crs=PROJECT_CRS,
            )
            if kind == "ward":
                table["lad_name"] = layer.lad_names
            insert_layer(con, _SPEC[kind], table, vintage)
        con.execute(
            "DELETE FROM geo.layers WHERE kind = ? AND (vintage = ? OR kind = 'hotspot')", [kind, vintage]
        )
        con.execute(
            "INSERT INTO geo.layers VALUES (?, ?, ?, ?, ?, now()::TIMESTAMP)",
            [kind, vintage, str(path.resolve()), digest, len(layer.frame)],
        )
    return digest


def _store_hotspots(con: duckdb.DuckDBPyConnection, path: Path, digest: str, layer: _Layer) -> None:
    """Replace ``geo.hotspots`` with the layer, filling gazetteer properties it lacks."""
    frame, names = layer.frame, layer.names

    def column(name: str, default: list[str]) -> list[str]:
        if name in frame.columns:
            return [
                str(v) if v is not None and not pd.isna(v) else d
                for v, d in zip(frame[name], default, strict=True)
            ]
        return default

    table = gpd.GeoDataFrame(
        {
            "hotspot_id": layer.codes,
            "name": names,
            "aliases": column("aliases", names),
            "lad_code": layer.lad_codes,
            "concern": column("concern", ["off-road bikes"] * len(names)),
            "source": column("source", [f"imported from {path.name}"] * len(names)),
        },
        geometry=layer.metres.geometry.to_numpy(),
        crs=PROJECT_CRS,
    ).to_crs(DISPLAY_CRS)
    if "buffer_m" in frame.columns:  # optional attribution buffer, passed through as given
        table["buffer_m"] = frame["buffer_m"].to_numpy()
    store_hotspots(con, table, path=path, sha256=digest)
