"""Enforcement outcomes (CSV): what police, councils and housing providers did.

Each row is one outcome: a reference, its date (a date, or a date and time, ISO 8601
or UK ``dd/mm/yyyy [HH:MM]``), the outcome type (``OUTCOME_TYPES``), the agency that
recorded it (``AGENCIES``), optionally the incident log's ``Incident Ref`` it followed
from, the vehicle registration mark (VRM) and person reference it concerns, and
optionally a location as easting/northing or latitude/longitude. An outcome with no
location is staged unlocated, not rejected: a tenancy notice has no place of offence.
Code-list cells are read as the code or its label, in any case.

The VRM and person reference are personal data. They are kept only in
``staging.stg_enforcement_restricted``, the VRM normalised (upper case, letters and
digits only, so ``ab12 cde`` and ``AB12CDE`` are one vehicle).

Repeat section 59 events
------------------------
Section 59 of the Police Reform Act 2002 lets a constable warn the user of a vehicle
driven carelessly, or off road, in a manner causing alarm, distress or annoyance, and
seize the vehicle if the use continues or is repeated; once warned, a person or
vehicle can be seized without a fresh warning for 12 months from the date of the
warning. The partnership tracks repeats, so ``flag_repeat_s59`` marks every s.59
event (``S59-WARN`` or ``S59-SEIZE``) as a repeat when an earlier s.59 event shares its
VRM or its person reference, and the later event's date falls within the window of
``window_months`` months beginning with the earlier event's date (12 by default, as
in the Act: warned 15 January 2024, repeats run to 14 January 2025 inclusive).
"Earlier" means an earlier recorded time; at the same recorded time a warning comes
before a seizure, then the lower reference. The same person on a different bike is a
repeat, and so is the same bike with a different rider. An event with neither VRM nor
person reference is counted but can neither be nor make a repeat.

The flag and the number of earlier s.59 events in the window are written to
``staging.s59_repeats`` (no VRM, no person reference) by
``endurance/sql/staging/s59_repeats.sql``; rebuild it after every load.
"""

from __future__ import annotations

import duckdb
import pandas as pd

from endurance.sources._codes import codes_from_text
from endurance.sources._common import (
    POINT_COLUMNS,
    Context,
    Staged,
    date_rejects,
    parse_timestamps,
    place,
    rejects_where,
    required_code_rejects,
)
from endurance.warehouse import sql_text, transaction

NAME = "outcomes"
RAW_TABLE = "raw.enforcement_outcomes"
STAGING_TABLE = "staging.stg_enforcement_outcomes"
RESTRICTED_TABLE = "staging.stg_enforcement_restricted"

COLUMNS = {
    "Outcome Ref": "outcome_ref",
    "Outcome Date": "outcome_date",
    "Outcome Type": "outcome_type",
    "Agency": "agency",
    "Incident Ref": "incident_ref",
    "VRM": "vrm",
    "Person Ref": "person_ref",
    **POINT_COLUMNS,
}
HEADER = list(COLUMNS)

OUTCOME_TYPES = {
    "S59-WARN": "Section 59 warning issued",
    "S59-SEIZE": "Vehicle seized under section 59",
    "ARREST": "Arrest",
    "CHARGE": "Charged or summonsed",
    "TENANCY-WARN": "Tenancy warning letter",
    "TENANCY-ABC": "Acceptable behaviour contract",
    "TENANCY-NOTICE": "Tenancy notice (notice of seeking possession or injunction)",
}

#: The event category each outcome type counts as in ``staging.events``.
OUTCOME_KINDS = {
    "S59-WARN": "s59_warning",
    "S59-SEIZE": "s59_seizure",
    "ARREST": "arrest",
    "CHARGE": "charge",
    "TENANCY-WARN": "tenancy_action",
    "TENANCY-ABC": "tenancy_action",
    "TENANCY-NOTICE": "tenancy_action",
}

AGENCIES = {
    "POLICE": "Police",
    "COUNCIL": "Council",
    "HOUSING": "Housing provider",
}

#: The section 59 warning lasts 12 months (Police Reform Act 2002, s.59(4)).
S59_WINDOW_MONTHS = 12

