"""Load the named-hotspot gazetteer: the places the force calls its hotspots.

A hotspot is a named polygon (Eston Hills, Coatham Sands ...) with the aliases people
use for it, the local authority it lies in, the concern it is known for and the source
of its outline. The project authors the gazetteer itself (``geodata/hotspots.geojson``);
a force may replace it with its own layer through
:func:`endurance.geography.importing.import_layer`.

An optional ``buffer_m`` per place (metres) widens the area used for attribution only,
so a beach hotspot can catch incidents plotted on the promenade beside it.
"""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from pathlib import Path

import duckdb
import geopandas as gpd
import pandas as pd

from endurance import PROJECT_CRS
from endurance._errors import InputError
from endurance._files import sha256_file
from endurance.warehouse import transaction

#: The project's own gazetteer of named hotspots.
HOTSPOTS_PATH = Path(__file__).resolve().parents[2] / "geodata" / "hotspots.geojson"

#: The properties every place of the gazetteer carries.
HOTSPOT_COLUMNS = ("hotspot_id", "name", "aliases", "lad_code", "concern", "source")


def load_hotspots(con: duckdb.DuckDBPyConnection, paths: Path | Sequence[Path] = HOTSPOTS_PATH) -> int:
    """Load the named-hotspot gazetteer(s) into ``geo.hotspots``; return the number of places.

    Several files (one per force in use, ``forces.gazetteers``) are stored together, recorded
    as their paths joined by ``;`` and a checksum of their checksums, as the official layers are.
    """
    files = [Path(paths)] if isinstance(paths, str | Path) else [Path(p) for p in paths]
    frames = [gpd.read_file(path) for path in files]
    digests = [sha256_file(path) for path in files]
    if len(files) == 1:
        return store_hotspots(con, frames[0], path=files[0], sha256=digests[0])
    frame = gpd.GeoDataFrame(pd.concat([f.to_crs(4326) for f in frames], ignore_index=True), crs=4326)
    combined = hashlib.sha256("\n".join(digests).encode()).hexdigest()
    return store_hotspots(con, frame, path=";".join(str(p) for p in files), sha256=combined)


def store_hotspots(
    con: duckdb.DuckDBPyConnection, frame: gpd.GeoDataFrame, *, path: Path | str, sha256: str
) -> int:
    """Replace ``geo.hotspots`` with the places of ``frame``; return the number of places.

    Parameters
    ----------
    con
        An open warehouse.
    frame
        The places in longitude/latitude (EPSG:4326) with the :data:`HOTSPOT_COLUMNS`
        properties, and optionally ``buffer_m``.
    path, sha256
        The file the places came from (several joined by ``;``) and its sha256 (their
        checksums' checksum), recorded in ``geo.layers`` so a change of the gazetteer is seen.

    Raises
    ------
    InputError
        Naming ``path`` when properties are missing or ``hotspot_id`` values repeat.
    """
    problems = [f"missing property {c!r}" for c in HOTSPOT_COLUMNS if c not in frame.columns]
    if not problems and frame["hotspot_id"].duplicated().any():
        problems.append("hotspot_id values are not unique")
    if problems:
        raise InputError(path, problems)
    metres = frame.to_crs(PROJECT_CRS)
    table = frame[list(HOTSPOT_COLUMNS)].copy()
    table["wkb_27700"] = metres.geometry.to_wkb()
    table["wkb_4326"] = frame.geometry.to_wkb()
    buffers = frame["buffer_m"] if "buffer_m" in frame.columns else None
    table["buffer_m"] = 0.0 if buffers is None else buffers.fillna(0).astype(float)
    with transaction(con):
        con.register("hotspot_frame", table)
        con.execute("DELETE FROM geo.hotspots")
        con.execute(
            "INSERT INTO geo.hotspots (hotspot_id, name, aliases, lad_code, concern, source, area_km2,"
            " geom_27700, geom_4326, buffer_m) SELECT hotspot_id, name, aliases, lad_code, concern, source,"
            " ST_Area(ST_GeomFromWKB(wkb_27700)) / 1e6, ST_GeomFromWKB(wkb_27700),"
            " ST_GeomFromWKB(wkb_4326), buffer_m FROM hotspot_frame"
        )
        # The gazetteer is one layer: recorded like the official ones, so a change is seen.
        con.execute("DELETE FROM geo.layers WHERE kind = 'hotspot'")
        con.execute(
            "INSERT INTO geo.layers VALUES ('hotspot', 'gazetteer', ?, ?, ?, now()::TIMESTAMP)",
            [str(path), sha256, len(frame)],
        )
        con.unregister("hotspot_frame")
    return len(frame)
