"""Load the official boundary layers: wards by vintage, districts, force areas, LSOAs.

Official layers (wards by vintage, local authority districts, police force areas,
LSOAs) are never committed to this repository. They are found, in this order:

1. an explicit folder passed by the caller;
2. the folder named by ``ENDURANCE_GEODATA``;
3. the project's download cache (``$XDG_CACHE_HOME/endurance/geodata``).

Each layer is read with GeoPandas, checked to be longitude/latitude (EPSG:4326),
reprojected once to British National Grid (EPSG:27700, metres) and stored in the
``geo`` schema with both geometries: metres for every spatial join and measurement,
degrees for maps.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

import duckdb
import geopandas as gpd

from endurance import DISPLAY_CRS, PROJECT_CRS
from endurance._errors import GeodataMissingError, InputError
from endurance._files import sha256_file
from endurance.warehouse import quote_identifier, quote_table, transaction

#: The police force area the pipeline serves (Cleveland Police).
FORCE_CODE = "E23000013"


@dataclass(frozen=True)
class LayerSpec:
    """How one kind of official layer is found and which properties it must carry."""

    kind: str
    pattern: str
    table: str
    columns: tuple[str, ...]
    required: bool


LAYERS = (
    LayerSpec(
        "ward",
        "*wards_*.geojson",
        "geo.wards",
        ("ward_code", "ward_name", "lad_code", "lad_name"),
        required=True,
    ),
    LayerSpec("lad", "*lads_*.geojson", "geo.lads", ("lad_code", "lad_name"), required=True),
    LayerSpec(
        "force_area",
        "police_force_areas_*.geojson",
        "geo.force_areas",
        ("pfa_code", "pfa_name"),
        required=True,
    ),
    LayerSpec(
        "lsoa",
        "*lsoa_*.geojson",
        "geo.lsoas",
        ("lsoa_code", "lsoa_name", "lad_code"),
        required=False,
    ),
)


def cache_dir() -> Path:
    """Return the project's download cache for official layers."""
    base = os.environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
    return Path(base) / "endurance" / "geodata"


def resolve_geodata_dir(explicit: Path | None = None, *, env_dir: Path | None = None) -> Path:
    """Return the first folder that holds official ward boundaries.

    Raises
    ------
    GeodataMissingError
        When none of the three routes holds a ward layer; the message names all three.
    """
    candidates = [
        ("an explicit path", explicit),
        ("ENDURANCE_GEODATA", env_dir),
        ("the download cache", cache_dir()),
    ]
    tried = []
    for label, folder in candidates:
        if folder is None:
            tried.append(f"{label}: not set")
            continue
        if any(Path(folder).glob(LAYERS[0].pattern)):
            return Path(folder)
        tried.append(f"{label}: {folder} holds no {LAYERS[0].pattern}")
    raise GeodataMissingError(
        "official ward boundaries not found. Provide them in one of three ways: pass the folder "
        "explicitly (the geodata_dir argument of the library functions); set ENDURANCE_GEODATA to a "
        "folder holding cleveland_wards_<vintage>.geojson (the Makefile uses ../shared/geodata when it "
        f"exists); or put the files in the download cache, {cache_dir()}. Tried: " + "; ".join(tried)
    )


def read_layer(path: Path, columns: tuple[str, ...]) -> gpd.GeoDataFrame:
    """Read a boundary file, check its CRS and properties, and reproject it to metres."""
    frame = gpd.read_file(path)
    problems = [f"missing property {c!r}" for c in columns if c not in frame.columns]
    if frame.crs is None or frame.crs.to_epsg() != 4326:
        problems.append(f"CRS must be EPSG:4326 (longitude/latitude), found {frame.crs}")
    if "vintage" not in frame.columns:
        problems.append("missing property 'vintage'")
    if frame.geometry.isna().any():
        problems.append(f"{int(frame.geometry.isna().sum())} feature(s) have no geometry")
    if problems:
        raise InputError(path, problems)
    return frame.to_crs(PROJECT_CRS)


