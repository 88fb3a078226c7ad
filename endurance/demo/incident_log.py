"""Write the demo's control-room incident log: a year of calls, most about off-road bikes.

For Cleveland about 3,900 off-road-bike incidents (3,911 were reported in the 12
months to October 2017), for Durham about 2,000, and a few hundred other calls, with
the opening and closing codes, locations (grid references for most, latitude and
longitude for some) and free text a real log holds; some narratives name a (fake)
rider, bike and caller.
"""

from __future__ import annotations

import numpy as np

from endurance.demo import bad_rows
from endurance.demo.forces import DemoForce
from endurance.demo.geography import DemoGeography, incident_points
from endurance.demo.people import fake_person
from endurance.sources._common import lonlat_from_bng


def incident_rows(
    geo: DemoGeography, force: DemoForce, year: int, rng: np.random.Generator, planted: list[str]
) -> tuple[list[list[str]], int]:
    """Return the control-room log's rows (good, then bad) and how many are off-road-bike incidents."""
    n_bike, n_other = force.incidents, force.other_calls
    stamps = force.timestamps(n_bike + n_other, year, rng)
    points = incident_points(geo, n_bike + n_other, rng)
    is_bike = rng.permutation(np.r_[np.ones(n_bike, bool), np.zeros(n_other, bool)])
    lon, lat = lonlat_from_bng(points[:, 0], points[:, 1])
    bike_phrases = [
        "two youths on scramblers",
        "a rider on an off-road bike",
        "three quad bikes",
        "pit bikes racing",
        "a trail bike with no plates",
        "nuisance motorbikes",
        "a group of motocross bikes",
        "off road bikes tearing up the grass",
    ]
    other_phrases = [
        "a group of youths shouting",
        "a car revving late at night",
        "fly-tipped rubbish",
        "a noisy party",
        "youths climbing on a roof",
    ]
    rows = []
    for i, (stamp, bike) in enumerate(zip(stamps, is_bike, strict=True)):
        ref = f"{force.refs.incident}-{stamp:%Y%m%d}-{i:05d}"
        street = rng.choice(geo.streets)
        if bike:
            opening = rng.choice(["ASB-VEH", "ASB-NUI", "SUS-VEH", "FIRE-SEC"], p=[0.7, 0.18, 0.07, 0.05])
            closing = rng.choice(
                ["NO-TRACE", "ADVICE", "S59-WARN", "S59-SEIZE", "INTEL", "NFA", "ARREST"],
                p=[0.42, 0.2, 0.12, 0.04, 0.12, 0.09, 0.01],
            )
            text = f"Caller reports {rng.choice(bike_phrases)} near {street}."
        else:
            opening = rng.choice(["ASB-NUI", "ASB-ENV", "ASB-PER", "RTC"], p=[0.5, 0.25, 0.2, 0.05])
            closing = rng.choice(["NO-TRACE", "ADVICE", "NFA"])
            text = f"Caller reports {rng.choice(other_phrases)} on {street}."
        if rng.random() < 0.08:
            name, phone, vrm = fake_person(rng)
            planted.extend([name, phone, vrm])
            text += f" Rider named locally as {name}, bike {vrm}. Caller on {phone}."
        created = f"{stamp:%Y-%m-%dT%H:%M:%S}" if rng.random() < 0.7 else f"{stamp:%d/%m/%Y %H:%M}"
        if rng.random() < 0.88:
            coords = [f"{points[i, 0]:.0f}", f"{points[i, 1]:.0f}", "", ""]
        else:
            coords = ["", "", f"{lat[i]:.6f}", f"{lon[i]:.6f}"]
        rows.append([ref, created, opening, closing, f"{rng.integers(1, 200)} {street}", *coords, text])
    bike_count = int(is_bike.sum())

    # A few bad rows of every kind, appended so they are easy to find in the file.
    grid = (f"{points[0, 0]:.0f}", f"{points[0, 1]:.0f}")
    latlon = (f"{lat[1]:.6f}", f"{lon[1]:.6f}")
    return rows + bad_rows.incident_log_rows(year, grid, latlon, repeat=rows[5], force=force), bike_count
