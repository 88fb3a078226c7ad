"""The demo generator's forces (endurance.demo): Cleveland's year as before, Durham's beside it."""

from __future__ import annotations

import csv
import json
from collections import Counter
from datetime import datetime
from pathlib import Path

import geopandas as gpd
import numpy as np
import pytest
import shapely

from endurance import geography, sources
from endurance._errors import ArgumentError
from endurance.demo import bad_rows, generate_demo_inputs
from endurance.demo.forces import DURHAM_YEAR, demo_force
from endurance.demo.geography import DURHAM_HOTSPOT_WEIGHTS, DemoGeography
from endurance.demo.timing import created_at
from endurance.forces import CLEVELAND, DURHAM, ForceProfile
from endurance.sources._common import bng_from_lonlat
from tests._two_forces import skip_without_durham

NOW = datetime(2026, 1, 15)
#: Rows of each file of Cleveland's default year for seed 20251, as it has always been written.
CLEVELAND_ROWS = {
    "fire/synthetic_fire_incidents_2025.csv": 338,
    "incident_log/synthetic_incident_log_2025.csv": 4333,
    "intelligence/synthetic_community_intelligence_2025.csv": 666,
    "outcomes/synthetic_enforcement_outcomes_2025.csv": 285,
    **{
        f"policeuk/2025-{m:02d}/2025-{m:02d}-cleveland-street.csv": n
        for m, n in enumerate(
            [4807, 5325, 5215, 5856, 5714, 6159, 6508, 6336, 6170, 5761, 5256, 4957], start=1
        )
    },
}
#: Durham's coast, Waldridge Fell and east Darlington: the places weighted most.
DURHAM_MAIN_PLACES = {
    "DUR-horden-coast",
    "DUR-crimdon",
    "DUR-peterlee",
    "DUR-waldridge-fell",
    "DUR-darlington-east",
}


def _rows(path: Path) -> list[dict[str, str]]:
    with open(path, newline="", encoding="utf-8") as handle:
        return list(csv.DictReader(handle))


def _bytes(folder: Path) -> dict[str, bytes]:
    return {
        p.relative_to(folder).as_posix(): p.read_bytes() for p in sorted(folder.rglob("*")) if p.is_file()
    }


@pytest.fixture(scope="module")
def both(tmp_path_factory: pytest.TempPathFactory, geodata_dir: Path):
    """Both forces' demo years for the default seed."""
    skip_without_durham(geodata_dir)
    return generate_demo_inputs(tmp_path_factory.mktemp("both"), geodata_dir, forces=(CLEVELAND, DURHAM))


@pytest.fixture(scope="module")
def wards(geodata_dir: Path) -> dict[str, shapely.Geometry]:
    """Each force's 2024 wards as one shape, in metres."""
    files = {"cleveland": "cleveland_wards_2024.geojson", "durham": "durham/durham_wards_2024.geojson"}
    return {
        key: shapely.union_all(gpd.read_file(geodata_dir / name).to_crs(27700).geometry.to_numpy())
        for key, name in files.items()
    }


def _incidents(inputs, profile: ForceProfile) -> list[dict[str, str]]:
    """Return the good rows of a force's control-room log (its own references, year 2025)."""
    log = next(
        p for p in inputs.files if p.parent.name == "incident_log" and _force_of(inputs, p) == profile.key
    )
    prefix = demo_force(profile).refs.incident + "-2025"
    return [r for r in _rows(log) if r["Incident Ref"].startswith(prefix)]


def _force_of(inputs, path: Path) -> str:
    return "durham" if path.relative_to(inputs.folder).parts[0] == "durham" else "cleveland"


def _points(rows: list[dict[str, str]]) -> np.ndarray:
    """Easting and northing of each row, from whichever pair it was written with."""
    out = []
    for r in rows:
        if r["Easting"]:
            out.append((float(r["Easting"]), float(r["Northing"])))
        else:
            x, y = bng_from_lonlat(np.array([float(r["Longitude"])]), np.array([float(r["Latitude"])]))
            out.append((float(x[0]), float(y[0])))
    return np.array(out)


def _month_shares(rows: list[dict[str, str]]) -> np.ndarray:
    counts = Counter(created_at(r["Created"]).month for r in rows)
    return np.array([counts[m] for m in range(1, 13)]) / len(rows)


