"""Enforcement outcomes: staging, privacy of VRM and person, and the s.59 repeat rule."""

from datetime import datetime
from itertools import permutations

import pandas as pd
import pytest

from endurance import sources
from endurance.sources import outcomes
from tests._sources import check_load, write_rows

NOW = datetime(2026, 1, 1)
NAB_E, NAB_N = "456700", "518200"
NAB_LAT, NAB_LON = "54.5571722", "-1.1224139"


def outcome(
    ref,
    when="2025-01-10T19:30:00",
    outcome_type="S59-WARN",
    agency="Police",
    incident="",
    vrm="",
    person="",
    e="",
    n="",
    lat="",
    lon="",
):
    return [ref, when, outcome_type, agency, incident, vrm, person, e, n, lat, lon]


def load(tmp_path, con, rows, name="outcomes.csv"):
    folder = tmp_path / name.removesuffix(".csv")
    folder.mkdir()
    write_rows(folder / name, outcomes.HEADER, rows)
    (result,) = sources.ingest_folder(con, folder, now=NOW)
    return result


STAGING_ROWS = [
    outcome("O1", incident="CLE-1", vrm="ab12 cde", person="p-001", e=NAB_E, n=NAB_N),
    outcome("O2", "2025-11-02", "Vehicle seized under section 59", vrm="AB12CDE"),  # unlocated
    outcome("O3", "03/03/2025", "TENANCY-ABC", "Housing provider", person="P-001"),  # unlocated
    outcome("O4", "14/06/2025 21:10", "arrest", lat=NAB_LAT, lon=NAB_LON),
    outcome("O5", "2025-07-01", "CHARGE", lat=NAB_LON, lon=NAB_LAT),  # swapped: repaired
    outcome("BAD-DATE", "31/02/2025"),
    outcome("FUTURE", "2031-01-01"),
    outcome("TYPE", outcome_type="CAUTION"),
    outcome("AGENCY", agency="Fire brigade"),
    outcome("LEEDS", e="430000", n="433000"),
    outcome("NUMBER", e="45x000", n=NAB_N),
    outcome(""),
    outcome("NO-TYPE", outcome_type=""),
    outcome("O1", incident="CLE-1", vrm="ab12 cde", person="p-001", e=NAB_E, n=NAB_N),  # twice
]


def test_outcome_files_are_recognised_and_no_header_contains_another():
    for a, b in permutations(sources.SOURCES, 2):
        assert not set(a.COLUMNS) <= set(b.COLUMNS), (a.NAME, b.NAME)


def test_every_outcome_row_is_staged_rejected_or_duplicate(tmp_path, geo_con):
    got = load(tmp_path, geo_con, STAGING_ROWS)
    reasons = {
        "bad_date": 1,
        "future_date": 1,
        "unknown_code": 2,
        "outside_area": 1,
        "bad_coordinate": 1,
        "missing_field": 2,
    }
    rejects = [
        (6, "Outcome Date", "bad_date"),
        (7, "Outcome Date", "future_date"),
        (8, "Outcome Type", "unknown_code"),
        (9, "Agency", "unknown_code"),
        (10, "Easting", "outside_area"),
        (11, "Easting", "bad_coordinate"),
        (12, "Outcome Ref", "missing_field"),
        (13, "Outcome Type", "missing_field"),
    ]
    check_load(geo_con, got, counts=(14, 5, 8, 1), unlocated=2, repaired=1, reasons=reasons, rejects=rejects)
    staged = geo_con.execute(
        "SELECT outcome_ref, outcome_type, outcome_kind, agency, strftime(outcome_at, '%Y-%m-%d %H:%M'),"
        " time_known, linked_event_id, x IS NULL, coordinate_repair"
        " FROM staging.stg_enforcement_outcomes ORDER BY outcome_ref"
    ).fetchall()
    assert staged == [
        ("O1", "S59-WARN", "s59_warning", "POLICE", "2025-01-10 19:30", True, "INC:CLE-1", False, None),
        ("O2", "S59-SEIZE", "s59_seizure", "POLICE", "2025-11-02 00:00", False, None, True, None),
        ("O3", "TENANCY-ABC", "tenancy_action", "HOUSING", "2025-03-03 00:00", False, None, True, None),
        ("O4", "ARREST", "arrest", "POLICE", "2025-06-14 21:10", True, None, False, None),
        ("O5", "CHARGE", "charge", "POLICE", "2025-07-01 00:00", False, None, False, "latlon_swapped"),
    ]


