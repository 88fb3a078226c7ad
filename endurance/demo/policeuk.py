"""Write the demo's data.police.uk street-level files, one per month.

The exact header and conventions of the real downloads: anti-social behaviour rows
have no Crime ID and no outcome, every point is snapped to one of a few thousand
anonymous shared map points ("On or near ..."), and some rows have no location.
Each force's files name it in ``Reported by`` and ``Falls within``, follow its seasons,
and draw their Crime IDs from a hash salted by force, so no two forces share one.
"""

from __future__ import annotations

import hashlib
from typing import TypedDict

import numpy as np
import shapely

from endurance.demo.forces import DemoForce
from endurance.demo.geography import DemoGeography, random_points
from endurance.sources._common import lonlat_from_bng

CRIME_TYPES = {
    "Violence and sexual offences": 0.33,
    "Criminal damage and arson": 0.12,
    "Shoplifting": 0.1,
    "Public order": 0.1,
    "Other theft": 0.08,
    "Burglary": 0.07,
    "Vehicle crime": 0.06,
    "Drugs": 0.04,
    "Theft from the person": 0.01,
    "Bicycle theft": 0.02,
    "Robbery": 0.01,
    "Possession of weapons": 0.02,
    "Other crime": 0.04,
}
OUTCOMES = [
    "Investigation complete; no suspect identified",
    "Unable to prosecute suspect",
    "Under investigation",
    "Awaiting court outcome",
    "Local resolution",
    "Offender given a caution",
    "Status update unavailable",
]


class MapPoints(TypedDict):
    """The shared map points: where each is, its street and LSOA, and those near a hotspot."""

    xy: np.ndarray
    name: list[str]
    lsoa_code: list[str]
    lsoa_name: list[str]
    near_hotspot: np.ndarray


def map_points(geo: DemoGeography, rng: np.random.Generator, n: int = 4000) -> MapPoints:
    """Anonymous shared map points, as police.uk snaps every crime to one of them."""
    pick = rng.integers(0, len(geo.lsoas), size=n)
    xy = np.vstack([random_points(geo.lsoas.geometry.iloc[i], 1, rng) for i in pick])
    hot = shapely.union_all(geo.hotspots.geometry.to_numpy()).buffer(500)
    near = np.flatnonzero(shapely.contains_xy(hot, xy[:, 0], xy[:, 1]))
    return {
        "xy": xy,
        "name": [f"On or near {rng.choice(geo.streets)}" for _ in range(n)],
        "lsoa_code": list(geo.lsoas["lsoa_code"].iloc[pick]),
        "lsoa_name": list(geo.lsoas["lsoa_name"].iloc[pick]),
        "near_hotspot": near if len(near) else np.arange(n),
    }


def policeuk_rows(
    force: DemoForce, year: int, month: int, rng: np.random.Generator, map_points: MapPoints
) -> list[list[str]]:
    """Return one month's street-level rows: ASB and crimes snapped to the shared map points."""
    seasons = force.month_weights
    n_asb = int(force.asb_per_month * seasons[month - 1] / seasons.mean() * rng.uniform(0.9, 1.1))
    n_crime = int(force.crimes_per_month * rng.uniform(0.92, 1.08))
    xy, names = map_points["xy"], map_points["name"]
    lsoa_code, lsoa_name = map_points["lsoa_code"], map_points["lsoa_name"]
    near_hotspot = map_points["near_hotspot"]
    lon, lat = lonlat_from_bng(xy[:, 0], xy[:, 1])
    rows = []
    crime_types = list(CRIME_TYPES)
    crime_p = np.array(list(CRIME_TYPES.values()))
    for i in range(n_asb + n_crime):
        asb = i < n_asb
        # A share of ASB sits near the hotspots, as bike nuisance is reported as ASB too.
        near = asb and rng.random() < 0.15
        p = int(rng.choice(near_hotspot)) if near else int(rng.integers(0, len(xy)))
        crime_type = (
            "Anti-social behaviour" if asb else str(rng.choice(crime_types, p=crime_p / crime_p.sum()))
        )
        salted = f"{force.refs.crime_salt}{year}-{month:02d}-{i}"
        crime_id = "" if asb else hashlib.sha256(salted.encode()).hexdigest()
        outcome = "" if asb else str(rng.choice(OUTCOMES))
        located = rng.random() > 0.015
        rows.append(
            [
                crime_id,
                f"{year}-{month:02d}",
                force.profile.name,
                force.profile.name,
                f"{lon[p]:.6f}" if located else "",
                f"{lat[p]:.6f}" if located else "",
                names[p] if located else "No Location",
                lsoa_code[p] if located else "",
                lsoa_name[p] if located else "",
                crime_type,
                outcome,
                "",
            ]
        )
    order = rng.permutation(len(rows))
    return [rows[i] for i in order]
