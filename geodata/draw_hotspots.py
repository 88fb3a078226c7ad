"""Redraw geodata/hotspots.geojson from hand-placed vertices and the ONS coastline.

Run from the repository root with the official boundaries available:

    ENDURANCE_GEODATA=../shared/geodata .venv/bin/python geodata/draw_hotspots.py

Three kinds of drawing, each described in geodata/README.md:

- ``drawn``: a polygon whose vertices were placed by hand in British National Grid
  metres from published grid references and descriptions of the place;
- ``coast``: a band 300 m either side of the coastline (taken from the 2024 ward
  boundaries, clipped to the coast by ONS) between two named end points, so that the
  beach seaward of the ward polygons is inside the hotspot;
- ``wards``: the union of 2024 wards named in public reports, shrunk by 50 m so that
  an incident on a neighbouring ward's edge is not counted in the hotspot.
"""

from __future__ import annotations

import json
import os
from pathlib import Path

import geopandas as gpd
import shapely
from pyproj import Transformer
from shapely.geometry import Point, Polygon, mapping
from shapely.ops import substring, unary_union

HERE = Path(__file__).parent
TO_BNG = Transformer.from_crs("EPSG:4326", "EPSG:27700", always_xy=True)

HOTSPOTS: list[dict] = [
    {
        "hotspot_id": "eston-hills",
        "name": "Eston Hills",
        "aliases": "Eston Hills; Eston Moor; Eston Nab; Barnaby Moor",
        "lad_code": "E06000003",
        "concern": "off-road bikes; deliberate grass and moorland fires",
        "source": (
            "BBC News 2023 names Eston Hills as an Operation Endurance off-road bike hotspot; "
            "PCC report to the Police and Crime Panel (July 2018) on barriers and fire setting. "
            "Eston Nab summit NZ568183 (54.5572 N, 1.1224 W); Flatts Lane walk start NZ 55127 16991."
        ),
        "kind": "drawn",
        # The escarpment and moor from Flatts Lane (west) to the Wilton and Lazenby
        # woods (east), from the foot of the scarp above Normanby and Eston (north) to
        # the moor's southern edge above the A171 (south).
        "vertices": [
            (455000, 516700),
            (454900, 517400),
            (455500, 518100),
            (456300, 518700),
            (457300, 518900),
            (458300, 519000),
            (459300, 519200),
            (459700, 518600),
            (459200, 517600),
            (458200, 516900),
            (457000, 516500),
            (455800, 516400),
        ],
    },
    {
        "hotspot_id": "flatts-lane",
        "name": "Flatts Lane Woodland Country Park",
        "aliases": "Flatts Lane; Flatts Lane Country Park",
        "lad_code": "E06000003",
        "concern": "off-road bikes on the country park paths onto Eston Moor",
        "source": (
            "Walk start and car park at NZ 55127 16991 (walkingenglishman.com, Eston Moor walk); "
            "the park is the south-west access to the Eston Hills."
        ),
        "kind": "drawn",
        "vertices": [
            (454650, 516550),
            (454600, 517250),
            (455050, 517550),
            (455650, 517350),
            (455700, 516750),
            (455250, 516450),
        ],
    },
    {
        "hotspot_id": "coatham-sands",
        "name": "Coatham Sands and dunes",
        "aliases": "Coatham Sands; Coatham dunes; Coatham; Redcar beach; South Gare",
        "lad_code": "E06000003",
        "concern": "off-road bikes and quads on the beach and dunes",
        "source": (
            "Coatham 54.61686 N, 1.08448 W (Wikipedia); the sands and dunes run north-west "
            "from Coatham towards South Gare. Named in hotspots_cleveland.csv."
        ),
        "kind": "coast",
        "ends": [(-1.0800, 54.6180), (-1.1330, 54.6350)],
    },
    {
        "hotspot_id": "seaton-carew-beach",
        "name": "Seaton Carew beach and North Gare dunes",
        "aliases": "Seaton Carew; Seaton beach; North Gare; Seaton dunes",
        "lad_code": "E06000001",
        "concern": "off-road bikes on the beach, dunes and promenade",
        "source": (
            "Hartlepool Mail (2021, 2023) reports of off-road bikes in Seaton; "
            "Seaton ward named in hotspots_cleveland.csv."
        ),
        "kind": "coast",
        "ends": [(-1.1880, 54.6700), (-1.1600, 54.6380)],
    },
    {
        "hotspot_id": "hartlepool-headland",
        "name": "Hartlepool Headland and West View beaches",
        "aliases": "Headland; The Heugh; West View beach; Old Hartlepool",
        "lad_code": "E06000001",
        "concern": "off-road bikes on the Headland and the West View beaches",
        "source": (
            "Hartlepool Borough Council, 28 January 2020: tackling off-road bikes on the "
            "Headland and West View beaches; The Heugh lighthouse 54.6933 N, 1.1849 W."
        ),
        "kind": "coast",
        "ends": [(-1.1820, 54.6880), (-1.2330, 54.7170)],
    },
    {
        "hotspot_id": "east-middlesbrough",
        "name": "Brambles Farm, Thorntree and Park End",
        "aliases": "Brambles Farm; Thorntree; Park End; Beckfield; Pallister",
        "lad_code": "E06000002",
        "concern": "off-road bikes on estates and open green space",
        "source": "Northern Echo, May 2021: off-road bikes in Brambles Farm, Thorntree and Park End.",
        "kind": "wards",
        "wards": ["Brambles & Thorntree", "Park End & Beckfield"],
    },
    {
        "hotspot_id": "hemlington",
        "name": "Hemlington and Coulby Newham",
        "aliases": "Hemlington; Hemlington Lake; Coulby Newham; Stainsby",
        "lad_code": "E06000002",
        "concern": "off-road bikes on Hemlington Lake paths and estate green space",
        "source": "Northern Echo, May 2021: off-road bikes in Hemlington and Coulby Newham.",
        "kind": "wards",
        "wards": ["Hemlington", "Coulby Newham"],
    },
]


