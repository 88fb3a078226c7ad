"""Command-and-control incident logs (CSV): the operation's own incident reports.

Each row is one call: an incident reference, when it was created (ISO 8601 or UK
``dd/mm/yyyy HH:MM``, Europe/London wall-clock time), opening and closing codes,
location text, British National Grid easting/northing and/or latitude/longitude, and
a free-text narrative. The narrative and the location text may name people and
addresses, so they go to ``staging.stg_incident_log_restricted`` only.

Off-road-bike incidents are recognised by rules an analyst can audit: the closing code
records a section 59 warning or seizure, or the narrative mentions an off-road bike by
one of its usual names. The rule that matched is stored with the row.
"""

from __future__ import annotations

import re

import numpy as np
import pandas as pd

from endurance.sources._common import (
    DATE_FORMATS,
    POINT_COLUMNS,
    Context,
    Staged,
    code_rejects,
    date_rejects,
    parse_timestamps,
    place,
    rejects_where,
)

NAME = "incident_log"
RAW_TABLE = "raw.incident_log"
STAGING_TABLE = "staging.stg_incident_log_incidents"
RESTRICTED_TABLE = "staging.stg_incident_log_restricted"

COLUMNS = {
    "Incident Ref": "incident_ref",
    "Created": "created",
    "Opening Code": "opening_code",
    "Closing Code": "closing_code",
    "Location": "location_text",
    **POINT_COLUMNS,
    "Narrative": "narrative",
}
HEADER = list(COLUMNS)

OPENING_CODES = {
    "ASB-VEH": "ASB - vehicle nuisance / inappropriate vehicle use",
    "ASB-NUI": "ASB - nuisance",
    "ASB-ENV": "ASB - environmental",
    "ASB-PER": "ASB - personal",
    "SUS-VEH": "Suspicious vehicle",
    "FIRE-SEC": "Fire - secondary (grass, moorland, refuse)",
    "RTC": "Road traffic collision",
}

CLOSING_CODES = {
    "S59-WARN": "Section 59 warning issued",
    "S59-SEIZE": "Vehicle seized under section 59",
    "ARREST": "Arrest",
    "ADVICE": "Words of advice",
    "NO-TRACE": "Area searched, no trace",
    "INTEL": "Intelligence submitted",
    "NFA": "No further action",
}

#: Closing codes that by themselves mean an off-road bike was dealt with.
OFF_ROAD_CLOSING = ("S59-WARN", "S59-SEIZE")

#: Words in the narrative that mean an off-road bike, tried in this order.
OFF_ROAD_KEYWORDS = (
    ("off road", r"\boff[\s-]?road(?:er)?s?\b"),
    ("scrambler", r"\bscramblers?\b"),
    ("motocross", r"\bmoto[\s-]?cross\b"),
    ("quad", r"\bquad(?:\s?bike)?s?\b"),
    ("pit bike", r"\bpit[\s-]?bikes?\b"),
    ("trail bike", r"\btrail[\s-]?bikes?\b"),
    ("nuisance bike", r"\bnuisance\s+(?:motor)?bikes?\b"),
    ("dirt bike", r"\bdirt[\s-]?bikes?\b"),
    ("s59", r"\bs\.?\s?59\b|\bsection\s+59\b"),
)
_KEYWORD_RES = [(label, re.compile(pattern, re.IGNORECASE)) for label, pattern in OFF_ROAD_KEYWORDS]


def classify_off_road(closing_code: str, narrative: str) -> str | None:
    """Return the rule that marks this incident as off-road-bike, or None.

    >>> classify_off_road("NFA", "Two scramblers on the moor")
    'keyword:scrambler'
    >>> classify_off_road("S59-WARN", "")
    'closing_code:S59-WARN'
    """
    if closing_code in OFF_ROAD_CLOSING:
        return f"closing_code:{closing_code}"
    for label, pattern in _KEYWORD_RES:
        if pattern.search(narrative or ""):
            return f"keyword:{label}"
    return None


def stage(frame: pd.DataFrame, ctx: Context) -> Staged:
    """Type, validate, locate and classify incident-log rows."""
    rows = frame["row_number"]
    ref = frame["incident_ref"].fillna("").str.strip()
    created = parse_timestamps(frame["created"])
    opening = frame["opening_code"].fillna("").str.strip().str.upper()
    closing = frame["closing_code"].fillna("").str.strip().str.upper()
    placed = place(frame, ctx.area, rows, POINT_COLUMNS)
    location_text = frame["location_text"].fillna("").str.strip()

    rejects = rejects_where(ref == "", rows, "Incident Ref", "missing_field", "incident reference is empty")
    rejects += date_rejects(frame["created"], created, rows, "Created", ctx.now, expected=DATE_FORMATS)
    rejects += rejects_where(opening == "", rows, "Opening Code", "missing_field", "opening code is empty")
    rejects += code_rejects(opening, OPENING_CODES, rows, "Opening Code", "unknown_code")
    rejects += code_rejects(closing, CLOSING_CODES, rows, "Closing Code", "unknown_code")
    rejects += placed.rejects
    rejects += placed.unlocatable(location_text, rows, "Location", "no coordinates and no location text")

    narrative = frame["narrative"].fillna("")
    rule = [classify_off_road(c, t) for c, t in zip(closing, narrative, strict=True)]
    event_id = "INC:" + ref
    staged = pd.DataFrame(
        {
            "event_id": event_id,
            "incident_ref": ref,
            "file_sha256": frame["file_sha256"],
            "row_number": rows,
            "created_at": created,
            "opening_code": opening,
            "closing_code": closing.replace("", None),
            **placed.located.columns(),
            "is_off_road_bike": np.array([r is not None for r in rule]),
            "classification_rule": rule,
        }
    )
    restricted = pd.DataFrame(
        {
            "event_id": event_id,
            "location_text": location_text.replace("", None),
            "narrative": narrative.replace("", None),
        }
    )
    return Staged(staged, restricted, rejects)
