"""A warehouse serving Cleveland and Durham, with a synthetic year analysed in every analysis area.

Off-road-bike incidents are staged by hand around three places of each force's gazetteer
(Eston Hills, Hemlington and Hartlepool Headland; Horden beach banks, Waldridge Fell and
east Darlington), 2024-07 to 2025-12, with a few incidents just either side of the
boundary between the forces, then attributed, linked, built into marts and analysed for
2025 in the areas ``cleveland``, ``durham`` and ``joint``.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
import shapely

from endurance import forces, freshness, geography, linking, marts, warehouse
from endurance.geography import attribution
from endurance.periods import Period
from tests._staging import incident, stage_rows

YEAR = Period("2025-01", "2025-12")
#: (gazetteer place id, incidents a month) of each force's busy places.
PLACES = {
    "cleveland": [("eston-hills", 9), ("hemlington", 5), ("hartlepool-headland", 3)],
    "durham": [("DUR-horden-coast", 7), ("DUR-waldridge-fell", 4), ("DUR-darlington-east", 3)],
}
#: Points 300 m either side of the midpoint of the boundary between the forces (British National Grid).
BORDER = {"cleveland": (438_604.0, 525_129.0), "durham": (438_004.0, 525_129.0)}


def skip_without_durham(geodata_dir: Path) -> None:
    """Skip the test when Durham's boundaries (``durham/`` in the shared geodata) are not there."""
    if not any(geodata_dir.glob("durham/*wards_*.geojson")):
        pytest.skip("Durham's boundaries (durham/ in the shared geodata) not available")


def months() -> list[str]:
    return Period("2024-07", "2025-12").months


def _rows(con) -> list[dict]:
    rng = np.random.default_rng(14)
    places = dict(con.execute("SELECT hotspot_id, ST_AsWKB(geom_27700) FROM geo.hotspots").fetchall())
    rows = []
    for force, busy in PLACES.items():
        for place, per_month in busy:
            polygon = shapely.from_wkb(bytes(places[place]))
            cx, cy = polygon.representative_point().coords[0]
            for month in months():
                for k in range(per_month + int(rng.integers(0, 3))):
                    x, y = cx + rng.normal(0, 120), cy + rng.normal(0, 120)
                    day = 1 + int(rng.integers(0, 27))
                    rows.append((f"{force}-{place}-{month}-{k}", x, y, f"{month}-{day:02d} 19:{k % 60:02d}"))
        x, y = BORDER[force]
        for month in months()[-6:]:
            rows.append((f"{force}-border-{month}", x, y, f"{month}-10 20:00"))
    return [
        {**incident(ref, x, y, at), "file_sha256": "two-forces", "row_number": n}
        for n, (ref, x, y, at) in enumerate(rows, start=1)
    ]


def build(path: Path, geodata_dir: Path) -> dict:
    """Fill ``path`` as described above; return each area's analysis summary."""
    both = (forces.CLEVELAND, forces.DURHAM)
    with warehouse.connect(path) as con:
        geography.load_official_layers(con, geodata_dir, forces=both)
        geography.load_hotspots(con, forces.gazetteers(both))
        stage_rows(con, "staging.stg_incident_log_incidents", _rows(con))
        attribution.attribute_events(con)
        linking.link_events(con)
        marts.build_marts(con)
        return freshness.analyse(con, YEAR, vintage="2024")
