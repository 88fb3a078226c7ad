"""The tasking briefing pack: its windows, its counts, its escaping and its files."""

from datetime import date, datetime
from pathlib import Path

import pandas as pd
import pytest

from endurance import briefing, forces, hotspots, linking, marts, warehouse
from endurance._publish import Stamp
from endurance.geography import attribution
from endurance.periods import Period
from endurance.sources import outcomes
from tests._staging import stage_points, stage_rows

ESTON = (455_500, 518_500)  # on Eston Hills


def _outcome(ref, day, kind="S59-WARN"):
    return {
        "event_id": f"OUT:{ref}",
        "outcome_ref": ref,
        "file_sha256": "test",
        "row_number": int(ref.split("-")[1]),
        "outcome_at": pd.Timestamp(day),
        "time_known": False,
        "outcome_type": kind,
        "outcome_kind": outcomes.OUTCOME_KINDS[kind],
        "agency": "POLICE",
        "x": ESTON[0],
        "y": ESTON[1],
    }


def _intelligence(ref, day, grading, handling="P", channel="101"):
    return {
        "event_id": f"INT:{ref}",
        "intel_ref": ref,
        "file_sha256": "test",
        "row_number": 1,
        "received_at": pd.Timestamp(day),
        "channel": channel,
        "source_evaluation": grading[0],
        "intelligence_assessment": grading[1],
        "handling_code": handling,
        "location_precision": "exact",
        "x": ESTON[0],
        "y": ESTON[1],
    }


@pytest.fixture
def small_warehouse(geo_con):
    """Five incidents in June 2025, outcomes and intelligence around a July meeting."""
    stage_points(geo_con, [ESTON] * 5)
    stage_rows(
        geo_con,
        "staging.stg_enforcement_outcomes",
        [
            _outcome("O-1", "2025-06-20"),  # in the period, before the last 28 days
            _outcome("O-2", "2025-06-25", "S59-SEIZE"),  # last 28 days, before the last meeting
            _outcome("O-3", "2025-07-01"),  # since the last meeting (2025-07-01 .. 07-07)
            _outcome("O-4", "2025-07-07", "ARREST"),  # since the last meeting
            _outcome("O-5", "2025-07-08"),  # the meeting day itself: not yet "since"
        ],
    )
    stage_rows(
        geo_con,
        "staging.stg_intelligence_reports",
        [
            _intelligence("I-1", "2025-06-03 10:00", "1A"),
            _intelligence("I-2", "2025-07-02 10:00", "1A"),
            _intelligence("I-3", "2025-07-03 10:00", "2C", channel="web_form"),
            _intelligence("I-4", "2025-07-03 11:00", "2C", handling="C"),  # not shareable by default
        ],
    )
    outcomes.flag_repeat_s59(geo_con)
    attribution.attribute_events(geo_con)
    linking.link_events(geo_con)
    marts.build_marts(geo_con)
    return geo_con


def test_meeting_period_is_the_twelve_months_to_the_last_complete_month(small_warehouse):
    meeting = briefing.plan_meeting(small_warehouse, date(2025, 7, 8))
    assert meeting.period == Period("2024-07", "2025-06")
    assert meeting.since == date(2025, 7, 1)
    # June is not complete before a meeting on 10 June.
    assert briefing.plan_meeting(small_warehouse, date(2025, 6, 10)).period.end == "2025-05"
    # Data lag: a September meeting still ends at the latest month with incidents.
    later = briefing.plan_meeting(small_warehouse, date(2025, 9, 2), since=date(2025, 8, 19), months=3)
    assert later.period == Period("2025-04", "2025-06") and later.since == date(2025, 8, 19)
    with pytest.raises(ValueError, match="must be before"):
        briefing.plan_meeting(small_warehouse, date(2025, 7, 8), since=date(2025, 7, 8))


def test_outcomes_are_counted_in_each_window(small_warehouse):
    meeting = briefing.plan_meeting(small_warehouse, date(2025, 7, 8))
    rows, repeats = briefing._outcomes(small_warehouse, meeting, briefing._scope(small_warehouse, None))
    by_type = {r["type"]: r for r in rows}
    warnings = by_type["S59-WARN"]
    assert (warnings["since"], warnings["last_28_days"], warnings["period"]) == (1, 2, 1)
    assert (by_type["S59-SEIZE"]["since"], by_type["S59-SEIZE"]["last_28_days"]) == (0, 1)
    assert by_type["ARREST"]["since"] == 1
    assert by_type["CHARGE"] == {**by_type["CHARGE"], "since": 0, "last_28_days": 0, "period": 0}
    # A repeat needs the same VRM or person; these outcomes name neither.
    assert repeats == 0


