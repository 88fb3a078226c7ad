"""Redraw the named-hotspot gazetteers from hand-placed vertices and the ONS coastline.

Run from the repository root with the official boundaries available:

    ENDURANCE_GEODATA=../shared/geodata .venv/bin/python geodata/draw_hotspots.py
    ENDURANCE_GEODATA=../shared/geodata .venv/bin/python geodata/draw_hotspots.py --force durham

The first writes ``geodata/hotspots.geojson`` (Cleveland), the second
``geodata/hotspots_durham.geojson`` (Durham: County Durham and Darlington), each drawn
on its own force's 2024 wards.

Three kinds of drawing, each described in geodata/README.md:

- ``drawn``: a polygon whose vertices were placed by hand in British National Grid
  metres from published grid references and descriptions of the place;
- ``coast``: a band 300 m either side of the coastline (taken from the 2024 ward
  boundaries, clipped to the coast by ONS) between two named end points (longitude and
  latitude in ``ends``, or British National Grid metres in ``ends_bng``), so that the
  beach seaward of the ward polygons is inside the hotspot;
- ``wards``: the union of 2024 wards named in public reports, shrunk by 50 m so that
  an incident on a neighbouring ward's edge is not counted in the hotspot.

A Durham hotspot never covers Cleveland's land, nor the sea within 300 m of it: the
drawing clips them off, so Crimdon's band stops at the Hartlepool boundary.
"""

from __future__ import annotations

import argparse
import json
import os
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import geopandas as gpd
import shapely
from pyproj import Transformer
from shapely.geometry import Point, Polygon, mapping
from shapely.geometry.base import BaseGeometry
from shapely.ops import substring, unary_union

HERE = Path(__file__).parent
TO_BNG = Transformer.from_crs("EPSG:4326", "EPSG:27700", always_xy=True)

# One hotspot as written below: its properties and how to draw it (`kind` and its inputs).
Spec = dict[str, Any]

