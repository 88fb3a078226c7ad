"""Write the demo's fire brigade incidents: deliberate grass fires on the moors and more.

Deliberate grass and moorland fires cluster on a force's moor (Eston Hills for
Cleveland Fire Brigade, Waldridge Fell for County Durham and Darlington Fire and
Rescue Service) in spring and summer, when dead grass burns; refuse and
derelict-vehicle fires spread over the towns and rural edges; a few primary and
chimney fires sit at (invented) home addresses. Code-list cells are written as labels
mostly, as codes sometimes, as exports do.
"""

from __future__ import annotations

from datetime import datetime

import numpy as np

from endurance.demo import bad_rows
from endurance.demo.forces import DemoForce
from endurance.demo.geography import DemoGeography, clustered_points, coordinate_cells, lsoa_points
from endurance.demo.timing import timestamps
from endurance.sources import fire as fire_source
from endurance.sources._common import lonlat_from_bng

#: Relative monthly volume of deliberate grass and moorland fires: dead grass burns in
#: spring, and again in dry summer weeks.
GRASS_FIRE_MONTH_WEIGHTS = np.array([0.3, 0.6, 1.5, 2.2, 1.8, 1.2, 1.3, 1.2, 0.7, 0.4, 0.3, 0.3])
#: Chimney fires come with the heating season.
CHIMNEY_FIRE_MONTH_WEIGHTS = np.array([2.0, 1.8, 1.2, 0.6, 0.2, 0.1, 0.1, 0.1, 0.3, 0.8, 1.5, 2.0])
#: Cleveland's fires per kind: (count, incident type, fire category, causes, month weights,
#: where); month weights ``None`` follow the force's incident seasons. Another force has
#: its ``fire_share`` of each count.
FIRE_KINDS = [
    (110, "GRASS", "SECONDARY", ("DELIBERATE",), GRASS_FIRE_MONTH_WEIGHTS, "moor"),
    (45, "GRASS", "SECONDARY", ("DELIBERATE",), GRASS_FIRE_MONTH_WEIGHTS, "rural"),
    (60, "REFUSE", "SECONDARY", ("DELIBERATE",), None, "urban"),
    (25, "DERELICT-VEHICLE", "SECONDARY", ("DELIBERATE",), None, "rural"),
    (30, "GRASS", "SECONDARY", ("ACCIDENTAL", "NOT-KNOWN"), GRASS_FIRE_MONTH_WEIGHTS, "rural"),
    (20, "REFUSE", "SECONDARY", ("NOT-KNOWN",), None, "urban"),
    (25, "OTHER", "PRIMARY", ("ACCIDENTAL", "DELIBERATE", "NOT-KNOWN"), np.ones(12), "home"),
    (12, "OTHER", "CHIMNEY", ("ACCIDENTAL",), CHIMNEY_FIRE_MONTH_WEIGHTS, "home"),
]


def _code_cell(code: str, labels: dict[str, str], rng: np.random.Generator) -> str:
    """Return a code-list cell as exports write it: mostly the label, sometimes the code."""
    return labels[code] if rng.random() < 0.8 else code


def fire_rows(
    geo: DemoGeography, force: DemoForce, year: int, rng: np.random.Generator, planted: list[str]
) -> list[list[str]]:
    """Fire brigade incidents: deliberate grass fires on the force's moor in spring and summer."""
    moor, stations = force.moor, force.fire_stations
    fires: list[tuple[datetime, str, str, str, float, float, str, str]] = []
    for count, incident_type, category, causes, weights, where in FIRE_KINDS:
        n = round(count * force.fire_share)
        seasons = force.month_weights if weights is None else weights
        stamps = timestamps(n, year, rng, month_weights=seasons, weekday_weights=force.weekday_weights)
        if where == "moor":
            points = clustered_points(
                geo.hotspots.loc[moor.hotspot_id, "geometry"], n, rng, cores=4, sigma=200.0
            )
        elif where == "rural":
            points = clustered_points(geo.rural, n, rng, cores=8, sigma=500.0)
        else:
            points = lsoa_points(geo, n, rng)
        for stamp, (x, y) in zip(stamps, points, strict=True):
            street = str(rng.choice(geo.streets))
            if where == "moor":
                address, station = f"{moor.name}, {rng.choice(moor.places)}", moor.station
            elif where == "rural":
                address, station = f"Land off {street}", str(rng.choice(stations))
            else:
                house = f"{rng.integers(1, 200)} {street}"
                planted.append(house)
                address = f"Rear of {house}" if where == "urban" else house
                station = str(rng.choice(stations))
            cause = str(rng.choice(causes))
            fires.append((stamp, incident_type, category, cause, x, y, address, station))
    fires.sort(key=lambda f: f[0])
    rows = []
    for i, (stamp, incident_type, category, cause, x, y, address, station) in enumerate(fires):
        called = f"{stamp:%Y-%m-%dT%H:%M:%S}" if rng.random() < 0.75 else f"{stamp:%d/%m/%Y %H:%M}"
        rows.append(
            [
                f"{force.refs.fire}-{year}-{i + 1:05d}",
                called,
                _code_cell(incident_type, fire_source.INCIDENT_TYPES, rng),
                _code_cell(category, fire_source.FIRE_CATEGORIES, rng),
                _code_cell(cause, fire_source.CAUSES, rng),
                *coordinate_cells(x, y, rng, latlon_share=0.15),
                address,
                station,
            ]
        )

    # A few bad rows of every kind.
    grid = (f"{fires[0][4]:.0f}", f"{fires[0][5]:.0f}")
    lon, lat = lonlat_from_bng(np.array([fires[1][4]]), np.array([fires[1][5]]))
    latlon = (f"{lat[0]:.6f}", f"{lon[0]:.6f}")
    return rows + bad_rows.fire_rows(rows[0], year, grid, latlon, repeat=rows[7], force=force)
