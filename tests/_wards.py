"""Four real 2024 wards as a force's own layer would arrive, and designation CSVs, for the geography tests."""

from __future__ import annotations

from pathlib import Path

import geopandas as gpd

from endurance.geography.designations import DESIGNATION_COLUMNS

# Four real 2024 wards, one per authority, and a point well inside each (tests/test_geography_official.py).
WARDS = {
    "Victoria": ("E06000001", "Hartlepool", -1.2130, 54.6850),
    "Central": ("E06000002", "Middlesbrough", -1.2345, 54.5760),
    "Coatham": ("E06000003", "Redcar and Cleveland", -1.0640, 54.6160),
    "Billingham Central": ("E06000004", "Stockton-on-Tees", -1.2900, 54.6060),
}

HEADER = ",".join(DESIGNATION_COLUMNS)


def four_wards_frame(geodata_dir: Path) -> gpd.GeoDataFrame:
    """Return the four wards in British National Grid with ONS 2024 field names and no LAD fields."""
    frame = gpd.read_file(geodata_dir / "cleveland_wards_2024.geojson")
    frame = frame[frame["ward_name"].isin(WARDS)].to_crs(27700)
    assert len(frame) == 4
    return gpd.GeoDataFrame(
        {
            "FID": range(1, 5),
            "WD24CD": frame["ward_code"].to_numpy(),
            "WD24NM": frame["ward_name"].to_numpy(),
            "WD24NMW": [" "] * 4,  # Welsh name, empty in England: must not be taken for the name
            "BNG_E": frame.geometry.centroid.x.round().to_numpy(),
        },
        geometry=frame.geometry.to_numpy(),
        crs="EPSG:27700",
    )


def designations_csv(tmp_path: Path, *rows: str) -> Path:
    """Write a designation CSV with the template's header and ``rows``; return its path."""
    path = tmp_path / "designations.csv"
    path.write_text("\n".join([HEADER, *rows]) + "\n", encoding="utf-8")
    return path
