"""Write the demo's fire brigade incidents: deliberate grass fires on Eston Hills and more.

Deliberate grass and moorland fires cluster on Eston Hills in spring and summer, when
dead grass burns; refuse and derelict-vehicle fires spread over the towns and rural
edges; a few primary and chimney fires sit at (invented) home addresses. Code-list
cells are written as labels mostly, as codes sometimes, as exports do.
"""

from __future__ import annotations

from datetime import datetime

import numpy as np

from endurance.demo import bad_rows
from endurance.demo.geography import STREETS, DemoGeography, clustered_points, coordinate_cells, lsoa_points
from endurance.demo.timing import MONTH_WEIGHTS, timestamps
from endurance.sources import fire as fire_source
from endurance.sources._common import lonlat_from_bng

#: Relative monthly volume of deliberate grass and moorland fires: dead grass burns in
#: spring, and again in dry summer weeks.
GRASS_FIRE_MONTH_WEIGHTS = np.array([0.3, 0.6, 1.5, 2.2, 1.8, 1.2, 1.3, 1.2, 0.7, 0.4, 0.3, 0.3])
#: Chimney fires come with the heating season.
CHIMNEY_FIRE_MONTH_WEIGHTS = np.array([2.0, 1.8, 1.2, 0.6, 0.2, 0.1, 0.1, 0.1, 0.3, 0.8, 1.5, 2.0])
FIRE_STATIONS = [
    "Billingham",
    "Coulby Newham",
    "Grangetown",
    "Guisborough",
    "Hartlepool Stranton",
    "Headland",
    "Loftus",
    "Middlesbrough",
    "Redcar",
    "Skelton",
    "Stockton",
    "Thornaby",
]
ESTON_PLACES = ["near Eston Nab", "off Flatts Lane", "above Normanby", "Barnaby Moor", "Eston Moor"]
#: Fires per kind: (count, incident type, fire category, causes, month weights, where).
FIRE_KINDS = [
    (110, "GRASS", "SECONDARY", ("DELIBERATE",), GRASS_FIRE_MONTH_WEIGHTS, "eston"),
    (45, "GRASS", "SECONDARY", ("DELIBERATE",), GRASS_FIRE_MONTH_WEIGHTS, "rural"),
    (60, "REFUSE", "SECONDARY", ("DELIBERATE",), MONTH_WEIGHTS, "urban"),
    (25, "DERELICT-VEHICLE", "SECONDARY", ("DELIBERATE",), MONTH_WEIGHTS, "rural"),
    (30, "GRASS", "SECONDARY", ("ACCIDENTAL", "NOT-KNOWN"), GRASS_FIRE_MONTH_WEIGHTS, "rural"),
    (20, "REFUSE", "SECONDARY", ("NOT-KNOWN",), MONTH_WEIGHTS, "urban"),
    (25, "OTHER", "PRIMARY", ("ACCIDENTAL", "DELIBERATE", "NOT-KNOWN"), np.ones(12), "home"),
    (12, "OTHER", "CHIMNEY", ("ACCIDENTAL",), CHIMNEY_FIRE_MONTH_WEIGHTS, "home"),
]


def _code_cell(code: str, labels: dict[str, str], rng: np.random.Generator) -> str:
    """Return a code-list cell as exports write it: mostly the label, sometimes the code."""
    return labels[code] if rng.random() < 0.8 else code


def fire_rows(geo: DemoGeography, year: int, rng: np.random.Generator, planted: list[str]) -> list[list[str]]:
    """Fire brigade incidents: deliberate grass fires on Eston Hills in spring and summer."""
    fires: list[tuple[datetime, str, str, str, float, float, str, str]] = []
    for n, incident_type, category, causes, weights, where in FIRE_KINDS:
        stamps = timestamps(n, year, rng, month_weights=weights)
        if where == "eston":
            points = clustered_points(
                geo.hotspots.loc["eston-hills", "geometry"], n, rng, cores=4, sigma=200.0
            )
        elif where == "rural":
            points = clustered_points(geo.rural, n, rng, cores=8, sigma=500.0)
        else:
            points = lsoa_points(geo, n, rng)
        for stamp, (x, y) in zip(stamps, points, strict=True):
            street = str(rng.choice(STREETS))
            if where == "eston":
                address, station = f"Eston Hills, {rng.choice(ESTON_PLACES)}", "Grangetown"
            elif where == "rural":
                address, station = f"Land off {street}", str(rng.choice(FIRE_STATIONS))
            else:
                house = f"{rng.integers(1, 200)} {street}"
                planted.append(house)
                address = f"Rear of {house}" if where == "urban" else house
                station = str(rng.choice(FIRE_STATIONS))
            cause = str(rng.choice(causes))
            fires.append((stamp, incident_type, category, cause, x, y, address, station))
    fires.sort(key=lambda f: f[0])
    rows = []
    for i, (stamp, incident_type, category, cause, x, y, address, station) in enumerate(fires):
        called = f"{stamp:%Y-%m-%dT%H:%M:%S}" if rng.random() < 0.75 else f"{stamp:%d/%m/%Y %H:%M}"
        rows.append(
            [
                f"CFB-{year}-{i + 1:05d}",
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
    return rows + bad_rows.fire_rows(rows[0], year, grid, latlon, repeat=rows[7])
