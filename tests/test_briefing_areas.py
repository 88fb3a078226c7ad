"""Briefing packs per analysis area: each force's and the joint operation's, on a two-force warehouse."""

from __future__ import annotations

import os
import subprocess
import sys
from datetime import date
from pathlib import Path

import pytest

from endurance import briefing, forces, hotspots, linking, maps, marts, warehouse
from endurance._errors import ArgumentError
from endurance._publish import Stamp
from endurance.geography import attribution
from endurance.settings import Settings
from tests._two_forces import YEAR

MEETING = date(2026, 1, 6)


@pytest.fixture
def map_areas(monkeypatch: pytest.MonkeyPatch) -> list[str | None]:
    """Record the analysis area of every map the briefing builds (the real map is drawn)."""
    real = maps.build_hotspot_map
    areas: list[str | None] = []

    def recording(con, path, *, area=None, **options):
        areas.append(area)
        return real(con, path, area=area, **options)

    monkeypatch.setattr(maps, "build_hotspot_map", recording)
    return areas


@pytest.fixture
def two_forces(two_forces_analysed: dict, tmp_path: Path):
    """Yield a private writable copy of the analysed two-force warehouse."""
    copy = tmp_path / "endurance.duckdb"
    copy.write_bytes(two_forces_analysed["db"].read_bytes())
    with warehouse.connect(copy) as con:
        yield con


def _packs(con) -> dict[str, briefing.BriefingData]:
    meeting = briefing.plan_meeting(con, MEETING)
    assert meeting.period == YEAR
    return {
        key: briefing.collect_briefing(con, meeting, vintage="2024", area=key)
        for key in ("cleveland", "durham", "joint")
    }


def _staged_incidents(con, prefix: str) -> int:
    """Linked incidents of 2025 whose reference names the force they were staged for (_two_forces.py)."""
    return con.execute(
        "SELECT count(*) FROM staging.linked_incidents WHERE incident_id LIKE ?"
        " AND month >= DATE '2025-01-01' AND month < DATE '2026-01-01'",
        [f"INC:{prefix}-%"],
    ).fetchone()[0]


def test_each_pack_reads_its_own_area(two_forces):
    packs = _packs(two_forces)
    durham, cleveland, joint = packs["durham"], packs["cleveland"], packs["joint"]
    names = {key: [h["name"] for h in pack.hotspots] for key, pack in packs.items()}
    assert names["durham"][0].startswith("Horden"), names
    assert not any("Eston" in n or "Hemlington" in n for n in names["durham"]), names
    assert names["cleveland"][0].startswith("Eston Hills"), names
    assert not any("Horden" in n or "Waldridge" in n for n in names["cleveland"]), names
    assert any("Eston" in n for n in names["joint"]) and any("Horden" in n for n in names["joint"])
    # Each force's headline is its own incidents, counted straight from what was staged for it.
    assert durham.headline["incidents"] == _staged_incidents(two_forces, "durham") > 0
    assert cleveland.headline["incidents"] == _staged_incidents(two_forces, "cleveland") > 0
    for figure in ("incidents", "previous", "last_year", "wards_with_incidents"):
        assert joint.headline[figure] == cleveland.headline[figure] + durham.headline[figure], figure
    assert [n for _, n in joint.monthly] == [
        c + d for (_, c), (_, d) in zip(cleveland.monthly, durham.monthly, strict=True)
    ]
    # The monthly chart counts the incidents as logged, before linking: every one staged for Durham.
    logged = two_forces.execute(
        "SELECT count(*) FROM staging.events WHERE event_id LIKE 'INC:durham-%'"
        " AND month >= DATE '2025-01-01' AND month < DATE '2026-01-01'"
    ).fetchone()[0]
    assert sum(n for _, n in durham.monthly) == logged >= durham.headline["incidents"]
    assert {w["lad_name"] for w in durham.wards} <= {"County Durham", "Darlington"}
    assert {w["lad_name"] for w in cleveland.wards}.isdisjoint({"County Durham", "Darlington"})
    # The timing table and the map's accuracy are the area's own analysis.
    assert sum(map(sum, durham.profile)) + sum(map(sum, cleveland.profile)) == sum(map(sum, joint.profile))
    assert durham.pai == hotspots.map_accuracy(two_forces, YEAR, "durham")
    assert (durham.area.key, joint.area.key) == ("durham", "joint")
    assert durham.several_forces and joint.quality["unplaced"] == 0


def test_an_event_no_force_area_holds_counts_in_the_joint_pack_only(two_forces):
    """An intelligence report with no point and no ward belongs to no force: only the widest pack has it."""
    from tests._staging import stage_rows
    from tests.test_briefing import _intelligence

    report = _intelligence("I-9", "2025-06-03 10:00", "1A")
    stage_rows(two_forces, "staging.stg_intelligence_reports", [{**report, "x": None, "y": None}])
    meeting = briefing.plan_meeting(two_forces, MEETING)
    scopes = {key: briefing._scope(two_forces, key) for key in ("cleveland", "durham", "joint")}
    period = {
        key: briefing._intelligence(two_forces, meeting, s, False)["period_total"]
        for key, s in scopes.items()
    }
    assert period == {"cleveland": 0, "durham": 0, "joint": 1}
    quality = {key: briefing._quality(two_forces, meeting, s) for key, s in scopes.items()}
    assert quality["durham"]["unplaced"] == quality["cleveland"]["unplaced"] == 1
    (joint_intel,) = [u for u in quality["joint"]["unlocated"] if u["category"] == "community_intelligence"]
    assert (joint_intel["events"], joint_intel["unlocated"]) == (1, 1)


