"""Reference geography: where incidents happened, in the areas a police analyst reports on.

The package is cut by concept:

``official``
    The ONS layers (wards by vintage, districts, force areas, LSOAs): found by
    explicit folder, ``ENDURANCE_GEODATA`` or the download cache, and loaded into ``geo``.
``gazetteer``
    The project's named hotspots (Eston Hills and others).
``importing``
    A force's own ward, LSOA or hotspot layer, from any file GDAL reads, in any CRS.
``fetch``
    Downloading the official layers pinned in ``geodata/manifest.json`` into the cache.
``designations``
    The Strengthen / Support / Sustain designation of each ward over time.
``catalogue``
    What is loaded: every layer recorded in ``geo.layers``.
``attribution``
    Giving each located event its ward per vintage, local authority, LSOA and hotspots.
``_area_index``
    The fast point-in-area index the attribution runs on.

The entry points below are importable from ``endurance.geography`` itself; the rest
(layer specs, result records, constants) from the module that defines them.
"""

from endurance.geography.catalogue import list_layers
from endurance.geography.designations import load_designations
from endurance.geography.fetch import fetch_official_layers
from endurance.geography.gazetteer import HOTSPOTS_PATH, load_hotspots
from endurance.geography.importing import import_layer
from endurance.geography.official import (
    ensure_official_layers,
    load_official_layers,
    resolve_geodata_dir,
    ward_vintages,
)

__all__ = [
    "HOTSPOTS_PATH",
    "ensure_official_layers",
    "fetch_official_layers",
    "import_layer",
    "list_layers",
    "load_designations",
    "load_hotspots",
    "load_official_layers",
    "resolve_geodata_dir",
    "ward_vintages",
]