HOTSPOTS: list[Spec] = [
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


# Durham Constabulary's area: County Durham (E06000047) and Darlington (E06000005).
# Each place is named in the public report given in `source` (the full list of reports
# read, used and left out, is geodata/hotspots_durham_sources.csv). Coastal end points
# are British National Grid metres (`ends_bng`), placed from the grid references given
# in `source` and projected onto the coastline by the drawing.
DURHAM_HOTSPOTS: list[Spec] = [
    {
        "hotspot_id": "DUR-horden-coast",
        "name": "Horden beach banks and Limekiln Gill",
        "aliases": "Horden beach; Horden beach banks; Limekiln Gill; Pony Fields; Horden",
        "lad_code": "E06000047",
        "concern": "off-road bikes and 4x4s on the beach banks (SSSI), coastal tracks and denes",
        "source": (
            "http://www.hartlepoolmail.co.uk/news/nuisance-bikers-are-targeted-1-4813948 "
            "(Hartlepool Mail, 'Nuisance bikers are targeted': the Horden councillor names the beach "
            "banks, Pony Fields and Limekiln Gill); "
            "https://www.hartlepoolmail.co.uk/news/crackdown-on-motor-menaces-1-3476590 "
            "(warnings for damage to the Horden beach banks). Limekiln Gill car park NZ 454 408 "
            "(sites.google.com/site/jordanwalks, Horden to Seaham)."
        ),
        "kind": "coast",
        # About 1.5 km of coast either side of the Limekiln Gill car park (NZ 454 408).
        "ends_bng": [(444700, 542200), (446100, 539500)],
    },
    {
        "hotspot_id": "DUR-crimdon",
        "name": "Crimdon beach and dunes",
        "aliases": "Crimdon; Crimdon beach; Crimdon Dene; Crimdon dunes",
        "lad_code": "E06000047",
        "concern": "off-road bikes on the beach, dunes and green areas; riders made off from PCSOs",
        "source": (
            "https://www.hartlepoolmail.co.uk/news/crime/police-warning-to-anti-social-off-road-bikers-"
            "after-chase-3547602 (Hartlepool Mail, 30 January 2022: off-road bikers made off from "
            "PCSOs at Crimdon; Peterlee police report damage to green areas). Crimdon visitor centre "
            "NZ 483 373 (sites.google.com/site/jordanwalks); car park 54.7273 N, 1.2525 W (Ramblers)."
        ),
        "kind": "coast",
        # From the Hartlepool boundary at the mouth of Crimdon Dene about 1.7 km north,
        # the sands and the dunes behind them; Hartlepool's land is clipped off.
        "ends_bng": [(448980, 536740), (447900, 538300)],
    },
    {
        "hotspot_id": "DUR-peterlee",
        "name": "Peterlee",
        "aliases": "Peterlee; Peterlee East; Peterlee West",
        "lad_code": "E06000047",
        "concern": "off-road bikes, quads and 4x4s on open spaces; Section 59 signs (immediate seizure)",
        "source": (
            "https://hellorayo.co.uk/greatest-hits/teesside/news/police-warning-for-nuisance-bikers-in-"
            "east-durham-and-darlington (Hits Radio, 10 February 2022: Section 59 signs in Peterlee, "
            "Shotton Colliery, Wingate and Darlington); "
            "http://www.thenorthernecho.co.uk/news/crime/15480186.Police_launch_crackdown_on_illegal_"
            "motorbikes_and_quads/ (Northern Echo, 2017: Operation Endurance launched, bikes a nuisance "
            "especially in Darlington and Peterlee)."
        ),
        "kind": "wards",
        "wards": ["Peterlee East", "Peterlee West"],
    },
    {
        "hotspot_id": "DUR-shotton-wingate",
        "name": "Shotton Colliery and Wingate",
        "aliases": "Shotton Colliery; Shotton; Shotton Pond; South Hetton; Wingate",
        "lad_code": "E06000047",
        "concern": "off-road bikes on the former railway line, Shotton Pond and estates; Section 59 signs",
        "source": (
            "https://hellorayo.co.uk/greatest-hits/teesside/news/police-warning-for-nuisance-bikers-in-"
            "east-durham-and-darlington (Hits Radio, 10 February 2022: Section 59 signs in Shotton "
            "Colliery and Wingate); https://www.hartlepoolmail.co.uk/news/crackdown-on-motor-menaces-"
            "1-3476590 (warnings at Shotton Pond and in Shotton Colliery)."
        ),
        "kind": "wards",
        "wards": ["Shotton and South Hetton", "Wingate"],
    },
    {
        "hotspot_id": "DUR-waldridge-fell",
        "name": "Waldridge Fell and Cong Burn Wood",
        "aliases": "Waldridge Fell; Waldridge; Congburn Wood; Cong Burn Wood; Cong Burn",
        "lad_code": "E06000047",
        "concern": "off-road and electric bikes on the fell (SSSI, country park) and in the wood",
        "source": (
            "https://bnnbreaking.com/breaking-news/crime/durham-police-cracks-down-on-anti-social-off-"
            "road-biking/ (BNN, 6 January 2024: Chester-le-Street neighbourhood team's Operation "
            "Endurance around Waldridge Fell and Congburn Wood). Country park NZ 250 498, car parks "
            "NZ 248-252 496-498 (Durham County Council leaflet as mirrored at vdocument.in); SSSI "
            "broadly rectangular between the Cong Burn and South Burn valleys, Cong Burn Wood at its "
            "north-east corner (https://en.wikipedia.org/wiki/Waldridge_Fell)."
        ),
        "kind": "drawn",
        # The fell west of Waldridge village (its car parks on the east edge) between the
        # Cong Burn (north) and South Burn (south) valleys, about 1.7 km by 1 km, with a
        # 400 m strip north-east along the Cong Burn for the wood. Approximate: redraw
        # from the Natural England SSSI boundary when a force analyst has it.
        "vertices": [
            (423300, 549200),
            (423200, 549700),
            (423500, 550100),
            (424300, 550200),
            (425000, 550100),
            (425600, 550500),
            (426300, 550900),
            (426500, 550600),
            (425800, 550200),
            (425200, 549800),
            (425000, 549400),
            (424500, 549000),
            (423800, 548950),
        ],
    },
    {
        "hotspot_id": "DUR-darlington-east",
        "name": "Red Hall, Lingfield and Eastbourne",
        "aliases": "Red Hall; Lingfield; Eastbourne; east Darlington",
        "lad_code": "E06000005",
        "concern": "off-road bikes on estates, pavements and open ground",
        "source": (
            "https://www.joaodorio.com/off-road-bikes-a-scourge-across-darlington-meeting-is-told.html "
            "(councillors tell the commissioner of off-road bikes across the town; Red Hall the "
            "longest-standing problem area, named by police in 2004); "
            "http://www.thenorthernecho.co.uk/news/16392973.darlington-police-deny-failure-"
            "to-act-over-off-road-bikers/ (Northern Echo: complaints from the Eastbourne ward)."
        ),
        "kind": "wards",
        "wards": ["Red Hall & Lingfield", "Eastbourne"],
    },
    {
        "hotspot_id": "DUR-haughton-springfield",
        "name": "Haughton and Springfield (Wylam Hill)",
        "aliases": "Haughton; Springfield; Springfield Park; Wylam Hill; Stivvies",
        "lad_code": "E06000005",
        "concern": "off-road bikes on Wylam Hill and Springfield Park; gates and logs installed 2025",
        "source": (
            "https://www.hellorayo.co.uk/hits-radio/teesside/news/darlington-off-road (Hits Radio, "
            "18 September 2025, 'Praise for Darlington off-road scheme': gates and logs on Wylam Hill, "
            "Springfield); https://www.joaodorio.com/off-road-bikes-a-scourge-across-darlington-meeting-"
            "is-told.html (Springfield Park in 2004; 'not just a Haughton and Springfield issue')."
        ),
        "kind": "wards",
        "wards": ["Haughton & Springfield"],
    },
    {
        "hotspot_id": "DUR-newton-aycliffe",
        "name": "Newton Aycliffe",
        "aliases": "Newton Aycliffe; Aycliffe; Williamfield Way; Kemble Green; Shafto Way",
        "lad_code": "E06000047",
        "concern": "off-road bikes and quads on footpaths, communal green space and streets",
        "source": (
            "https://www.thenorthernecho.co.uk/news/18291045.quad-off-road-bike-seized-police-newton-"
            "aycliffe/ (Northern Echo, 9 March 2020: Operation Endurance team seized a quad and an "
            "off-road bike in Newton Aycliffe); https://www.thenorthernecho.co.uk/news/6951905.police-"
            "warn-off-road-bikers-we-will-destroy-machines/ (hotspots Williamfield Way and Kemble Green)."
        ),
        "kind": "wards",
        "wards": ["Aycliffe East", "Aycliffe West", "Aycliffe North and Middridge"],
    },
    {
        "hotspot_id": "DUR-shildon",
        "name": "Shildon (Jubilee Fields)",
        "aliases": "Shildon; Jubilee Fields; Queens Way; Middridge Lane; Dene Valley",
        "lad_code": "E06000047",
        "concern": "off-road bikes and quads in the town parks, Jubilee Fields and grass verges",
        "source": (
            "https://thenorthernecho.co.uk/news/7031890.stay-away-parks-bikers-told (Northern Echo: "
            "police target bikes in Shildon's parks, the Jubilee Fields area at the centre); "
            "https://www.thenorthernecho.co.uk/news/6951905.police-warn-off-road-bikers-we-will-destroy-"
            "machines/ (hotspots Queens Way and Middridge Lane)."
        ),
        "kind": "wards",
        "wards": ["Shildon and Dene Valley"],
    },
    {
        "hotspot_id": "DUR-stanley",
        "name": "Stanley and the C2C path",
        "aliases": "Stanley; C2C; C2C cycle path; Sustrans C2C",
        "lad_code": "E06000047",
        "concern": "off-road bikes and quads on the C2C cycle path and near homes",
        "source": (
            "https://thenorthernecho.co.uk/news/local/northdurham/9994706.patrols-stepped-curb-off-road-"
            "biking-stanley (Northern Echo: council wardens and PCSOs patrol problem areas of Stanley, "
            "including the C2C cycle path near the town)."
        ),
        "kind": "wards",
        "wards": ["Stanley"],
    },
]


@dataclass(frozen=True)
class Force:
    """One force's gazetteer: its hotspots, the 2024 wards drawn on, and the file written."""

    hotspots: list[Spec]
    wards_file: str
    output: str
    collection_name: str
    neighbour_wards_file: str | None


FORCES: dict[str, Force] = {
    "cleveland": Force(
        HOTSPOTS, "cleveland_wards_2024.geojson", "hotspots.geojson", "endurance_hotspots", None
    ),
    # Crimdon's band ends at the Hartlepool boundary: Cleveland's land and shore are clipped off.
    "durham": Force(
        DURHAM_HOTSPOTS,
        "durham/durham_wards_2024.geojson",
        "hotspots_durham.geojson",
        "endurance_hotspots_durham",
        "cleveland_wards_2024.geojson",
    ),
}


def _coast_band(coastline: shapely.LineString, ends: list[Point]) -> Polygon:
    a, b = ends
    start, stop = sorted((coastline.project(a), coastline.project(b)))
    stretch = substring(coastline, start, stop)
    if stretch.length > 0.5 * coastline.length:  # take the short way round the ring
        stretch = unary_union([substring(coastline, stop, coastline.length), substring(coastline, 0, start)])
    return stretch.buffer(300, cap_style="flat")


def _coast_ends(spec: Spec) -> list[Point]:
    if "ends_bng" in spec:
        return [Point(x, y) for x, y in spec["ends_bng"]]
    return [Point(TO_BNG.transform(lon, lat)) for lon, lat in spec["ends"]]


def _draw_one(spec: Spec, wards: gpd.GeoDataFrame, coastline: shapely.LineString) -> tuple[BaseGeometry, str]:
    if spec["kind"] == "drawn":
        return Polygon(spec["vertices"]), "hand-placed vertices (British National Grid)"
    if spec["kind"] == "coast":
        geom = _coast_band(coastline, _coast_ends(spec))
        return geom, "300 m band either side of the ONS 2024 coastline between two end points"
    chosen = wards[wards.ward_name.isin(spec["wards"])]
    if len(chosen) != len(spec["wards"]):
        raise SystemExit(f"wards not found for {spec['hotspot_id']}: {spec['wards']}")
    geom = unary_union(chosen.geometry).buffer(-50)
    return geom, "union of 2024 wards " + ", ".join(spec["wards"]) + ", shrunk by 50 m"


def draw(geodata_dir: Path, *, force: str = "cleveland") -> dict[str, Any]:
    """Return a force's hotspots as a GeoJSON feature collection in WGS84, each drawn by its kind."""
    if force not in FORCES:
        raise SystemExit(f"force must be one of {', '.join(FORCES)}; got {force!r}")
    chosen_force = FORCES[force]
    wards = gpd.read_file(geodata_dir / chosen_force.wards_file).to_crs(27700)
    land = unary_union(wards.geometry)
    coastline = max(
        (shapely.LineString(poly.exterior) for poly in getattr(land, "geoms", [land])),
        key=lambda line: line.length,
    )
    neighbour = None
    if chosen_force.neighbour_wards_file is not None:
        neighbour = unary_union(
            gpd.read_file(geodata_dir / chosen_force.neighbour_wards_file).to_crs(27700).geometry
        )
    features = []
    for spec in chosen_force.hotspots:
        geom, method = _draw_one(spec, wards, coastline)
        if neighbour is not None:
            # Not the neighbouring force's land, nor the sea off its shore: an incident on
            # Hartlepool's beach is Cleveland's, even within 300 m of the Durham coast.
            geom = geom.difference(unary_union([neighbour, neighbour.buffer(300).difference(land)]))
        geom = shapely.set_precision(geom, 1.0)
        wgs = gpd.GeoSeries([geom], crs=27700).to_crs(4326).iloc[0]
        wgs = shapely.set_precision(wgs, 1e-6)
        properties = {k: spec[k] for k in ("hotspot_id", "name", "aliases", "lad_code", "concern", "source")}
        properties["drawn_by"] = method
        features.append({"type": "Feature", "properties": properties, "geometry": mapping(wgs)})
    return {"type": "FeatureCollection", "name": chosen_force.collection_name, "features": features}


def render(collection: dict[str, Any]) -> str:
    """Return the collection as the text written to the gazetteer file."""
    return json.dumps(collection, indent=1) + "\n"


def main(argv: list[str] | None = None) -> None:
    """Redraw one force's gazetteer and write it beside this script."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--force", choices=sorted(FORCES), default="cleveland", help="whose gazetteer to draw"
    )
    args = parser.parse_args(argv)
    collection = draw(Path(os.environ.get("ENDURANCE_GEODATA", "../shared/geodata")), force=args.force)
    out = HERE / FORCES[args.force].output
    out.write_text(render(collection), encoding="utf-8")
    print(f"wrote {len(collection['features'])} hotspots to {out}")


if __name__ == "__main__":
    main()