def test_vrm_and_person_reach_only_the_restricted_table(tmp_path, geo_con):
    load(tmp_path, geo_con, STAGING_ROWS)
    outcomes.flag_repeat_s59(geo_con)
    restricted = geo_con.execute(
        "SELECT event_id, vrm, person_ref FROM staging.stg_enforcement_restricted ORDER BY 1"
    ).fetchall()
    assert restricted[:2] == [("OUT:O1", "AB12CDE", "P-001"), ("OUT:O2", "AB12CDE", None)]
    secrets = ["ab12 cde", "AB12CDE", "p-001", "P-001"]
    for table in ("staging.stg_enforcement_outcomes", "staging.s59_repeats", "staging.events"):
        columns = {r[0] for r in geo_con.execute(f"DESCRIBE {table}").fetchall()}
        assert not columns & {"vrm", "person_ref"}, table
        assert not geo_con.execute(f"SELECT * FROM {table}").df().isin(secrets).any().any(), table


def test_outcomes_join_the_events_view_by_kind(tmp_path, geo_con):
    load(tmp_path, geo_con, STAGING_ROWS)
    got = geo_con.execute(
        "SELECT category, count(*), count(x) FROM staging.events WHERE source = 'outcomes'"
        " GROUP BY 1 ORDER BY 1"
    ).fetchall()
    assert got == [
        ("arrest", 1, 1),
        ("charge", 1, 1),
        ("s59_seizure", 1, 0),
        ("s59_warning", 1, 1),
        ("tenancy_action", 1, 0),
    ]
    columns = [r[0] for r in geo_con.execute("DESCRIBE staging.events").fetchall()]
    assert columns == [
        "event_id",
        "source",
        "category",
        "occurred_at",
        "month",
        "x",
        "y",
        "lon",
        "lat",
        "shareable",
    ]


# The repeat rule, worked by hand (12-month window unless a test says otherwise):
#   A1 warned Jan 2025, A2 seized Nov 2025, same VRM (typed with a space), other rider: repeat.
#   B1 warned Jan 2024, B2 warned again Mar 2025 (14 months later): not a repeat.
#   C1 warned Feb, C2 seized Jun: same person on another bike: repeat (1 earlier).
#   C3 warned Jul on C2's bike: C1 by person and C2 by both, counted once each: 2 earlier.
#   E1 warned 15 Jun 2024, E2 seized 14 Jun 2025: the window's last day: repeat.
#   F1 warned 15 Jun 2024, F2 seized 15 Jun 2025: one day past the window: not a repeat.
#   G1 an arrest on A's bike: not an s.59 event, so neither flagged nor counted.
#   H1, H2 warnings with no VRM and no person: never linked.
#   I1 a seizure and I2 a warning recorded on the same day for one bike: the warning
#   comes first, so the seizure is the repeat.
REPEAT_ROWS = [
    outcome("A1", "2025-01-15T20:00", vrm="AA11 AAA", person="P1"),
    outcome("A2", "2025-11-20T19:00", "S59-SEIZE", vrm="aa11aaa", person="P2"),
    outcome("B1", "2024-01-10T18:00", vrm="BB22BBB", person="P3"),
    outcome("B2", "2025-03-05T18:00", vrm="BB22BBB", person="P3"),
    outcome("C1", "2025-02-01T17:00", vrm="CC33CCC", person="P4"),
    outcome("C2", "2025-06-01T17:00", "S59-SEIZE", vrm="DD44DDD", person="P4"),
    outcome("C3", "2025-07-01T17:00", vrm="DD44DDD", person="p4"),
    outcome("E1", "2024-06-15", vrm="EE55EEE"),
    outcome("E2", "2025-06-14", "S59-SEIZE", vrm="EE55EEE"),
    outcome("F1", "2024-06-15", vrm="FF66FFF"),
    outcome("F2", "2025-06-15", "S59-SEIZE", vrm="FF66FFF"),
    outcome("G1", "2025-05-01T12:00", "ARREST", vrm="AA11AAA", person="P1"),
    outcome("H1", "2025-03-01T12:00"),
    outcome("H2", "2025-04-01T12:00"),
    outcome("I1", "2025-08-01", "S59-SEIZE", vrm="II77III"),
    outcome("I2", "2025-08-01", "S59-WARN", vrm="II77III"),
]


def repeats(con):
    rows = con.execute(
        "SELECT outcome_ref, prior_s59_events FROM staging.s59_repeats"
        " JOIN staging.stg_enforcement_outcomes USING (event_id) WHERE is_repeat_s59"
    ).fetchall()
    return dict(rows)


