"""Load the official boundary layers: wards by vintage, districts, force areas, LSOAs.

Official layers (wards by vintage, local authority districts, police force areas,
LSOAs) are never committed to this repository. They are found, in this order:

1. an explicit folder passed by the caller;
2. the folder named by ``ENDURANCE_GEODATA``;
3. the project's download cache (``$XDG_CACHE_HOME/endurance/geodata``).

Which files make a force's layers is said by its profile (``endurance.forces``): glob
patterns per kind, relative to the folder. The layers of every force in use are loaded
into the same tables: files of one kind and vintage from several forces (Cleveland's
and Durham's 2024 wards) are stored together as one layer, recorded in ``geo.layers``
with every file's path and a checksum of their checksums (the file's own sha256 when
there is one file), so a change to any of them, or to the forces in use, reloads it.

Each layer is read with GeoPandas, checked to be longitude/latitude (EPSG:4326),
reprojected once to British National Grid (EPSG:27700, metres) and stored in the
``geo`` schema with both geometries: metres for every spatial join and measurement,
degrees for maps.
"""

from __future__ import annotations

import hashlib
import os
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import duckdb
import geopandas as gpd
import pandas as pd
import shapely

from endurance import DISPLAY_CRS, PROJECT_CRS
from endurance._errors import GeodataMissingError, InputError
from endurance._files import sha256_file
from endurance.forces import DEFAULT_PROFILES, SHIPPED, ForceProfile
from endurance.warehouse import quote_identifier, quote_table, transaction


@dataclass(frozen=True)
class LayerSpec:
    """Where one kind of official layer is stored and which properties it must carry.

    The files it is read from are named by each force's profile (``ForceProfile.layers``).
    """

    kind: str
    table: str
    columns: tuple[str, ...]
    required: bool


LAYERS = (
    LayerSpec("ward", "geo.wards", ("ward_code", "ward_name", "lad_code", "lad_name"), required=True),
    LayerSpec("lad", "geo.lads", ("lad_code", "lad_name"), required=True),
    LayerSpec("force_area", "geo.force_areas", ("pfa_code", "pfa_name"), required=True),
    LayerSpec("lsoa", "geo.lsoas", ("lsoa_code", "lsoa_name", "lad_code"), required=False),
)


def cache_dir() -> Path:
    """Return the project's download cache for official layers."""
    base = os.environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
    return Path(base) / "endurance" / "geodata"


def resolve_geodata_dir(
    explicit: Path | None = None,
    *,
    env_dir: Path | None = None,
    forces: Sequence[ForceProfile] = DEFAULT_PROFILES,
) -> Path:
    """Return the first folder that holds official ward boundaries (of the first force in use).

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
    pattern = forces[0].patterns("ward")[0]
    tried = []
    for label, folder in candidates:
        if folder is None:
            tried.append(f"{label}: not set")
            continue
        if any(Path(folder).glob(pattern)):
            return Path(folder)
        tried.append(f"{label}: {folder} holds no {pattern}")
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


def _layer_paths(geodata_dir: Path, spec: LayerSpec, forces: Sequence[ForceProfile]) -> list[Path]:
    """Return the files of one kind for every force in use, each once, in the forces' order."""
    paths: dict[Path, None] = {}
    for force in forces:
        found = sorted(p for pattern in force.patterns(spec.kind) for p in geodata_dir.glob(pattern))
        if spec.required and not found:
            patterns = ", ".join(force.patterns(spec.kind)) or "no pattern in its profile"
            raise GeodataMissingError(
                f"{geodata_dir} has no {spec.kind} layer of force {force.key} ({patterns}); "
                "see PROVENANCE.md of the shared geodata for the expected files"
            )
        paths.update(dict.fromkeys(found))
    return list(paths)


def _read_by_vintage(
    paths: list[Path], spec: LayerSpec
) -> dict[str, list[tuple[Path, str, gpd.GeoDataFrame]]]:
    """Read each file, check it holds one vintage, and group the files by vintage."""
    groups: dict[str, list[tuple[Path, str, gpd.GeoDataFrame]]] = {}
    for path in paths:
        digest = sha256_file(path)
        frame = read_layer(path, spec.columns)
        vintages = sorted(frame["vintage"].astype(str).unique())
        if len(vintages) != 1:
            raise InputError(path, [f"one vintage per file expected, found {vintages}"])
        groups.setdefault(vintages[0], []).append((path, digest, frame))
    return groups


