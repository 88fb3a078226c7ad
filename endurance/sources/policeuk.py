"""data.police.uk street-level CSVs: one file per force per month.

police.uk has no off-road-bike category, so these rows are context (antisocial
behaviour and crime around the operation's hotspots), kept apart from the
operation's own incidents. Antisocial behaviour rows carry no Crime ID; their key is a
hash of the row's content and its occurrence number among identical rows in the same
file, so reloading the month under another name is recognised as a duplicate while
two identical reports at one map point are both kept. Rows with no location are
staged and counted as unlocated, never dropped.
"""

from __future__ import annotations

import hashlib

import numpy as np
import pandas as pd

from endurance.sources._common import (
    Context,
    Staged,
    coordinate_rejects,
    date_rejects,
    locate,
    rejects_where,
    to_float,
)

NAME = "policeuk_street"
RAW_TABLE = "raw.policeuk_street"
STAGING_TABLE = "staging.stg_policeuk_street"
RESTRICTED_TABLE = None

COLUMNS = {
    "Crime ID": "crime_id",
    "Month": "month",
    "Reported by": "reported_by",
    "Falls within": "falls_within",
    "Longitude": "longitude",
    "Latitude": "latitude",
    "Location": "location",
    "LSOA code": "lsoa_code",
    "LSOA name": "lsoa_name",
    "Crime type": "crime_type",
    "Last outcome category": "last_outcome_category",
    "Context": "context",
}
HEADER = list(COLUMNS)


def _asb_keys(frame: pd.DataFrame) -> pd.Series:
    content = (
        frame[
            [
                "month",
                "longitude",
                "latitude",
                "location",
                "lsoa_code",
                "crime_type",
                "falls_within",
            ]
        ]
        .fillna("")
        .agg("|".join, axis=1)
    )
    ordinal = content.groupby(content).cumcount().astype(str)
    text = content + "|" + ordinal
    return "PUK:" + text.map(lambda s: hashlib.sha1(s.encode("utf-8")).hexdigest()[:20])


def stage(frame: pd.DataFrame, ctx: Context) -> Staged:
    """Type and validate police.uk rows; see the module docstring for the rules."""
    rows = frame["row_number"]
    month_text = frame["month"].fillna("").str.strip()
    strict = month_text.str.fullmatch(r"\d{4}-(0[1-9]|1[0-2])")
    month = pd.to_datetime(month_text.where(strict), format="%Y-%m", errors="coerce")
    lon, bad_lon = to_float(frame["longitude"])
    lat, bad_lat = to_float(frame["latitude"])
    crime_type = frame["crime_type"].fillna("").str.strip()
    located = locate(ctx.area, lat=lat, lon=lon)

    rejects = date_rejects(frame["month"], month, rows, "Month", ctx.now, expected="YYYY-MM")
    rejects += rejects_where(crime_type == "", rows, "Crime type", "missing_field", "crime type is empty")
    coordinates = {"Longitude": "longitude", "Latitude": "latitude"}
    rejects += coordinate_rejects(frame, coordinates, bad_lon | bad_lat, located, rows)

    crime_id = frame["crime_id"].fillna("").str.strip()
    event_id = np.where(crime_id != "", "PUK:" + crime_id, _asb_keys(frame))
    staged = pd.DataFrame(
        {
            "event_id": event_id,
            "file_sha256": frame["file_sha256"],
            "row_number": rows,
            "crime_id": crime_id.replace("", None),
            "month": month.dt.date,
            "reported_by": frame["reported_by"],
            "falls_within": frame["falls_within"],
            "lon": located.lon,
            "lat": located.lat,
            "x": located.x,
            "y": located.y,
            "coordinate_repair": located.repair,
            "location": frame["location"],
            "lsoa_code": frame["lsoa_code"].replace("", None),
            "lsoa_name": frame["lsoa_name"].replace("", None),
            "crime_type": crime_type,
            "last_outcome_category": frame["last_outcome_category"].replace("", None),
            "context": frame["context"].replace("", None),
        }
    )
    return Staged(staged, None, rejects)