def test_the_default_year_is_cleveland_alone_as_always(tmp_path, geodata_dir, both):
    inputs = generate_demo_inputs(tmp_path / "demo", geodata_dir)
    written = {p.relative_to(inputs.folder).as_posix(): len(_rows(p)) for p in inputs.files}
    assert written == CLEVELAND_ROWS
    assert inputs.off_road_incidents == 3900 and inputs.off_road_by_force == {"cleveland": 3900}
    assert not (inputs.folder / "durham").exists()
    # Writing Durham too changes no byte of Cleveland's files.
    alone, beside = _bytes(inputs.folder), _bytes(both.folder)
    assert {k: v for k, v in beside.items() if k in CLEVELAND_ROWS} == {
        k: v for k, v in alone.items() if k in CLEVELAND_ROWS
    }


def test_durham_is_written_under_its_folder_and_every_file_is_in_the_manifest(both):
    durham = [p.relative_to(both.folder).as_posix() for p in both.files if _force_of(both, p) == "durham"]
    assert len(durham) == 16 and all(p.startswith("durham/") for p in durham)
    assert {p.split("/")[1] for p in durham} == {
        "incident_log",
        "intelligence",
        "policeuk",
        "fire",
        "outcomes",
    }
    assert [p for p in durham if "/policeuk/" in p][0] == "durham/policeuk/2025-01/2025-01-durham-street.csv"
    listed = [
        line.split("  ", 1)[1] for line in (both.folder / sources.SYNTHETIC_MANIFEST).read_text().splitlines()
    ]
    assert listed == [p.relative_to(both.folder).as_posix() for p in both.files]
    on_disk = {k for k in _bytes(both.folder) if k not in ("README.txt", sources.SYNTHETIC_MANIFEST)}
    assert set(listed) == on_disk


def test_durham_has_about_2000_incidents_inside_its_own_wards(both, wards, geodata_dir):
    assert both.off_road_by_force == {"cleveland": 3900, "durham": 2000}
    xy = _points(_incidents(both, DURHAM))
    inside_durham = shapely.contains_xy(wards["durham"], xy[:, 0], xy[:, 1])
    assert not shapely.contains_xy(wards["cleveland"], xy[:, 0], xy[:, 1]).any()
    # The wards are clipped to the coast; as in Cleveland, the beach hotspots reach past it,
    # onto the sand. Every other point lies in a Durham ward.
    beaches = DemoGeography(geodata_dir, DURHAM).hotspots.loc[["DUR-horden-coast", "DUR-crimdon"]]
    on_beach = shapely.contains_xy(shapely.union_all(beaches.geometry.to_numpy()), xy[:, 0], xy[:, 1])
    assert (inside_durham | on_beach).all() and inside_durham.mean() > 0.9


def test_durham_hotspots_weight_the_coast_waldridge_fell_and_east_darlington(both, geodata_dir):
    geo = DemoGeography(geodata_dir, DURHAM)
    assert (
        set(geo.hotspot_weights) == set(geo.hotspots.index) and geo.hotspot_weights is DURHAM_HOTSPOT_WEIGHTS
    )
    xy = _points(_incidents(both, DURHAM))
    inside = {
        place: int(shapely.contains_xy(shape, xy[:, 0], xy[:, 1]).sum())
        for place, shape in geo.hotspots.geometry.items()
    }
    on_hotspots = sum(inside.values())
    assert on_hotspots > 0.45 * len(xy)
    assert sum(inside[p] for p in DURHAM_MAIN_PLACES) > 0.6 * on_hotspots
    assert all(inside[p] > 0 for p in geo.hotspots.index)


def test_durham_peaks_later_and_is_quieter_in_winter_than_cleveland(both):
    cleveland, durham = _month_shares(_incidents(both, CLEVELAND)), _month_shares(_incidents(both, DURHAM))
    assert durham[8:10].sum() > cleveland[8:10].sum() + 0.04  # September and October
    assert durham[[0, 1, 11]].sum() < cleveland[[0, 1, 11]].sum() - 0.01  # December to February
    # Cleveland's peak is early summer, Durham's late: June and July against September and October.
    assert cleveland[5:7].sum() > cleveland[8:10].sum() and durham[8:10].sum() > durham[5:7].sum()