def test_pack_files_are_named_by_area_and_say_which_area_they_cover(two_forces, tmp_path, map_areas):
    meeting = briefing.plan_meeting(two_forces, MEETING)
    written = {
        key: briefing.write_briefing(
            two_forces, tmp_path / "out", meeting, vintage="2024", stamp=Stamp("r1"), area=key, render=False
        )
        for key in ("durham", "joint")
    }
    assert map_areas == ["durham", "joint"]  # each pack's map is its area's
    assert written["durham"].html.name == "briefing_2026-01-06_durham.html"
    assert written["durham"].map_html.name == "briefing_2026-01-06_durham_map.html"
    assert written["joint"].html.name == "briefing_2026-01-06.html"
    assert written["joint"].map_html.name == "briefing_2026-01-06_map.html"
    durham = written["durham"].html.read_text(encoding="utf-8")
    assert '<p class="area">Durham force area</p>' in durham
    assert "Forces: Durham Constabulary ·" in durham and "Cleveland" not in durham
    assert "Horden" in durham and "Eston" not in durham
    joint = written["joint"].html.read_text(encoding="utf-8")
    assert '<p class="area">Joint operation (Cleveland and Durham)</p>' in joint
    assert "Forces: Cleveland Police and Durham Constabulary ·" in joint
    assert "Horden" in joint and "Eston Hills" in joint


def test_an_area_not_loaded_is_refused_naming_those_there_are(two_forces, tmp_path):
    out = tmp_path / "out"
    meeting = briefing.plan_meeting(two_forces, MEETING)
    with pytest.raises(
        ArgumentError, match="no analysis area 'kent': the forces loaded give cleveland, durham, joint"
    ):
        briefing.write_briefing(two_forces, out, meeting, vintage="2024", stamp=Stamp("r1"), area="kent")
    assert not out.exists()


def test_brief_refuses_an_area_not_loaded_in_one_line(two_forces_analysed, tmp_path):
    db = tmp_path / "endurance.duckdb"
    db.write_bytes(two_forces_analysed["db"].read_bytes())
    env = {**os.environ, "ENDURANCE_OUT": str(tmp_path), "ENDURANCE_DB": str(db), "COLUMNS": "200"}
    env.pop("PREFECT_API_URL", None)  # its own throwaway server, as a user's command gets
    done = subprocess.run(
        [sys.executable, "-m", "pipelines.cli", "brief", "--meeting", "2026-01-06", "--force", "kent"],
        capture_output=True,
        text=True,
        env=env,
        timeout=600,
    )
    output = done.stdout + done.stderr
    assert done.returncode == 1, output
    errors = [line for line in output.splitlines() if line.startswith("error:")]
    assert len(errors) == 1 and "Traceback" not in output, output
    assert "no analysis area 'kent': the forces loaded give cleveland, durham, joint" in errors[0]
    assert not (tmp_path / "briefings").exists()


def test_the_weekly_flow_writes_every_areas_pack_or_the_one_asked_for(
    two_forces_analysed, tmp_path, map_areas
):
    from pipelines.briefing import check_parameters, write_pack

    db = tmp_path / "endurance.duckdb"
    db.write_bytes(two_forces_analysed["db"].read_bytes())
    settings = Settings.from_env({"ENDURANCE_DB": str(db), "ENDURANCE_OUT": str(tmp_path)})
    assert check_parameters(settings, MEETING, None, None) == ["cleveland", "durham", "joint"]
    assert check_parameters(settings, MEETING, None, " Durham") == ["durham"]
    with pytest.raises(ArgumentError, match="the forces loaded give cleveland, durham, joint"):
        check_parameters(settings, MEETING, None, "kent")
    meeting, outputs, _ = write_pack.fn(settings, MEETING, None, "r1", None, ["cleveland", "durham", "joint"])
    assert meeting.period == YEAR and map_areas == ["cleveland", "durham", "joint"]
    names = sorted(Path(str(o["path"])).name for o in outputs)
    expected = [
        f"{stem}{ending}"
        for stem in ("briefing_2026-01-06", "briefing_2026-01-06_cleveland", "briefing_2026-01-06_durham")
        for ending in (".html", ".pdf", ".png", "_map.html", "_map.png")
    ]
    assert names == sorted(expected)


def test_a_one_force_warehouse_has_one_area_and_its_pack_keeps_its_name(geo_con, tmp_path):
    from tests._staging import stage_points
    from tests.test_briefing import ESTON

    stage_points(geo_con, [ESTON] * 5)
    attribution.attribute_events(geo_con)
    linking.link_events(geo_con)
    marts.build_marts(geo_con)
    assert [a.key for a in hotspots.analysis_areas_loaded(geo_con)] == ["cleveland"]
    meeting = briefing.plan_meeting(geo_con, date(2025, 7, 8))
    result = briefing.write_briefing(
        geo_con, tmp_path, meeting, vintage="2024", stamp=Stamp("r1"), render=False
    )
    assert (
        result.html.name == "briefing_2025-07-08.html"
        and result.map_html.name == "briefing_2025-07-08_map.html"
    )
    page = result.html.read_text(encoding="utf-8")
    assert '<p class="area">Cleveland force area</p>' in page and "Forces: Cleveland Police ·" in page
    assert "whole warehouse" not in page  # nothing to say about other forces with one loaded
    with pytest.raises(ArgumentError, match="'durham': the forces loaded give cleveland"):
        briefing.collect_briefing(geo_con, meeting, vintage="2024", area="durham")
    assert forces.analysis_area(None, (forces.CLEVELAND,)).key == "cleveland"
