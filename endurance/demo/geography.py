"""Place synthetic points on a force's real boundaries and its hotspot gazetteer.

Incidents cluster: most off-road-bike calls come from a few named places (Eston Hills
above all in Cleveland; the Durham coast, Waldridge Fell and east Darlington in
Durham) and the rural edges, the rest from anywhere people live. Points are drawn
inside polygons by rejection sampling, around a few random cores for clusters.

A force's wards and LSOAs are the files its profile's ``layers`` patterns find under
the geodata folder (the latest vintage), its named places its profile's gazetteer;
each force weights its own places (``HOTSPOT_WEIGHTS_BY_FORCE``) and names its own
streets (``STREETS_BY_FORCE``).
"""

from __future__ import annotations

from pathlib import Path

import geopandas as gpd
import numpy as np
import shapely

from endurance._errors import ArgumentError, GeodataMissingError
from endurance.forces import CLEVELAND, ForceProfile
from endurance.sources._common import lonlat_from_bng

#: Share of Cleveland's hotspot incidents per gazetteer place.
HOTSPOT_WEIGHTS = {
    "eston-hills": 0.30,
    "flatts-lane": 0.05,
    "coatham-sands": 0.12,
    "seaton-carew-beach": 0.11,
    "hartlepool-headland": 0.10,
    "east-middlesbrough": 0.17,
    "hemlington": 0.15,
}
#: Share of Durham's hotspot incidents per gazetteer place: the coast (Horden, Crimdon,
#: Peterlee), Waldridge Fell and east Darlington most.
DURHAM_HOTSPOT_WEIGHTS = {
    "DUR-horden-coast": 0.16,
    "DUR-crimdon": 0.12,
    "DUR-peterlee": 0.12,
    "DUR-waldridge-fell": 0.16,
    "DUR-darlington-east": 0.14,
    "DUR-shotton-wingate": 0.07,
    "DUR-haughton-springfield": 0.07,
    "DUR-newton-aycliffe": 0.06,
    "DUR-shildon": 0.05,
    "DUR-stanley": 0.05,
}
#: Each force's hotspot weights, by force key.
HOTSPOT_WEIGHTS_BY_FORCE = {"cleveland": HOTSPOT_WEIGHTS, "durham": DURHAM_HOTSPOT_WEIGHTS}
#: Cleveland street names for addresses and police.uk "On or near" points (common, not a
#: real address list).
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
#: Durham street names, as for :data:`STREETS`.
DURHAM_STREETS = [
    "Front Street",
    "Durham Road",
    "Station Road",
    "High Street",
    "North Road",
    "Coast Road",
    "Fell Road",
    "Colliery Road",
    "Church Lane",
    "South View",
    "Park Avenue",
    "Hawthorn Terrace",
    "Beech Grove",
    "Heather Drive",
    "Gorse Way",
    "Bracken Walk",
    "Fern Court",
    "Rowan Place",
    "Willow Crescent",
    "Sandy Lane",
]
#: Each force's street names, by force key.
STREETS_BY_FORCE = {"cleveland": STREETS, "durham": DURHAM_STREETS}
#: Wards larger than this (m²) make a force's rural edges; Durham's divisions are larger.
RURAL_WARD_AREA = {"cleveland": 8e6, "durham": 30e6}


class DemoGeography:
    """A force's real boundaries the demo places its points on, in metres (EPSG:27700).

    Parameters
    ----------
    geodata_dir
        Folder with the official boundaries; the force's ``ward`` and ``lsoa`` patterns
        are searched under it, and the latest vintage of each is used.
    profile
        The force (Cleveland unless given).
    hotspot_weights
        Share of hotspot incidents per gazetteer place; by default the force's own
        (:data:`HOTSPOT_WEIGHTS_BY_FORCE`).
    """

    def __init__(
        self,
        geodata_dir: Path,
        profile: ForceProfile = CLEVELAND,
        *,
        hotspot_weights: dict[str, float] | None = None,
    ) -> None:
        if profile.gazetteer is None:
            raise ArgumentError(f"force {profile.key!r} has no gazetteer to place demo hotspots on")
        self.profile = profile
        self.wards = _latest_layer(geodata_dir, profile, "ward")
        self.lsoas = _latest_layer(geodata_dir, profile, "lsoa")
        self.hotspots = gpd.read_file(profile.gazetteer).to_crs(27700).set_index("hotspot_id")
        self.hotspot_weights = (
            HOTSPOT_WEIGHTS_BY_FORCE[profile.key] if hotspot_weights is None else hotspot_weights
        )
        unknown = sorted(set(self.hotspot_weights) - set(self.hotspots.index))
        if unknown:
            raise ArgumentError(
                f"hotspot_weights names {', '.join(unknown)}, not in {profile.key}'s gazetteer"
                f" {profile.gazetteer.name} (its places: {', '.join(self.hotspots.index)})"
            )
        self.streets = STREETS_BY_FORCE[profile.key]
        self.land = shapely.union_all(self.wards.geometry.to_numpy())
        rural = self.wards[self.wards.area > RURAL_WARD_AREA[profile.key]]
        self.rural = shapely.union_all(rural.geometry.to_numpy())


def _latest_layer(geodata_dir: Path, profile: ForceProfile, kind: str) -> gpd.GeoDataFrame:
    """Read the latest vintage of the force's boundary layer ``kind``, in metres."""
    paths = sorted(p for pattern in profile.patterns(kind) for p in geodata_dir.glob(pattern))
    if not paths:
        raise GeodataMissingError(
            f"{geodata_dir} has no {kind} layer of force {profile.key}"
            f" ({', '.join(profile.patterns(kind))}); the demo places its points on them"
        )
    layers = [gpd.read_file(path) for path in paths]
    latest = max(layers, key=lambda layer: str(layer["vintage"].iloc[0]))
    return latest.to_crs(27700)


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
    weights = geo.hotspot_weights
    ids = list(weights)
    counts = rng.multinomial(n_hot, np.array(list(weights.values())) / sum(weights.values()))
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
