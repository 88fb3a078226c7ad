"""Place synthetic points on the real Cleveland boundaries and the hotspot gazetteer.

Incidents cluster: most off-road-bike calls come from a few named places (Eston Hills
above all) and the rural edges, the rest from anywhere people live. Points are drawn
inside polygons by rejection sampling, around a few random cores for clusters.
"""

from __future__ import annotations

from pathlib import Path

import geopandas as gpd
import numpy as np
import shapely

from endurance.geography import HOTSPOTS_PATH
from endurance.sources._common import lonlat_from_bng

#: Share of hotspot incidents per gazetteer place.
HOTSPOT_WEIGHTS = {
    "eston-hills": 0.30,
    "flatts-lane": 0.05,
    "coatham-sands": 0.12,
    "seaton-carew-beach": 0.11,
    "hartlepool-headland": 0.10,
    "east-middlesbrough": 0.17,
    "hemlington": 0.15,
}
#: Street names for addresses and police.uk "On or near" points (common, not a real address list).
STREETS = [
    "Moor Lane",
    "Church Lane",
    "Station Road",
    "High Street",
    "Cleveland Street",
    "Eston Road",
    "Normanby Road",
    "Marton Road",
    "Stockton Road",
    "Coast Road",
    "Park Avenue",
    "Beech Grove",
    "Acacia Close",
    "Heather Drive",
    "Gorse Way",
    "Bracken Walk",
    "Fern Court",
    "Rowan Place",
    "Willow Crescent",
    "Sandy Lane",
]


class DemoGeography:
    """The real boundaries the demo places its points on, in metres (EPSG:27700)."""

    def __init__(self, geodata_dir: Path) -> None:
        self.wards = gpd.read_file(geodata_dir / "cleveland_wards_2024.geojson").to_crs(27700)
        self.lsoas = gpd.read_file(geodata_dir / "cleveland_lsoa_2011.geojson").to_crs(27700)
        self.hotspots = gpd.read_file(HOTSPOTS_PATH).to_crs(27700).set_index("hotspot_id")
        self.land = shapely.union_all(self.wards.geometry.to_numpy())
        rural = self.wards[self.wards.area > 8e6]
        self.rural = shapely.union_all(rural.geometry.to_numpy())


def random_points(polygon: shapely.Geometry, n: int, rng: np.random.Generator) -> np.ndarray:
    """Return ``n`` points uniformly inside ``polygon`` (rejection sampling)."""
    minx, miny, maxx, maxy = polygon.bounds
    shapely.prepare(polygon)
    out = np.empty((0, 2))
    while len(out) < n:
        xy = rng.uniform([minx, miny], [maxx, maxy], size=(max(64, 2 * (n - len(out))), 2))
        out = np.vstack([out, xy[shapely.contains_xy(polygon, xy[:, 0], xy[:, 1])]])
    return out[:n]


def clustered_points(
    polygon: shapely.Geometry,
    n: int,
    rng: np.random.Generator,
    *,
    cores: int = 3,
    sigma: float = 300.0,
) -> np.ndarray:
    """Points around a few cores inside ``polygon``, kept inside it."""
    centres = random_points(polygon, cores, rng)
    shapely.prepare(polygon)
    out = np.empty((0, 2))
    while len(out) < n:
        pick = centres[rng.integers(0, cores, size=2 * (n - len(out)) + 16)]
        xy = pick + rng.normal(0, sigma, size=pick.shape)
        out = np.vstack([out, xy[shapely.contains_xy(polygon, xy[:, 0], xy[:, 1])]])
    return out[:n]


def lsoa_points(geo: DemoGeography, n: int, rng: np.random.Generator) -> np.ndarray:
    """Return ``n`` points, each uniformly inside an LSOA picked at random."""
    pick = rng.integers(0, len(geo.lsoas), size=n)
    return np.vstack([random_points(geo.lsoas.geometry.iloc[i], 1, rng) for i in pick]).reshape(-1, 2)


def incident_points(geo: DemoGeography, n: int, rng: np.random.Generator) -> np.ndarray:
    """Return ``n`` incident points: 55% on the hotspots, 20% on the rural edges, the rest anywhere."""
    n_hot, n_rural = int(n * 0.55), int(n * 0.2)
    parts = []
    ids = list(HOTSPOT_WEIGHTS)
    counts = rng.multinomial(n_hot, np.array(list(HOTSPOT_WEIGHTS.values())) / sum(HOTSPOT_WEIGHTS.values()))
    for hotspot_id, k in zip(ids, counts, strict=True):
        polygon = geo.hotspots.loc[hotspot_id, "geometry"]
        parts.append(clustered_points(polygon, int(k), rng, sigma=250.0))
    parts.append(clustered_points(geo.rural, n_rural, rng, cores=12, sigma=600.0))
    lsoa_pick = rng.integers(0, len(geo.lsoas), size=n - n_hot - n_rural)
    for index in np.unique(lsoa_pick):
        k = int((lsoa_pick == index).sum())
        parts.append(random_points(geo.lsoas.geometry.iloc[index], k, rng))
    points = np.vstack(parts)
    return points[rng.permutation(len(points))]


def coordinate_cells(x: float, y: float, rng: np.random.Generator, *, latlon_share: float) -> list[str]:
    """Easting, Northing, Latitude, Longitude cells: grid figures, or lat/lon for some rows."""
    if rng.random() >= latlon_share:
        return [f"{x:.0f}", f"{y:.0f}", "", ""]
    lon, lat = lonlat_from_bng(np.array([x]), np.array([y]))
    return ["", "", f"{lat[0]:.6f}", f"{lon[0]:.6f}"]