DATE_OR_DATETIME_FORMATS = "ISO 8601 date or date-time, dd/mm/yyyy or dd/mm/yyyy HH:MM"


def normalise_vrm(values: pd.Series) -> pd.Series:
    """Return VRMs in upper case with letters and digits only; missing (NULL) where empty.

    >>> normalise_vrm(pd.Series(["ab12 cde", " AB12-CDE ", ""])).tolist()
    ['AB12CDE', 'AB12CDE', nan]
    """
    cleaned = values.fillna("").str.upper().str.replace(r"[^A-Z0-9]", "", regex=True)
    return cleaned.replace("", None)


def _outcome_times(text: pd.Series) -> tuple[pd.Series, pd.Series]:
    """Parse a date or date-time; return the timestamps and whether a time was given."""
    stripped = text.fillna("").str.strip()
    parsed = parse_timestamps(stripped).fillna(pd.to_datetime(stripped, format="%d/%m/%Y", errors="coerce"))
    return parsed, stripped.str.contains(":", regex=False)


def stage(frame: pd.DataFrame, ctx: Context) -> Staged:
    """Type, validate and (where given) locate outcomes; keep VRM and person apart."""
    rows = frame["row_number"]
    ref = frame["outcome_ref"].fillna("").str.strip()
    outcome_at, time_known = _outcome_times(frame["outcome_date"])
    outcome_type = codes_from_text(frame["outcome_type"], OUTCOME_TYPES)
    agency = codes_from_text(frame["agency"], AGENCIES)
    incident_ref = frame["incident_ref"].fillna("").str.strip()
    placed = place(frame, ctx.area, rows, POINT_COLUMNS)

    rejects = rejects_where(ref == "", rows, "Outcome Ref", "missing_field", "outcome reference is empty")
    rejects += date_rejects(
        frame["outcome_date"], outcome_at, rows, "Outcome Date", ctx.now, expected=DATE_OR_DATETIME_FORMATS
    )
    for values, field, codes in (
        (outcome_type, "Outcome Type", OUTCOME_TYPES),
        (agency, "Agency", AGENCIES),
    ):
        rejects += required_code_rejects(values, codes, rows, field)
    rejects += placed.rejects

    event_id = "OUT:" + ref
    staged = pd.DataFrame(
        {
            "event_id": event_id,
            "outcome_ref": ref,
            "file_sha256": frame["file_sha256"],
            "row_number": rows,
            "outcome_at": outcome_at,
            "time_known": time_known.to_numpy(),
            "outcome_type": outcome_type,
            "outcome_kind": outcome_type.map(OUTCOME_KINDS),
            "agency": agency,
            "incident_ref": incident_ref.replace("", None),
            "linked_event_id": ("INC:" + incident_ref).where(incident_ref != "", None),
            **placed.located.columns(),
        }
    )
    restricted = pd.DataFrame(
        {
            "event_id": event_id,
            "vrm": normalise_vrm(frame["vrm"]),
            "person_ref": frame["person_ref"].fillna("").str.strip().str.upper().replace("", None),
        }
    )
    return Staged(staged, restricted, rejects)


def flag_repeat_s59(con: duckdb.DuckDBPyConnection, *, window_months: int = S59_WINDOW_MONTHS) -> int:
    """Rebuild ``staging.s59_repeats`` and return how many s.59 events are repeats.

    Parameters
    ----------
    con
        An open warehouse with enforcement outcomes staged.
    window_months
        How long a section 59 event counts for a later one, in whole months from the
        date of the earlier event (the Act's 12 by default).
    """
    if isinstance(window_months, bool) or not isinstance(window_months, int) or window_months < 1:
        message = f"window_months must be a whole number of months, 1 or more; got {window_months!r}"
        raise ValueError(message)
    with transaction(con):
        con.execute("DELETE FROM staging.s59_repeats")
        con.execute(
            sql_text("staging/s59_repeats.sql"),
            {"window_months": window_months, "warning": "S59-WARN", "seizure": "S59-SEIZE"},
        )
    row = con.execute("SELECT count(*) FROM staging.s59_repeats WHERE is_repeat_s59").fetchone()
    return int(row[0]) if row else 0