def insert_layer(
    con: duckdb.DuckDBPyConnection, spec: LayerSpec, frame: gpd.GeoDataFrame, vintage: str
) -> None:
    """Replace one kind and vintage of a layer with ``frame`` (already in metres)."""
    table = frame[list(spec.columns)].copy()
    table["vintage"] = vintage
    table["wkb_27700"] = frame.geometry.to_wkb()
    table["wkb_4326"] = frame.geometry.to_crs(DISPLAY_CRS).to_wkb()
    table_name = quote_table(spec.table)
    columns = ", ".join(quote_identifier(c) for c in spec.columns)
    extra = ", ST_Area(ST_GeomFromWKB(wkb_27700)) / 1e6" if spec.kind == "ward" else ""
    area_col = ", area_km2" if spec.kind == "ward" else ""
    con.register("layer_frame", table)
    con.execute(f"DELETE FROM {table_name} WHERE vintage = ?", [vintage])  # noqa: S608 (quoted)
    target = f"{table_name} (vintage, {columns}{area_col}, geom_27700, geom_4326)"
    select = f"vintage, {columns}{extra}, ST_GeomFromWKB(wkb_27700), ST_GeomFromWKB(wkb_4326)"
    insert = f"INSERT INTO {target} SELECT {select} FROM layer_frame"  # noqa: S608 (quoted)
    con.execute(insert)
    con.unregister("layer_frame")


def load_official_layers(con: duckdb.DuckDBPyConnection, geodata_dir: Path) -> list[dict[str, object]]:
    """Load every official layer and vintage found in ``geodata_dir`` into ``geo``.

    A layer already loaded from a file with the same sha256 is left as it is.
    Returns one summary per layer file (kind, vintage, features, path, loaded or kept).
    """
    summaries: list[dict[str, object]] = []
    for spec in LAYERS:
        paths = sorted(geodata_dir.glob(spec.pattern))
        if spec.required and not paths:
            raise GeodataMissingError(
                f"{geodata_dir} has no {spec.kind} layer ({spec.pattern}); "
                "see PROVENANCE.md of the shared geodata for the expected files"
            )
        for path in paths:
            digest = sha256_file(path)
            frame = read_layer(path, spec.columns)
            vintages = sorted(frame["vintage"].astype(str).unique())
            if len(vintages) != 1:
                raise InputError(path, [f"one vintage per file expected, found {vintages}"])
            vintage = vintages[0]
            known = con.execute(
                "SELECT sha256 FROM geo.layers WHERE kind = ? AND vintage = ?", [spec.kind, vintage]
            ).fetchone()
            status = "kept"
            if known is None or known[0] != digest:
                with transaction(con):
                    insert_layer(con, spec, frame, vintage)
                    con.execute(
                        "DELETE FROM geo.layers WHERE kind = ? AND vintage = ?",
                        [spec.kind, vintage],
                    )
                    con.execute(
                        "INSERT INTO geo.layers VALUES (?, ?, ?, ?, ?, now()::TIMESTAMP)",
                        [spec.kind, vintage, str(path), digest, len(frame)],
                    )
                status = "loaded"
            summaries.append(
                {
                    "kind": spec.kind,
                    "vintage": vintage,
                    "features": len(frame),
                    "path": str(path),
                    "status": status,
                }
            )
    return summaries


def ward_vintages(con: duckdb.DuckDBPyConnection) -> list[str]:
    """Return the ward boundary vintages loaded, oldest first."""
    return [r[0] for r in con.execute("SELECT DISTINCT vintage FROM geo.wards ORDER BY 1").fetchall()]


def ensure_official_layers(
    con: duckdb.DuckDBPyConnection, *, env_dir: Path | None = None
) -> list[dict[str, object]]:
    """Load the official layers when no ward vintage is loaded yet.

    Parameters
    ----------
    con
        An open warehouse.
    env_dir
        The ``ENDURANCE_GEODATA`` folder (``Settings.geodata_dir``), the second route of
        :func:`resolve_geodata_dir`.

    Returns
    -------
    list of dict
        The summaries of :func:`load_official_layers`; empty when wards were already loaded.

    Raises
    ------
    GeodataMissingError
        When no wards are loaded and none of the three routes holds them.
    """
    if ward_vintages(con):
        return []
    return load_official_layers(con, resolve_geodata_dir(env_dir=env_dir))
