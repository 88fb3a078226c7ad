"""Cleveland Fire Brigade incidents: codes, deliberate secondary fires, nothing lost."""

from datetime import datetime

import pandas as pd
import pytest

from endurance import sources
from endurance.geography import attribution
from endurance.sources import _codes, fire
from tests._sources import check_load, write_rows

NOW = datetime(2026, 1, 1)
# Eston Nab (the Eston Hills hotspot), as in tests/test_sources.py.
NAB_E, NAB_N = "456700", "518200"
NAB_LAT, NAB_LON = "54.5571722", "-1.1224139"


def fire_row(
    number,
    called="2025-04-12T15:20:00",
    incident_type="Grass, heath or moorland fire",
    category="Secondary fire",
    cause="Deliberate",
    e=NAB_E,
    n=NAB_N,
    lat="",
    lon="",
    address="Eston Moor, off Flatts Lane",
    station="Grangetown",
):
    return [number, called, incident_type, category, cause, e, n, lat, lon, address, station]


ROWS = [
    fire_row("F1"),  # 1 deliberate secondary, labels
    fire_row("F2", "14/06/2025 21:10", "REFUSE", "SECONDARY", "DELIBERATE", "", "", NAB_LAT, NAB_LON),
    fire_row("F3", cause="Accidental"),  # 3 secondary but accidental
    fire_row("F4", incident_type="Other fire", category="Primary fire", address="12 Quarrington Way"),
    fire_row(
        "F5", incident_type="other", category="chimney", cause="not known", e="", n="", address="3 Fern Ct"
    ),
    fire_row("F6", e="", n="", lat=NAB_LON, lon=NAB_LAT),  # 6 lat/lon swapped: repaired
    fire_row("BAD-DATE", called="31/02/2025 18:00"),
    fire_row("FUTURE", called="2030-01-01T00:00:00"),
    fire_row("TYPE", incident_type="Bonfire"),
    fire_row("CATEGORY", category="Tertiary"),
    fire_row("CAUSE", cause="Suspicious"),
    fire_row("LEEDS", e="430000", n="433000"),
    fire_row("NUMBER", e="45x000"),
    fire_row("NOWHERE", e="", n="", address=""),
    fire_row(""),
    fire_row("F1"),  # 16 exported twice
    fire_row("NO-CAUSE", cause=""),
]


@pytest.fixture
def loaded(tmp_path, geo_con):
    path = write_rows(tmp_path / "fires.csv", fire.HEADER, ROWS)
    (load,) = sources.ingest_folder(geo_con, tmp_path, now=NOW)
    return geo_con, load, path


def test_fire_files_are_recognised_by_their_header(tmp_path):
    path = write_rows(tmp_path / "fires.csv", fire.HEADER, [fire_row("F1")])
    assert sources.detect_source(path) is fire


def test_every_fire_row_is_staged_rejected_or_duplicate_with_reasons(loaded):
    con, load, _ = loaded
    reasons = {
        "bad_date": 1,
        "future_date": 1,
        "unknown_code": 3,
        "outside_area": 1,
        "bad_coordinate": 1,
        "missing_location": 1,
        "missing_field": 2,
    }
    rejects = [
        (7, "Call Date Time", "bad_date"),
        (8, "Call Date Time", "future_date"),
        (9, "Incident Type", "unknown_code"),
        (10, "Fire Category", "unknown_code"),
        (11, "Cause", "unknown_code"),
        (12, "Easting", "outside_area"),
        (13, "Easting", "bad_coordinate"),
        (14, "Address", "missing_location"),
        (15, "Incident Number", "missing_field"),
        (17, "Cause", "missing_field"),
    ]
    check_load(con, load, counts=(17, 6, 10, 1), unlocated=1, repaired=1, reasons=reasons, rejects=rejects)
    assert con.execute("SELECT count(*) FROM raw.fire_incidents").fetchone()[0] == 17


def test_codes_are_read_in_any_dress_and_deliberate_secondary_is_flagged(loaded):
    con, _, _ = loaded
    got = con.execute(
        "SELECT incident_number, incident_type, fire_category, cause, is_deliberate_secondary,"
        " coordinate_repair, x IS NULL, strftime(called_at, '%Y-%m-%d %H:%M')"
        " FROM staging.stg_fire_incidents ORDER BY incident_number"
    ).fetchall()
    assert got == [
        ("F1", "GRASS", "SECONDARY", "DELIBERATE", True, None, False, "2025-04-12 15:20"),
        ("F2", "REFUSE", "SECONDARY", "DELIBERATE", True, None, False, "2025-06-14 21:10"),
        ("F3", "GRASS", "SECONDARY", "ACCIDENTAL", False, None, False, "2025-04-12 15:20"),
        ("F4", "OTHER", "PRIMARY", "DELIBERATE", False, None, False, "2025-04-12 15:20"),
        ("F5", "OTHER", "CHIMNEY", "NOT-KNOWN", False, None, True, "2025-04-12 15:20"),
        ("F6", "GRASS", "SECONDARY", "DELIBERATE", True, "latlon_swapped", False, "2025-04-12 15:20"),
    ]


def test_addresses_stay_in_the_restricted_table(loaded):
    con, _, _ = loaded
    columns = {r[0] for r in con.execute("DESCRIBE staging.stg_fire_incidents").fetchall()}
    assert "address" not in columns
    public = con.execute("SELECT * FROM staging.stg_fire_incidents").df()
    assert not public.isin(["12 Quarrington Way", "3 Fern Ct"]).any().any()
    events = con.execute("SELECT * FROM staging.events").df()
    assert not events.isin(["12 Quarrington Way", "3 Fern Ct"]).any().any()
    restricted = dict(con.execute("SELECT event_id, address FROM staging.stg_fire_restricted").fetchall())
    assert restricted["FIRE:F4"] == "12 Quarrington Way" and len(restricted) == 6


def test_fires_join_the_events_view_and_the_eston_hills_hotspot(loaded):
    con, _, _ = loaded
    got = con.execute(
        "SELECT category, count(*) FROM staging.events WHERE source = 'fire' GROUP BY 1 ORDER BY 1"
    ).fetchall()
    assert got == [("deliberate_fire", 3), ("other_fire", 3)]
    month = con.execute("SELECT month FROM staging.events WHERE event_id = 'FIRE:F2'").fetchone()[0]
    assert str(month) == "2025-06-01"
    attribution.attribute_events(con)
    on_the_hills = con.execute(
        "SELECT count(*) FROM staging.event_hotspots JOIN staging.events USING (event_id)"
        " WHERE hotspot_id = 'eston-hills' AND category = 'deliberate_fire'"
    ).fetchone()[0]
    assert on_the_hills == 3


@pytest.mark.parametrize(
    ("text", "code"),
    [
        ("Secondary fire", "SECONDARY"),
        ("SECONDARY", "SECONDARY"),
        ("secondary_fire", "SECONDARY"),
        ("  secondary  ", "SECONDARY"),
        ("Not known", "NOT-KNOWN"),
        ("NOT_KNOWN", "NOT-KNOWN"),
        ("derelict vehicle", "DERELICT-VEHICLE"),
        ("Tertiary", "Tertiary"),  # unknown: kept as typed, for the reject message
    ],
)
def test_code_cells_are_read_as_code_or_label(text, code):
    codes = fire.INCIDENT_TYPES | fire.FIRE_CATEGORIES | fire.CAUSES
    assert _codes.codes_from_text(pd.Series([text]), codes).iloc[0] == code