def _combined(
    spec: LayerSpec, vintage: str, group: list[tuple[Path, str, gpd.GeoDataFrame]]
) -> tuple[str, str, gpd.GeoDataFrame]:
    """Join the files of one kind and vintage into one layer: its paths, checksum and features."""
    if len(group) == 1:
        path, digest, frame = group[0]
        return str(path), digest, frame
    frame = gpd.GeoDataFrame(pd.concat([f for _, _, f in group], ignore_index=True), crs=group[0][2].crs)
    code = spec.columns[0]
    repeated = sorted(frame.loc[frame[code].duplicated(), code].astype(str).unique())
    if repeated:
        raise InputError(
            "; ".join(str(p) for p, _, _ in group),
            [f"{spec.kind} codes of vintage {vintage} appear in more than one file: {repeated[:10]}"],
        )
    digest = hashlib.sha256("\n".join(d for _, d, _ in group).encode()).hexdigest()
    return ";".join(str(p) for p, _, _ in group), digest, frame


def load_official_layers(
    con: duckdb.DuckDBPyConnection,
    geodata_dir: Path,
    *,
    forces: Sequence[ForceProfile] = DEFAULT_PROFILES,
) -> list[dict[str, object]]:
    """Load every official layer and vintage of the forces in use found in ``geodata_dir`` into ``geo``.

    Files of one kind and vintage from several forces are stored together as one layer.
    A layer already loaded from files with the same sha256 is left as it is.
    Returns one summary per layer and vintage (kind, vintage, features, path, loaded or kept).
    """
    summaries: list[dict[str, object]] = []
    for spec in LAYERS:
        groups = _read_by_vintage(_layer_paths(geodata_dir, spec, forces), spec)
        for vintage, group in groups.items():
            path, digest, frame = _combined(spec, vintage, group)
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
                        [spec.kind, vintage, path, digest, len(frame)],
                    )
                status = "loaded"
            summaries.append(
                {
                    "kind": spec.kind,
                    "vintage": vintage,
                    "features": len(frame),
                    "path": path,
                    "status": status,
                }
            )
    return summaries


def ward_vintages(con: duckdb.DuckDBPyConnection) -> list[str]:
    """Return the ward boundary vintages loaded, oldest first."""
    return [r[0] for r in con.execute("SELECT DISTINCT vintage FROM geo.wards ORDER BY 1").fetchall()]


def _forces_without_wards(con: duckdb.DuckDBPyConnection, forces: Sequence[ForceProfile]) -> list[str]:
    loaded = {r[0] for r in con.execute("SELECT DISTINCT lad_code FROM geo.wards").fetchall()}
    return [f.key for f in forces if not loaded & set(f.lad_codes)]


def force_area(con: duckdb.DuckDBPyConnection, code: str) -> shapely.Geometry:
    """Return the latest loaded outline of the police force area ``code``, in British National Grid.

    Raises
    ------
    LookupError
        When it is not loaded (the message lists the force areas that are).
    """
    row = con.execute(
        "SELECT ST_AsWKB(geom_27700) FROM geo.force_areas WHERE pfa_code = ? ORDER BY vintage DESC LIMIT 1",
        [code],
    ).fetchone()
    if row is None:
        loaded = con.execute("SELECT DISTINCT pfa_code FROM geo.force_areas ORDER BY 1").fetchall()
        codes = ", ".join(r[0] for r in loaded) or "none"
        raise LookupError(f"force area {code} is not loaded (loaded: {codes}); load the geography first")
    return shapely.from_wkb(bytes(row[0]))


def loaded_forces(con: duckdb.DuckDBPyConnection) -> tuple[ForceProfile, ...]:
    """Return the shipped forces whose wards are loaded, or the default forces when none is.

    What the warehouse holds says which forces it serves, so steps that run without
    settings (attribution brought up to date before a map) cover the same forces as the
    load that filled it.
    """
    missing = set(_forces_without_wards(con, tuple(SHIPPED.values())))
    return tuple(f for f in SHIPPED.values() if f.key not in missing) or DEFAULT_PROFILES


def ensure_official_layers(
    con: duckdb.DuckDBPyConnection,
    *,
    env_dir: Path | None = None,
    forces: Sequence[ForceProfile] = DEFAULT_PROFILES,
) -> list[dict[str, object]]:
    """Load the official layers when no ward vintage is loaded yet, or a force in use has no wards.

    Parameters
    ----------
    con
        An open warehouse.
    env_dir
        The ``ENDURANCE_GEODATA`` folder (``Settings.geodata_dir``), the second route of
        :func:`resolve_geodata_dir`.
    forces
        The profiles of the forces in use (``endurance.forces.profiles_in_use``).

    Returns
    -------
    list of dict
        The summaries of :func:`load_official_layers`; empty when wards were already loaded.

    Raises
    ------
    GeodataMissingError
        When no wards are loaded and none of the three routes holds them.
    """
    if ward_vintages(con) and not _forces_without_wards(con, forces):
        return []
    folder = resolve_geodata_dir(env_dir=env_dir, forces=forces)
    return load_official_layers(con, folder, forces=forces)
