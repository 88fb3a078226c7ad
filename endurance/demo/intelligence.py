"""Write the demo's community intelligence: graded reports holding planted personal data.

Reports carry the 3x5x2 grading (source, intelligence, handling) and restricted free
text naming (fake) riders, addresses, vehicles and phone numbers. Some are located by
coordinates, some only by a hotspot alias or a ward name; a few echo incidents in the
control-room log, so cross-source linking has real pairs to find.
"""

from __future__ import annotations

from datetime import timedelta

import numpy as np

from endurance.demo import bad_rows
from endurance.demo.forces import DemoForce
from endurance.demo.geography import DemoGeography, incident_points
from endurance.demo.people import fake_person
from endurance.demo.timing import created_at
from endurance.sources import incident_log
from endurance.sources import intelligence as intelligence_source
from endurance.sources._common import lonlat_from_bng


def _echo_reports(
    force: DemoForce, incident_rows: list[list[str]], year: int, rng: np.random.Generator, planted: list[str]
) -> list[list[str]]:
    """Resident and councillor reports of incidents already in the control-room log.

    The same bikes, seen by someone else: within about 60 m and an hour of a logged
    off-road-bike incident, so cross-source linking has real pairs to find.
    """
    logged = [
        r
        for r in incident_rows
        if r[5]
        and r[0].startswith(f"{force.refs.incident}-{year}")
        and incident_log.classify_off_road(r[3], r[9])
    ]
    picks = rng.choice(len(logged), size=min(force.echoes, len(logged)), replace=False)
    rows = []
    for k, index in enumerate(sorted(picks)):
        ref, created, *_ = logged[index]
        e, n_ = float(logged[index][5]), float(logged[index][6])
        lon, lat = lonlat_from_bng(np.array([e + rng.normal(0, 30)]), np.array([n_ + rng.normal(0, 30)]))
        when = created_at(created) + timedelta(minutes=int(rng.integers(5, 60)))
        name, phone, vrm = fake_person(rng)
        planted.extend([name, phone, vrm])
        rows.append(
            [
                f"{force.refs.intelligence}-{year}-E{k:04d}",
                f"{when:%Y-%m-%dT%H:%M}",
                str(rng.choice(["Web form", "Councillor", "101 non-emergency call"])),
                "2",
                "B",
                "P",
                f"{lat[0]:.6f}",
                f"{lon[0]:.6f}",
                "",
                name,
                f"Bikes tearing round again, one ridden by {name}. Reg {vrm}. Call me on {phone}.",
                vrm,
                phone,
            ]
        )
    return rows


def intelligence_rows(
    geo: DemoGeography,
    force: DemoForce,
    year: int,
    rng: np.random.Generator,
    planted: list[str],
    incident_rows: list[list[str]],
) -> list[list[str]]:
    """Return community intelligence rows: graded reports with planted personal data, then bad rows."""
    n = force.intelligence
    stamps = force.timestamps(n, year, rng)
    points = incident_points(geo, n, rng)
    lon, lat = lonlat_from_bng(points[:, 0], points[:, 1])
    aliases = [a.strip() for a in ";".join(geo.hotspots["aliases"]).split(";") if a.strip()]
    ward_names = list(geo.wards["ward_name"])
    channels = list(intelligence_source._CHANNEL_LOOKUP.values())
    rows = []
    for i, stamp in enumerate(stamps):
        name, phone, vrm = fake_person(rng)
        address = f"{rng.integers(1, 200)} {rng.choice(geo.streets)}"
        planted.extend([name, phone, vrm, address])
        kind = rng.random()
        if kind < 0.6:
            coords, place = [f"{lat[i]:.6f}", f"{lon[i]:.6f}"], address
        elif kind < 0.85:
            coords, place = ["", ""], f"up on {rng.choice(aliases)} by the path"
        elif kind < 0.95:
            coords, place = ["", ""], f"somewhere in {rng.choice(ward_names)}"
        else:
            coords, place = ["", ""], "round the back of the shops"
        narrative = (
            f"{name} keeps a {rng.choice(['scrambler', 'quad', 'pit bike'])} at {address}, "
            f"rides it most evenings. Reg {vrm}. Contact {phone}."
        )
        rows.append(
            [
                f"{force.refs.intelligence}-{year}-{i:05d}",
                f"{stamp:%Y-%m-%dT%H:%M}",
                str(rng.choice(channels)),
                str(rng.choice(["1", "2", "3"], p=[0.2, 0.65, 0.15])),
                str(rng.choice(list("ABCDE"), p=[0.15, 0.35, 0.35, 0.13, 0.02])),
                str(rng.choice(["P", "C"], p=[0.85, 0.15])),
                *coords,
                place,
                name,
                narrative,
                vrm,
                phone,
            ]
        )
    rows += _echo_reports(force, incident_rows, year, rng, planted)
    return rows + bad_rows.intelligence_rows(rows[0], force=force)
