"""The Durham named-hotspot gazetteer (geodata/hotspots_durham.geojson).

The file is authored, not fetched: ``geodata/draw_hotspots.py --force durham`` draws it
on the Durham 2024 wards (``durham/`` in the shared geodata folder). The checks that
need those boundaries skip when they are not available.
"""

from __future__ import annotations

import importlib.util
import json
import sys
from collections.abc import Iterator
from pathlib import Path
from types import ModuleType
from typing import Any

import geopandas as gpd
import pytest
import shapely
from shapely.geometry import shape
from shapely.ops import unary_union

REPO = Path(__file__).resolve().parents[1]
GAZETTEER = REPO / "geodata" / "hotspots_durham.geojson"
SCRIPT = REPO / "geodata" / "draw_hotspots.py"
DURHAM_LADS = {"E06000047", "E06000005"}  # County Durham, Darlington
DURHAM_PFA = "E23000008"
# Coastal hotspots are a band 300 m either side of the ward coastline; the force-area
# layer is generalised differently at the coast, so the sea side may reach up to 350 m.
SEAWARD_ALLOWANCE_M = 350


@pytest.fixture(scope="module")
def collection() -> dict[str, Any]:
    return dict(json.loads(GAZETTEER.read_text(encoding="utf-8")))


@pytest.fixture(scope="module")
def hotspots(collection: dict[str, Any]) -> gpd.GeoDataFrame:
    return gpd.GeoDataFrame.from_features(collection["features"], crs=4326).to_crs(27700)


@pytest.fixture(scope="module")
def durham_geodata(geodata_dir: Path) -> Path:
    if not (geodata_dir / "durham" / "durham_wards_2024.geojson").exists():
        pytest.skip(f"Durham boundaries not available: no durham/durham_wards_2024.geojson in {geodata_dir}")
    return geodata_dir


@pytest.fixture(scope="module")
def drawing_script() -> Iterator[ModuleType]:
    """Import geodata/draw_hotspots.py, a script outside the package, for the test's life."""
    name = "_endurance_geodata_draw_hotspots"
    spec = importlib.util.spec_from_file_location(name, SCRIPT)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[name] = module  # dataclasses resolve the script's annotations through it
    try:
        spec.loader.exec_module(module)
        yield module
    finally:
        del sys.modules[name]


def test_at_least_five_places_with_unique_ids_and_names(collection: dict[str, Any]) -> None:
    props = [f["properties"] for f in collection["features"]]
    ids = [p["hotspot_id"] for p in props]
    names = [p["name"] for p in props]
    assert len(props) >= 5
    assert len(set(ids)) == len(ids) and len(set(names)) == len(names)
    assert all(i.startswith("DUR-") for i in ids)


def test_every_place_has_the_gazetteer_properties_and_a_public_web_source(collection: dict[str, Any]) -> None:
    keys = {"hotspot_id", "name", "aliases", "lad_code", "concern", "source", "drawn_by"}
    for feature in collection["features"]:
        props = feature["properties"]
        assert set(props) == keys, props["hotspot_id"]
        assert props["lad_code"] in DURHAM_LADS, props["hotspot_id"]
        assert "https://" in props["source"] or "http://" in props["source"], props["hotspot_id"]
        assert all(props[k].strip() for k in keys), props["hotspot_id"]


def test_every_polygon_is_valid_and_not_empty(collection: dict[str, Any]) -> None:
    for feature in collection["features"]:
        geom = shape(feature["geometry"])
        assert geom.geom_type in {"Polygon", "MultiPolygon"}, feature["properties"]["hotspot_id"]
        assert geom.is_valid and not geom.is_empty, feature["properties"]["hotspot_id"]


def test_every_place_lies_in_the_durham_force_area_and_off_cleveland(
    hotspots: gpd.GeoDataFrame, durham_geodata: Path
) -> None:
    forces = gpd.read_file(durham_geodata / "police_force_areas_cleveland_durham_2023.geojson").to_crs(27700)
    durham = forces[forces.pfa_code == DURHAM_PFA].geometry.iloc[0]
    elsewhere = unary_union(forces[forces.pfa_code != DURHAM_PFA].geometry)
    reach = durham.buffer(SEAWARD_ALLOWANCE_M)
    for row in hotspots.itertuples():
        assert row.geometry.difference(reach).area < 1.0, row.hotspot_id
        assert row.geometry.intersection(elsewhere).area < 1.0, row.hotspot_id


def test_lad_code_is_the_authority_each_place_mostly_overlaps(
    hotspots: gpd.GeoDataFrame, durham_geodata: Path
) -> None:
    lads = gpd.read_file(durham_geodata / "cleveland_durham_lads_2024.geojson").to_crs(27700)
    for row in hotspots.itertuples():
        overlap = {lad.lad_code: row.geometry.intersection(lad.geometry).area for lad in lads.itertuples()}
        assert max(overlap, key=lambda code: overlap[code]) == row.lad_code, row.hotspot_id


def test_coastal_places_reach_beyond_the_clipped_wards(
    hotspots: gpd.GeoDataFrame, durham_geodata: Path
) -> None:
    wards = gpd.read_file(durham_geodata / "durham" / "durham_wards_2024.geojson").to_crs(27700)
    land = unary_union(wards.geometry)
    coastal = hotspots[hotspots.drawn_by.str.contains("coastline")]
    assert set(coastal.hotspot_id) == {"DUR-horden-coast", "DUR-crimdon"}
    for row in coastal.itertuples():
        assert row.geometry.difference(land).area / row.geometry.area > 0.2, row.hotspot_id


def test_ward_based_places_are_their_wards_shrunk_by_50_m(
    hotspots: gpd.GeoDataFrame, durham_geodata: Path
) -> None:
    wards = gpd.read_file(durham_geodata / "durham" / "durham_wards_2024.geojson").to_crs(27700)
    stanley = hotspots[hotspots.hotspot_id == "DUR-stanley"].geometry.iloc[0]
    ward = wards[wards.ward_name == "Stanley"].geometry.iloc[0]
    assert stanley.within(ward)
    # Nearest approach to the ward's edge is the 50 m shrink, give or take the 1 m grid
    # the drawing snaps to in British National Grid and the 1e-6 degree one in WGS84.
    assert 48.5 <= ward.boundary.distance(stanley) <= 51.5


def test_redrawing_gives_the_committed_file(
    collection: dict[str, Any], drawing_script: ModuleType, durham_geodata: Path
) -> None:
    redrawn = drawing_script.draw(durham_geodata, force="durham")
    assert drawing_script.render(redrawn) == GAZETTEER.read_text(encoding="utf-8") or all(
        a["properties"] == b["properties"]
        and shapely.equals_exact(shape(a["geometry"]), shape(b["geometry"]), tolerance=2e-6)
        for a, b in zip(redrawn["features"], collection["features"], strict=True)
    )
