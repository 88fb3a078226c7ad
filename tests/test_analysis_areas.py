"""Hotspot analysis per force area and for the joint operation (endurance.forces.AnalysisArea)."""

from __future__ import annotations

import pytest

from endurance import forces, hotspots, warehouse
from endurance._errors import ArgumentError
from tests._two_forces import YEAR


def test_one_force_has_one_area_and_two_forces_three():
    (only,) = forces.analysis_areas([forces.CLEVELAND])
    assert (only.key, only.force_codes, only.label) == ("cleveland", ("E23000013",), "Cleveland force area")
    keys = [a.key for a in forces.analysis_areas([forces.CLEVELAND, forces.DURHAM])]
    assert keys == ["cleveland", "durham", "joint"]
    joint = forces.analysis_area(None, [forces.CLEVELAND, forces.DURHAM])
    assert joint.key == "joint" and len(joint.lad_codes) == 6
    assert joint.label == "joint operation (Cleveland and Durham)"
    assert forces.analysis_area("Durham ", [forces.CLEVELAND, forces.DURHAM]).lad_codes == (
        "E06000005",
        "E06000047",
    )
    with pytest.raises(ArgumentError, match="no analysis area 'joint': the forces loaded give clev"):
        forces.analysis_area("joint", [forces.CLEVELAND])


def test_every_area_is_analysed_on_its_own_grid_and_incidents(two_forces_analysed):
    summaries = two_forces_analysed["summaries"]
    assert list(summaries) == ["cleveland", "durham", "joint"]
    with warehouse.connect(two_forces_analysed["db"], read_only=True) as con:
        grids = {
            area: (incidents, cells)
            for area, incidents, cells in con.execute(
                "SELECT analysis_area, incidents, study_cells FROM marts.density_grid WHERE period = ?",
                [YEAR.label],
            ).fetchall()
        }
        wards = dict(
            con.execute(
                "SELECT analysis_area, count(DISTINCT lad_code) FROM marts.ward_analysis"
                " WHERE period = ? GROUP BY 1",
                [YEAR.label],
            ).fetchall()
        )
        named = con.execute(
            "SELECT analysis_area, name FROM marts.hotspot_areas WHERE period = ?", [YEAR.label]
        ).fetchall()
    names = {area: {name for key, name in named if key == area} for area in grids}
    # Each force's incidents are its own (the border incidents land where they happened);
    # the joint operation holds them all, on a grid over both force areas.
    cleveland, durham, joint = grids["cleveland"], grids["durham"], grids["joint"]
    assert cleveland[0] + durham[0] == joint[0] > 0 and min(cleveland[0], durham[0]) > 0
    assert cleveland[1] + durham[1] <= joint[1] + 2  # cells on the boundary count once
    assert cleveland[1] < durham[1]  # County Durham and Darlington cover far more ground
    assert wards == {"cleveland": 4, "durham": 2, "joint": 6}
    assert "Eston Hills" in names["cleveland"] and not names["cleveland"] & names["durham"]
    assert any(name.startswith("Horden") for name in names["durham"])
    assert names["joint"] >= {"Eston Hills"} and any(n.startswith("Horden") for n in names["joint"])


def test_the_border_incidents_count_in_the_force_where_they_happened(two_forces_analysed):
    with warehouse.connect(two_forces_analysed["db"], read_only=True) as con:
        landed = dict(
            con.execute(
                "SELECT split_part(event_id, '-', 1), any_value(pfa_code) FROM staging.event_force_areas"
                " WHERE event_id LIKE 'INC:%-border-%' GROUP BY 1"
            ).fetchall()
        )
    assert landed == {"INC:cleveland": "E23000013", "INC:durham": "E23000008"}


def test_each_area_has_its_own_accuracy_figures(two_forces_analysed):
    with warehouse.connect(two_forces_analysed["db"], read_only=True) as con:
        figures = {key: hotspots.map_accuracy(con, YEAR, key) for key in ("cleveland", "durham", "joint")}
        assert hotspots.map_accuracy(con, YEAR) == figures["joint"]  # the widest by default
        with pytest.raises(ArgumentError, match="no analysis area 'kent'"):
            hotspots.map_accuracy(con, YEAR, "kent")
    assert all(f is not None and f["months"] > 0 for f in figures.values())
