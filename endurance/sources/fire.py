"""Cleveland Fire Brigade incidents (CSV): the fires that go with off-road bikes.

Each row is one fire the brigade attended: an incident number, when the call came in
(ISO 8601 or UK ``dd/mm/yyyy HH:MM``, Europe/London wall-clock time), what burned
(``INCIDENT_TYPES``), the national fire category (``FIRE_CATEGORIES``), the recorded
cause (``CAUSES``), British National Grid easting/northing and/or latitude/longitude,
an address or location description, and the attending station. Code-list cells are
read as the code or its label, in any case (``Secondary fire``, ``SECONDARY``).

Secondary fires are the small outdoor ones (grass, heath and moorland, refuse,
derelict vehicles) that involve no building, casualty or more than a few appliances;
primary fires are those that do. Deliberate secondary fires on moorland and waste
ground, Eston Hills above all, are set where off-road bikes ride, so every staged row
says whether it is one (``is_deliberate_secondary``: category ``SECONDARY`` and cause
``DELIBERATE``); the events view counts those as ``deliberate_fire`` and the rest as
``other_fire``.

The address may be a home address, so it goes to ``staging.stg_fire_restricted`` only.
A row with an address but no coordinates is staged unlocated; a row with neither is
rejected (``missing_location``).
"""

from __future__ import annotations

import pandas as pd

from endurance.sources._codes import codes_from_text
from endurance.sources._common import (
    DATE_FORMATS,
    Context,
    Staged,
    code_rejects,
    coordinate_rejects,
    date_rejects,
    locate,
    parse_timestamps,
    rejects_where,
    to_float,
)

NAME = "fire"
RAW_TABLE = "raw.fire_incidents"
STAGING_TABLE = "staging.stg_fire_incidents"
RESTRICTED_TABLE = "staging.stg_fire_restricted"

COLUMNS = {
    "Incident Number": "incident_number",
    "Call Date Time": "call_datetime",
    "Incident Type": "incident_type",
    "Fire Category": "fire_category",
    "Cause": "cause",
    "Easting": "easting",
    "Northing": "northing",
    "Latitude": "latitude",
    "Longitude": "longitude",
    "Address": "address",
    "Station": "station",
}
HEADER = list(COLUMNS)

INCIDENT_TYPES = {
    "GRASS": "Grass, heath or moorland fire",
    "REFUSE": "Refuse fire",
    "DERELICT-VEHICLE": "Derelict vehicle fire",
    "OTHER": "Other fire",
}

FIRE_CATEGORIES = {
    "PRIMARY": "Primary fire",
    "SECONDARY": "Secondary fire",
    "CHIMNEY": "Chimney fire",
}

CAUSES = {
    "DELIBERATE": "Deliberate",
    "ACCIDENTAL": "Accidental",
    "NOT-KNOWN": "Not known",
}


def stage(frame: pd.DataFrame, ctx: Context) -> Staged:
    """Type, validate and locate fire incidents; flag deliberate secondary fires."""
    rows = frame["row_number"]
    number = frame["incident_number"].fillna("").str.strip()
    called = parse_timestamps(frame["call_datetime"])
    incident_type = codes_from_text(frame["incident_type"], INCIDENT_TYPES)
    category = codes_from_text(frame["fire_category"], FIRE_CATEGORIES)
    cause = codes_from_text(frame["cause"], CAUSES)
    easting, bad_e = to_float(frame["easting"])
    northing, bad_n = to_float(frame["northing"])
    lat, bad_lat = to_float(frame["latitude"])
    lon, bad_lon = to_float(frame["longitude"])
    located = locate(ctx.area, lat=lat, lon=lon, easting=easting, northing=northing)
    address = frame["address"].fillna("").str.strip()
    station = frame["station"].fillna("").str.strip()

    not_number = bad_e | bad_n | bad_lat | bad_lon
    rejects = rejects_where(
        number == "", rows, "Incident Number", "missing_field", "incident number is empty"
    )
    rejects += date_rejects(
        frame["call_datetime"], called, rows, "Call Date Time", ctx.now, expected=DATE_FORMATS
    )
    for values, field, codes in (
        (incident_type, "Incident Type", INCIDENT_TYPES),
        (category, "Fire Category", FIRE_CATEGORIES),
        (cause, "Cause", CAUSES),
    ):
        rejects += rejects_where(values == "", rows, field, "missing_field", field + " is empty")
        rejects += code_rejects(values, codes, rows, field, "unknown_code")
    coordinates = {
        "Easting": "easting",
        "Northing": "northing",
        "Latitude": "latitude",
        "Longitude": "longitude",
    }
    rejects += coordinate_rejects(frame, coordinates, not_number, located, rows)
    rejects += rejects_where(
        located.missing & ~not_number & (address == ""),
        rows,
        "Address",
        "missing_location",
        "no coordinates and no address",
    )

    event_id = "FIRE:" + number
    staged = pd.DataFrame(
        {
            "event_id": event_id,
            "incident_number": number,
            "file_sha256": frame["file_sha256"],
            "row_number": rows,
            "called_at": called,
            "incident_type": incident_type,
            "fire_category": category,
            "cause": cause,
            "station": station.replace("", None),
            "lon": located.lon,
            "lat": located.lat,
            "x": located.x,
            "y": located.y,
            "coordinate_repair": located.repair,
            "is_deliberate_secondary": ((category == "SECONDARY") & (cause == "DELIBERATE")).to_numpy(),
        }
    )
    restricted = pd.DataFrame({"event_id": event_id, "address": address.replace("", None)})
    return Staged(staged, restricted, rejects)