def test_the_forces_never_share_a_reference(both):
    by_force: dict[tuple[str, str], set[str]] = {}
    for path in both.files:
        key_column = {
            "incident_log": "Incident Ref",
            "intelligence": "Intel Ref",
            "fire": "Incident Number",
            "outcomes": "Outcome Ref",
        }.get(path.parent.name, "Crime ID")
        rows = _rows(path)
        by_force.setdefault((_force_of(both, path), key_column), set()).update(r[key_column] for r in rows)
        if path.parent.name == "outcomes":
            people = {r["Person Ref"] for r in rows}
            by_force.setdefault((_force_of(both, path), "Person Ref"), set()).update(people)
    columns = {column for _, column in by_force}
    assert len(columns) == 6
    for column in columns:
        cleveland, durham = by_force["cleveland", column] - {""}, by_force["durham", column] - {""}
        assert cleveland and durham and not cleveland & durham, column
    assert all(ref.startswith("PER-DUR-") for ref in by_force["durham", "Person Ref"] - {""})


def test_durham_policeuk_files_name_durham_and_its_personal_data_is_planted(both):
    street = [p for p in both.files if _force_of(both, p) == "durham" and p.parent.parent.name == "policeuk"]
    rows = [r for p in street for r in _rows(p)]
    assert {r["Reported by"] for r in rows} == {r["Falls within"] for r in rows} == {DURHAM.name}
    intelligence = next(
        p for p in both.files if _force_of(both, p) == "durham" and p.parent.name == "intelligence"
    )
    planted = set(both.planted)
    good = [r for r in _rows(intelligence) if "-BAD-" not in r["Intel Ref"]]
    assert good and all({r["Subject"], r["VRM"], r["Phone"]} <= planted for r in good)


def test_the_same_seed_writes_the_same_durham_bytes_alone_or_beside_cleveland(tmp_path, geodata_dir, both):
    alone = generate_demo_inputs(tmp_path / "durham-alone", geodata_dir, forces=(DURHAM,))
    durham_beside = {k: v for k, v in _bytes(both.folder).items() if k.startswith("durham/")}
    assert {k: v for k, v in _bytes(alone.folder).items() if k.startswith("durham/")} == durham_beside
    other = generate_demo_inputs(tmp_path / "other-seed", geodata_dir, seed=7, forces=(DURHAM,))
    assert _bytes(other.folder) != _bytes(alone.folder)


def test_a_force_without_a_demo_year_is_refused():
    with pytest.raises(
        ArgumentError, match="no synthetic year for force 'elsewhere'; it has cleveland, durham"
    ):
        demo_force(ForceProfile("elsewhere", "E23", "X", "X", "x", "X", (), (), None, "O", "i"))


def test_durham_files_load_and_only_the_planted_bad_rows_are_rejected(both, two_forces_con):
    geography.load_hotspots(two_forces_con, [DURHAM.gazetteer])
    loads = sources.ingest_folder(two_forces_con, both.folder / "durham", run_id="demo-durham", now=NOW)
    assert len(loads) == 16 and all(load.reconciles for load in loads)
    by_source = {load.source: load for load in loads if load.source != "policeuk_street"}
    assert all(load.duplicate == 1 for name, load in by_source.items() if name != "intelligence")
    street = [load for load in loads if load.source == "policeuk_street"]
    assert sum(load.staged for load in street) == sum(load.rows_in for load in street) > 50_000
    rejected = {
        (source, next(iter(json.loads(raw).values())))
        for source, raw in two_forces_con.execute("SELECT source, raw_row FROM ops.rejects").fetchall()
    }
    planted = _planted_bad_refs()
    assert rejected == planted
    assert sum(load.rejected for load in loads) == len(planted)


def _planted_bad_refs() -> set[tuple[str, str]]:
    """Return the references of Durham's bad rows that loading must reject (swapped points are repaired)."""
    row = [str(i) for i in range(12)]
    planted = {
        "incident_log": bad_rows.incident_log_rows(
            2025, ("1", "2"), ("3", "4"), repeat=row, force=DURHAM_YEAR
        ),
        "intelligence": bad_rows.intelligence_rows(row, force=DURHAM_YEAR),
        "fire": bad_rows.fire_rows(row, 2025, ("1", "2"), ("3", "4"), repeat=row, force=DURHAM_YEAR),
        "outcomes": bad_rows.outcome_rows(row, 2025, repeat=row, force=DURHAM_YEAR),
    }
    repaired = ("-SWAPPED-", "-BNG-IN-LATLON-")
    return {
        (source, r[0])
        for source, rows in planted.items()
        for r in rows
        if r is not row and not any(tag in r[0] for tag in repaired)
    }