def test_repeat_s59_events_follow_the_hand_worked_case(tmp_path, geo_con):
    load(tmp_path, geo_con, REPEAT_ROWS)
    assert outcomes.flag_repeat_s59(geo_con) == 5
    assert repeats(geo_con) == {"A2": 1, "C2": 1, "C3": 2, "E2": 1, "I1": 1}
    table = geo_con.execute(
        "SELECT count(*), count(*) FILTER (WHERE NOT is_repeat_s59 AND prior_s59_events = 0),"
        " min(window_months), max(window_months) FROM staging.s59_repeats"
    ).fetchone()
    assert table == (15, 10, 12, 12)  # every s.59 event, the arrest left out


@pytest.mark.parametrize(
    ("months", "expected"),
    [
        (6, {"C2": 1, "C3": 2, "I1": 1}),  # A2 ten months on: outside
        (12, {"A2": 1, "C2": 1, "C3": 2, "E2": 1, "I1": 1}),
        (18, {"A2": 1, "B2": 1, "C2": 1, "C3": 2, "E2": 1, "F2": 1, "I1": 1}),
    ],
)
def test_the_repeat_window_is_configurable_and_rebuilds(tmp_path, geo_con, months, expected):
    load(tmp_path, geo_con, REPEAT_ROWS)
    outcomes.flag_repeat_s59(geo_con)  # the default first: a rebuild must replace it
    assert outcomes.flag_repeat_s59(geo_con, window_months=months) == len(expected)
    assert repeats(geo_con) == expected
    assert geo_con.execute("SELECT DISTINCT window_months FROM staging.s59_repeats").fetchall() == [(months,)]


def test_a_later_load_is_counted_after_a_rebuild(tmp_path, geo_con):
    load(tmp_path, geo_con, REPEAT_ROWS[:1])
    assert outcomes.flag_repeat_s59(geo_con) == 0
    load(tmp_path, geo_con, REPEAT_ROWS[1:2], name="later.csv")
    assert outcomes.flag_repeat_s59(geo_con) == 1


@pytest.mark.parametrize("months", [0, -1, 1.5, True, "12"])
def test_the_repeat_window_must_be_whole_months(geo_con, months):
    with pytest.raises(ValueError, match="window_months"):
        outcomes.flag_repeat_s59(geo_con, window_months=months)


def test_vrms_are_normalised():
    got = outcomes.normalise_vrm(pd.Series(["ab12 cde", " AB12-CDE ", "", None]))
    assert got.tolist()[:2] == ["AB12CDE", "AB12CDE"] and got[2:].isna().all()


@pytest.mark.slow
def test_demo_outcomes_follow_logged_incidents_and_hold_repeats(tmp_path, geo_con, geodata_dir):
    from endurance.demo import generate_demo_inputs

    inputs = generate_demo_inputs(tmp_path / "demo", geodata_dir)
    folder = tmp_path / "log-and-outcomes"
    folder.mkdir()
    for path in inputs.files:
        if path.parent.name in ("incident_log", "outcomes", "fire"):
            (folder / path.name).write_bytes(path.read_bytes())
    loads = {load.source: load for load in sources.ingest_folder(geo_con, folder, now=NOW)}
    assert all(load.reconciles for load in loads.values())
    assert set(loads["outcomes"].rejects_by_reason) == {
        "bad_date",
        "future_date",
        "unknown_code",
        "outside_area",
        "bad_coordinate",
        "missing_field",
    }
    assert set(loads["fire"].rejects_by_reason) >= {"unknown_code", "missing_location", "outside_area"}
    linked, orphans = geo_con.execute(
        "SELECT count(*), count(*) FILTER (WHERE i.event_id IS NULL)"
        " FROM staging.stg_enforcement_outcomes AS o"
        " LEFT JOIN staging.stg_incident_log_incidents AS i ON i.event_id = o.linked_event_id"
        " WHERE o.linked_event_id IS NOT NULL"
    ).fetchone()
    assert linked > 150 and orphans == 0
    assert 20 <= outcomes.flag_repeat_s59(geo_con) <= 80
    spring_summer, rest = geo_con.execute(
        "SELECT count(*) FILTER (WHERE month(called_at) BETWEEN 3 AND 8),"
        " count(*) FILTER (WHERE month(called_at) NOT BETWEEN 3 AND 8)"
        " FROM staging.stg_fire_incidents WHERE is_deliberate_secondary AND incident_type = 'GRASS'"
    ).fetchone()
    assert spring_summer > 2 * rest
    # Every planted VRM and person reference stayed out of the non-restricted tables.
    planted = set(inputs.planted)
    for table in ("staging.stg_enforcement_outcomes", "staging.s59_repeats", "staging.events"):
        assert not geo_con.execute(f"SELECT * FROM {table}").df().isin(planted).any().any(), table
