"""Fire and rescue service incidents (CSV): the fires that go with off-road bikes.

The services of the forces in use send them in one layout (Cleveland Fire Brigade;
County Durham and Darlington Fire and Rescue Service). Each row is one fire the brigade
attended: an incident number, when the call came in
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
    POINT_COLUMNS,
    Context,
    Staged,
    date_rejects,
    parse_timestamps,
    place,
    rejects_where,
    required_code_rejects,
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
    **POINT_COLUMNS,
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
    placed = place(frame, ctx.area, rows, POINT_COLUMNS)
    address = frame["address"].fillna("").str.strip()
    station = frame["station"].fillna("").str.strip()

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
        rejects += required_code_rejects(values, codes, rows, field)
    rejects += placed.rejects
    rejects += placed.unlocatable(address, rows, "Address", "no coordinates and no address")

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
            **placed.located.columns(),
            "is_deliberate_secondary": ((category == "SECONDARY") & (cause == "DELIBERATE")).to_numpy(),
        }
    )
    restricted = pd.DataFrame({"event_id": event_id, "address": address.replace("", None)})
    return Staged(staged, restricted, rejects)
