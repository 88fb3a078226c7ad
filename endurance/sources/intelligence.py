"""Community intelligence (CSV): resident and partner reports about riders and bikes.

Each report has a reference, when it was received, the channel it came through, its
3x5x2 grading (see ``endurance.grading``) and a location given as coordinates or as
free text. Free-text locations are resolved against the hotspot gazetteer and ward
names, and the row records how precise its location is:

- ``exact``: coordinates were given (and fell in the force area);
- ``gazetteer``: the text names a hotspot in ``geodata/hotspots.geojson``;
- ``ward``: the text names a ward;
- ``unresolved``: neither; the report still counts force-wide.

No point is ever made up for a gazetteer or ward match. Subject, narrative, vehicle
registration mark, phone number and location text go to
``staging.stg_intelligence_restricted`` only.
"""

from __future__ import annotations

import re

import numpy as np
import pandas as pd

from endurance.grading import CHANNELS, HANDLING_CODE, INTELLIGENCE_ASSESSMENT, SOURCE_EVALUATION
from endurance.sources._common import (
    DATE_FORMATS,
    LATLON_COLUMNS,
    Context,
    Staged,
    date_rejects,
    parse_timestamps,
    place,
    rejects_where,
    required_code_rejects,
)

NAME = "intelligence"
RAW_TABLE = "raw.intelligence"
STAGING_TABLE = "staging.stg_intelligence_reports"
RESTRICTED_TABLE = "staging.stg_intelligence_restricted"

COLUMNS = {
    "Intel Ref": "intel_ref",
    "Received": "received",
    "Channel": "channel",
    "Source Evaluation": "source_evaluation",
    "Intelligence Assessment": "intelligence_assessment",
    "Handling Code": "handling_code",
    **LATLON_COLUMNS,
    "Location": "location_text",
    "Subject": "subject",
    "Narrative": "narrative",
    "VRM": "vrm",
    "Phone": "phone",
}
HEADER = list(COLUMNS)

_CHANNEL_LOOKUP = {
    **{k.lower(): k for k in CHANNELS},
    **{v.lower(): k for k, v in CHANNELS.items()},
}


def resolve_place(text: str, places: dict[str, tuple[str, str]]) -> tuple[str, str | None]:
    """Match free text against place names, longest name first.

    Returns ``(precision, id)``: ``("gazetteer", hotspot_id)``, ``("ward", ward_name)`` or
    ``("unresolved", None)``.
    """
    lowered = f" {text.lower()} "
    for name in sorted(places, key=len, reverse=True):
        if re.search(rf"(?<![a-z]){re.escape(name)}(?![a-z])", lowered):
            kind, ident = places[name]
            return ("gazetteer" if kind == "hotspot" else "ward"), ident
    return "unresolved", None


def stage(frame: pd.DataFrame, ctx: Context) -> Staged:
    """Validate grading and channel, locate or resolve each report, keep text restricted."""
    rows = frame["row_number"]
    ref = frame["intel_ref"].fillna("").str.strip()
    received = parse_timestamps(frame["received"])
    channel = frame["channel"].fillna("").str.strip().str.lower().map(_CHANNEL_LOOKUP)
    evaluation = frame["source_evaluation"].fillna("").str.strip()
    assessment = frame["intelligence_assessment"].fillna("").str.strip().str.upper()
    handling = frame["handling_code"].fillna("").str.strip().str.upper()
    placed = place(frame, ctx.area, rows, LATLON_COLUMNS)
    located = placed.located
    location_text = frame["location_text"].fillna("").str.strip()

    rejects = rejects_where(ref == "", rows, "Intel Ref", "missing_field", "reference is empty")
    rejects += date_rejects(frame["received"], received, rows, "Received", ctx.now, expected=DATE_FORMATS)
    rejects += rejects_where(
        channel.isna(),
        rows,
        "Channel",
        "unknown_code",
        "Channel " + frame["channel"].map(repr) + " is not one of " + ", ".join(CHANNELS.values()),
    )
    for column, field, allowed in (
        (evaluation, "Source Evaluation", SOURCE_EVALUATION),
        (assessment, "Intelligence Assessment", INTELLIGENCE_ASSESSMENT),
        (handling, "Handling Code", HANDLING_CODE),
    ):
        rejects += required_code_rejects(
            column, allowed, rows, field, empty="bad_grading", unknown="bad_grading"
        )
    rejects += placed.rejects

    precision = np.where(np.isfinite(located.x), "exact", "unresolved").astype(object)
    hotspot_id = np.full(len(frame), None, dtype=object)
    ward_name = np.full(len(frame), None, dtype=object)
    for i in np.flatnonzero(located.missing).tolist():
        kind, ident = resolve_place(str(location_text.iat[i]), ctx.places)
        precision[i] = kind
        if kind == "gazetteer":
            hotspot_id[i] = ident
        elif kind == "ward":
            ward_name[i] = ident

    event_id = "INT:" + ref
    staged = pd.DataFrame(
        {
            "event_id": event_id,
            "intel_ref": ref,
            "file_sha256": frame["file_sha256"],
            "row_number": rows,
            "received_at": received,
            "channel": channel,
            "source_evaluation": evaluation,
            "intelligence_assessment": assessment,
            "handling_code": handling,
            **located.columns(),
            "location_precision": precision,
            "hotspot_id": hotspot_id,
            "ward_name": ward_name,
        }
    )
    restricted = pd.DataFrame(
        {
            "event_id": event_id,
            "location_text": location_text.replace("", None),
            "subject": frame["subject"].replace("", None),
            "narrative": frame["narrative"].replace("", None),
            "vrm": frame["vrm"].replace("", None),
            "phone": frame["phone"].replace("", None),
        }
    )
    return Staged(staged, restricted, rejects)