def test_intelligence_counts_only_shareable_items_by_grading(small_warehouse):
    meeting = briefing.plan_meeting(small_warehouse, date(2025, 7, 8))
    scope = briefing._scope(small_warehouse, None)
    intel = briefing._intelligence(small_warehouse, meeting, scope, share_c=False)
    assert intel["handling_codes"] == ["P"]
    assert intel["grid"]["1A"] == {"since": 1, "period": 1}
    assert intel["grid"]["2C"] == {"since": 1, "period": 0}
    assert (intel["since_total"], intel["period_total"]) == (2, 1)
    with_c = briefing._intelligence(small_warehouse, meeting, scope, share_c=True)
    assert with_c["grid"]["2C"]["since"] == 2 and with_c["since_total"] == 3
    channels = {c["label"]: c for c in with_c["channels"]}
    assert channels["Web form"]["since"] == 1 and channels["101 non-emergency call"]["since"] == 2


def test_quality_counts_reasons_and_unlocated(small_warehouse):
    meeting = briefing.plan_meeting(small_warehouse, date(2025, 7, 8))
    quality = briefing._quality(small_warehouse, meeting, briefing._scope(small_warehouse, None))
    unlocated = {u["category"]: u for u in quality["unlocated"]}
    assert unlocated["off_road_bike"]["events"] == 5 and unlocated["off_road_bike"]["unlocated"] == 0
    assert quality["reasons"] == []  # nothing went through the quarantine here


def test_with_one_force_the_pack_counts_what_it_counted_before_there_were_areas(small_warehouse):
    """Cleveland alone: every event and ward of the warehouse is the one area's, as the marts count them."""
    con = small_warehouse
    meeting = briefing.plan_meeting(con, date(2025, 7, 8))
    data = briefing.collect_briefing(con, meeting, vintage="2024")
    assert data.area.key == "cleveland" and not data.several_forces
    assert data.headline["incidents"] == marts.period_incidents(con, meeting.period, "2024") > 0
    start, after = meeting.period.bounds
    monthly = dict(
        con.execute(
            "SELECT strftime(month, '%Y-%m'), sum(events)::INTEGER FROM marts.event_months"
            " WHERE category = 'off_road_bike' AND month >= ?::DATE AND month < ?::DATE GROUP BY 1",
            [start, after],
        ).fetchall()
    )
    assert dict(data.monthly) == {m: monthly.get(m, 0) for m in meeting.period.months}
    period_outcomes = dict(
        con.execute(
            "SELECT outcome_type, sum(outcomes)::INTEGER FROM marts.outcome_days"
            " WHERE day >= ?::DATE AND day < ?::DATE GROUP BY 1",
            [start, after],
        ).fetchall()
    )
    assert {o["type"]: o["period"] for o in data.outcomes if o["period"]} == period_outcomes
    assert data.intelligence == briefing._intelligence(con, meeting, briefing._scope(con, "cleveland"), False)
    assert data.quality["unplaced"] == 0


def _hostile_data() -> briefing.BriefingData:
    hostile = '<script>alert("x")</script>=HYPERLINK("http://evil")'
    period = Period("2024-07", "2025-06")
    meeting = briefing.Meeting(day=date(2025, 7, 8), since=date(2025, 7, 1), period=period)
    return briefing.BriefingData(
        meeting=meeting,
        area=forces.analysis_area(None, (forces.CLEVELAND,)),
        vintage="2024",
        headline={
            "incidents": 5,
            "previous": 0,
            "last_year": 2,
            "change_previous": None,
            "change_last_year": 1.5,
            "wards_with_incidents": 1,
        },
        monthly=[("2025-06", 5)],
        hotspots=[
            {
                "area_id": 1,
                "name": hostile,
                "ward_names": hostile,
                "area_km2": 0.5,
                "incidents": 5,
                "previous": 0,
                "last_year": 2,
                "change_previous": None,
                "p_previous": None,
                "change_last_year": 1.5,
                "p_last_year": 0.45,
                "trend": "emerging",
                "peak_days": hostile,
                "peak_hours": "16:00-20:00",
                "chart": "data:image/png;base64,AAAA",
            }
        ],
        profile=[[0] * 7 for _ in range(24)],
        peak_windows=[],
        wards=[
            {
                "ward_name": hostile,
                "lad_name": hostile,
                "incidents": 5,
                "previous": 0,
                "last_year": 2,
                "change_previous": None,
                "p_previous": None,
                "gi_class": "hot_95",
                "trend": "none",
                "designation": hostile,
                "hotspots": hostile,
            }
        ],
        outcomes=[{"type": "S59-WARN", "label": hostile, "since": 1, "last_28_days": 1, "period": 1}],
        repeat_s59_since=0,
        intelligence={
            "handling_codes": ["P"],
            "evaluations": {"1": hostile},
            "assessments": {"A": hostile},
            "grid": {"1A": {"since": 0, "period": 0}},
            "channels": [{"label": hostile, "since": 0, "period": 0}],
            "since_total": 0,
            "period_total": 0,
        },
        quality={
            "since": {"files": 0, "rows_in": 0, "staged": 0, "rejected": 0, "duplicate": 0},
            "all": {"files": 0, "rows_in": 0, "staged": 0, "rejected": 0, "duplicate": 0},
            "reasons": [(hostile, 1)],
            "unlocated": [{"category": hostile, "events": 1, "unlocated": 0, "share": 0.0}],
        },
        pai=None,
        sources=[hostile],
    )


