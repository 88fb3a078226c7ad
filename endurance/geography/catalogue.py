"""List the reference layers the warehouse holds.

Every load of a layer records itself in ``geo.layers``: the official boundaries by
kind and vintage, imported layers, the hotspot gazetteer and the ward designations,
each with the file it came from, that file's sha256 and when it was loaded.
``endurance geodata list`` shows this catalogue.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

import duckdb


@dataclass(frozen=True)
class LayerInfo:
    """One loaded reference layer, as ``endurance geodata list`` shows it."""

    kind: str
    vintage: str
    features: int
    source: str
    sha256: str | None
    loaded_at: datetime | None


def list_layers(con: duckdb.DuckDBPyConnection) -> list[LayerInfo]:
    """Return every loaded layer (``geo.layers``: official layers and the gazetteer) and designations."""
    rows = con.execute(
        "SELECT kind, vintage, features, path, sha256, loaded_at FROM geo.layers ORDER BY kind, vintage"
    ).fetchall()
    found = [LayerInfo(str(k), str(v), int(n), str(p), s, t) for k, v, n, p, s, t in rows]
    return sorted(found, key=lambda info: (info.kind, info.vintage))
