"""Cross-source de-duplication on hand-placed events."""

import pandas as pd
import pytest

from endurance import linking
from tests._staging import incident, report, stage_rows


def asb(key, x, y, month="2025-06-01"):
    return {
        "event_id": f"PUK:{key}",
        "file_sha256": "t",
        "row_number": 1,
        "month": pd.Timestamp(month).date(),
        "x": x,
        "y": y,
        "crime_type": "Anti-social behaviour",
    }


@pytest.fixture
def linked(geo_con):
    # Around the Eston Hills (E 456,800, N 518,300).
    stage_rows(
        geo_con,
        "staging.stg_incident_log_incidents",
        [
            incident("A", 456_800, 518_300, "2025-06-14 19:30"),
            incident("A2", 456_850, 518_320, "2025-06-14 19:45"),  # a second 101 call, 54 m, 15 min
            incident("B", 460_000, 519_000, "2025-06-20 20:00"),
        ],
    )
    stage_rows(
        geo_con,
        "staging.stg_intelligence_reports",
        [
            report("R1", 456_900, 518_350, "2025-06-14 20:30"),  # 112 m, 1 h after A
            report("R2", 456_800, 518_300, "2025-06-15 20:30"),  # same place, next day: not linked
            report("R3", 460_400, 519_000, "2025-06-20 20:10"),  # 400 m from B: not linked
        ],
    )
    stage_rows(
        geo_con,
        "staging.stg_policeuk_street_typed",
        [
            asb("p1", 460_050, 519_000),
            asb("p2", 460_100, 519_000),  # B's nearest is p1 only
            asb("p3", 456_800, 518_300, month="2025-07-01"),  # other month
        ],
    )
    return geo_con, linking.link_events(geo_con)


def test_pairs_follow_the_rules(linked):
    con, summary = linked
    pairs = con.execute(
        "SELECT rule, event_a, event_b, round(distance_m), round(hours_apart, 2)"
        " FROM staging.event_links ORDER BY 1, 2, 3"
    ).fetchall()
    assert pairs == [
        ("call_and_policeuk_asb", "INC:B", "PUK:p1", 50.0, None),
        ("call_and_report", "INC:A", "INT:R1", 112.0, 1.0),
        ("call_and_report", "INC:A2", "INT:R1", 58.0, 0.75),  # sqrt(50² + 30²)
        ("repeat_call", "INC:A", "INC:A2", 54.0, 0.25),
    ]
    assert summary.links_by_rule == {"repeat_call": 1, "call_and_report": 2, "call_and_policeuk_asb": 1}


def test_linked_events_make_one_incident_named_by_the_first_call(linked):
    con, summary = linked
    groups = dict(con.execute("SELECT event_id, group_id FROM staging.event_groups").fetchall())
    assert groups["INC:A2"] == groups["INT:R1"] == groups["INC:A"] == "INC:A"
    assert groups["PUK:p1"] == "INC:B"
    assert groups["INT:R2"] == "INT:R2" and groups["INT:R3"] == "INT:R3"
    # Counted: 3 incidents + 3 reports = 6 events, making 4 incidents (A, B, R2, R3).
    assert (summary.counted_events, summary.linked_incidents) == (6, 4)


def test_rules_are_configurable(geo_con):
    stage_rows(
        geo_con, "staging.stg_incident_log_incidents", [incident("A", 456_800, 518_300, "2025-06-14 19:30")]
    )
    stage_rows(
        geo_con, "staging.stg_intelligence_reports", [report("R", 457_200, 518_300, "2025-06-14 19:40")]
    )
    wide = (
        linking.LinkRule(
            "wide",
            "incident_log",
            ("off_road_bike",),
            "intelligence",
            ("community_intelligence",),
            distance_m=500,
            hours=1,
        ),
    )
    assert linking.link_events(geo_con).links_by_rule["call_and_report"] == 0
    assert linking.link_events(geo_con, rules=wide).links_by_rule == {"wide": 1}
    with pytest.raises(ValueError, match="positive"):
        linking.LinkRule("bad", "a", ("x",), "b", ("y",), distance_m=0, hours=1)


def test_links_cover_every_force_loaded_and_cross_the_border(geo_con, two_forces_con):
    """Two calls 50 m and 10 minutes apart are one incident, in Durham city as across the border."""
    import shapely
    from shapely.ops import nearest_points

    def area(code):
        (wkb,) = two_forces_con.execute(
            "SELECT ST_AsWKB(geom_27700) FROM geo.force_areas WHERE pfa_code = ?", [code]
        ).fetchone()
        return shapely.from_wkb(bytes(wkb))

    # A point of the Cleveland-Durham boundary near Eaglescliffe, and one 30 m inside each force.
    cleveland, durham = area("E23000013"), area("E23000008")
    edge = nearest_points(cleveland.boundary.intersection(durham.buffer(1)), shapely.Point(441_500, 514_800))[
        0
    ]
    near = edge.buffer(300)
    cleveland_side = nearest_points(cleveland.intersection(near).buffer(-30), edge)[0]
    durham_side = nearest_points(durham.intersection(near).buffer(-30), edge)[0]
    assert 60 <= cleveland_side.distance(durham_side) <= 150
    rows = [
        incident("DUR1", 427_300, 542_300, "2025-06-14 19:30"),  # Durham city, 20 km beyond Cleveland
        incident("DUR2", 427_340, 542_330, "2025-06-14 19:40"),
        incident("EDGE-C", cleveland_side.x, cleveland_side.y, "2025-06-15 20:00"),
        incident("EDGE-D", durham_side.x, durham_side.y, "2025-06-15 20:05"),
    ]
    for con in (geo_con, two_forces_con):
        stage_rows(con, "staging.stg_incident_log_incidents", rows)

    cleveland_only = linking.link_events(geo_con)
    both = linking.link_events(two_forces_con)

    def pairs(con):
        found = con.execute("SELECT event_a, event_b FROM staging.event_links WHERE rule = 'repeat_call'")
        return {frozenset(pair) for pair in found.fetchall()}

    assert pairs(geo_con) == {
        frozenset({"INC:EDGE-C", "INC:EDGE-D"})
    }  # Durham city is beyond Cleveland's reach
    assert cleveland_only.linked_incidents == 3
    assert pairs(two_forces_con) == {
        frozenset({"INC:DUR1", "INC:DUR2"}),
        frozenset({"INC:EDGE-C", "INC:EDGE-D"}),  # one bike seen on both sides: one incident
    }
    assert both.counted_events == 4 and both.linked_incidents == 2