def _coast_band(coastline: shapely.LineString, ends: list[tuple[float, float]]) -> Polygon:
    a, b = (Point(TO_BNG.transform(lon, lat)) for lon, lat in ends)
    start, stop = sorted((coastline.project(a), coastline.project(b)))
    stretch = substring(coastline, start, stop)
    if stretch.length > 0.5 * coastline.length:  # take the short way round the ring
        stretch = unary_union([substring(coastline, stop, coastline.length), substring(coastline, 0, start)])
    return stretch.buffer(300, cap_style="flat")


def draw(geodata_dir: Path) -> dict:
    """Return the hotspots as a GeoJSON feature collection in WGS84, each drawn by its kind."""
    wards = gpd.read_file(geodata_dir / "cleveland_wards_2024.geojson").to_crs(27700)
    land = unary_union(wards.geometry)
    coastline = max(
        (shapely.LineString(poly.exterior) for poly in getattr(land, "geoms", [land])),
        key=lambda line: line.length,
    )
    features = []
    for spec in HOTSPOTS:
        if spec["kind"] == "drawn":
            geom = Polygon(spec["vertices"])
            method = "hand-placed vertices (British National Grid)"
        elif spec["kind"] == "coast":
            geom = _coast_band(coastline, spec["ends"])
            method = "300 m band either side of the ONS 2024 coastline between two end points"
        else:
            chosen = wards[wards.ward_name.isin(spec["wards"])]
            if len(chosen) != len(spec["wards"]):
                raise SystemExit(f"wards not found for {spec['hotspot_id']}: {spec['wards']}")
            geom = unary_union(chosen.geometry).buffer(-50)
            method = "union of 2024 wards " + ", ".join(spec["wards"]) + ", shrunk by 50 m"
        geom = shapely.set_precision(geom, 1.0)
        wgs = gpd.GeoSeries([geom], crs=27700).to_crs(4326).iloc[0]
        wgs = shapely.set_precision(wgs, 1e-6)
        properties = {k: spec[k] for k in ("hotspot_id", "name", "aliases", "lad_code", "concern", "source")}
        properties["drawn_by"] = method
        features.append({"type": "Feature", "properties": properties, "geometry": mapping(wgs)})
    return {"type": "FeatureCollection", "name": "endurance_hotspots", "features": features}


if __name__ == "__main__":
    collection = draw(Path(os.environ.get("ENDURANCE_GEODATA", "../shared/geodata")))
    out = HERE / "hotspots.geojson"
    out.write_text(json.dumps(collection, indent=1) + "\n", encoding="utf-8")
    print(f"wrote {len(collection['features'])} hotspots to {out}")