def test_every_text_field_is_escaped():
    page = briefing.render_briefing_html(
        _hostile_data(),
        stamp=Stamp("<i>run</i>", "<b>OFFICIAL</b>", "<script>label</script>", datetime(2025, 7, 8, 7, 0)),
        map_png=None,
        map_html_name='"><script>x</script>',
    )
    assert "<script" not in page
    assert "&lt;script&gt;alert(" in page
    assert "&lt;b&gt;OFFICIAL&lt;/b&gt;" in page
    assert page.count("&lt;b&gt;OFFICIAL&lt;/b&gt;") >= 2  # the marking is shown top and bottom


def test_a_change_not_available_is_not_coloured_as_a_fall():
    """An "n/a" change (no data before) is neither a rise (red) nor a fall (green)."""
    data = _hostile_data()
    page = briefing.render_briefing_html(data, stamp=Stamp("r"), map_png=None, map_html_name="m.html")
    assert '<span class="same">n/a</span>' in page
    assert '<span class="down">n/a</span>' not in page


@pytest.mark.slow
@pytest.mark.browser
def test_the_demo_pack_is_written_self_contained_and_agrees_with_the_warehouse(demo_run):

    pack = demo_run["briefing"]
    assert pack["meeting"] == "2026-01-06" and pack["period"] == "2025-01_to_2025-12"
    files = {Path(o["path"]).name: Path(o["path"]) for o in pack["outputs"]}
    assert set(files) == {
        "briefing_2026-01-06.html",
        "briefing_2026-01-06.pdf",
        "briefing_2026-01-06.png",
        "briefing_2026-01-06_map.html",
        "briefing_2026-01-06_map.png",
    }
    assert files["briefing_2026-01-06.pdf"].read_bytes().startswith(b"%PDF")
    for name in ("briefing_2026-01-06.png", "briefing_2026-01-06_map.png"):
        assert files[name].read_bytes().startswith(b"\x89PNG")
    page = files["briefing_2026-01-06.html"].read_text(encoding="utf-8")
    # Self-contained: no script, stylesheet or image is fetched from anywhere.
    assert "<script" not in page and 'src="http' not in page and "<link" not in page
    assert page.count("OFFICIAL-SENSITIVE") >= 3  # title, top and bottom
    for heading in (
        "Headline",
        "Top hotspots",
        "peak days and hours",
        "Hotspot map",
        "Busiest wards",
        "Enforcement outcomes",
        "Community intelligence received",
        "Data quality",
        "How the map's hotspots were chosen, and how well they predict",
    ):
        assert heading in page, heading
    with warehouse.connect(demo_run["db"], read_only=True) as con:
        top = con.execute(
            "SELECT name, incidents FROM marts.hotspot_areas"
            " WHERE period = '2025-01_to_2025-12' AND area_id = 1"
        ).fetchone()
        # Outcomes in the period, counted straight from staging, not from the mart the pack reads.
        warnings = con.execute(
            "SELECT count(*) FROM staging.stg_enforcement_outcomes WHERE outcome_type = 'S59-WARN'"
            " AND outcome_at >= DATE '2025-01-01' AND outcome_at < DATE '2026-01-01'"
        ).fetchone()[0]
        shareable = con.execute(
            "SELECT count(*) FROM staging.stg_intelligence_reports WHERE handling_code = 'P'"
            " AND received_at >= DATE '2025-01-01' AND received_at < DATE '2026-01-01'"
        ).fetchone()[0]
    assert f"<b>1. {top[0]}</b>" in page and f"{top[1]} incidents;" in page
    # The map's method and its tested accuracy, month by month, as the warehouse holds them.
    with warehouse.connect(demo_run["db"], read_only=True) as con:
        accuracy = hotspots.map_accuracy(con, Period("2025-01", "2025-12"))
    assert accuracy is not None and f"<b>{accuracy['label']}</b>" in page
    assert f"Predictive Accuracy Index of\n  <b>{accuracy['nested_pai']:.1f}</b>" in page
    assert f"against {accuracy['naive_pai']:.1f} for the naive baseline" in page
    assert page.count("<td>2025-") >= 6  # one row per month tested
    assert f'<td class="n">{warnings}</td></tr>' in page
    assert f"{shareable} in the period" in page


def test_a_pack_renders_when_the_naive_baseline_could_not_be_scored():
    from dataclasses import replace

    accuracy = {
        "method": "kde",
        "label": "kernel density",
        "forecast_month": "2024-06",
        "coverage": 0.05,
        "backtest_from": "2024-04",
        "backtest_to": "2024-05",
        "months": 2,
        "window": 6,
        "nested_pai": 3.2,
        "nested_hit_rate": None,
        "naive_pai": None,
        "naive_hit_rate": None,
        "by_month": [{"month": "2024-05", "method": "kde", "incidents": 0, "pai": None, "naive_pai": None}],
    }
    page = briefing.render_briefing_html(
        replace(_hostile_data(), pai=accuracy),
        stamp=Stamp("run1", "OFFICIAL", None, datetime(2024, 6, 4, 7, 0)),
        map_png=None,
        map_html_name="map.html",
    )
    assert "<b>3.2</b>, against n/a for the naive baseline" in page
    assert "an unknown share of the incidents" in page
