"""Helpers that put hand-made rows straight into staging tables (attribution, linking, analysis)."""

import pandas as pd


def stage_rows(con, table, rows):
    """Insert ``rows`` (dicts or a DataFrame) into ``table`` by column name."""
    con.register("incoming", pd.DataFrame(rows))
    con.execute(f"INSERT INTO {table} BY NAME SELECT * FROM incoming")
    con.unregister("incoming")


def stage_points(con, points, *, created_at="2025-06-01 19:00"):
    """Stage bare off-road-bike incidents INC:T0, INC:T1, ... at British National Grid points.

    ``created_at`` is one time for all, or one per point.
    """
    stage_rows(
        con,
        "staging.stg_incident_log_incidents",
        {
            "event_id": [f"INC:T{i}" for i in range(len(points))],
            "incident_ref": [f"T{i}" for i in range(len(points))],
            "file_sha256": "test",
            "row_number": range(1, len(points) + 1),
            "created_at": pd.to_datetime(created_at),
            "opening_code": "ASB-VEH",
            "x": [p[0] for p in points],
            "y": [p[1] for p in points],
            "is_off_road_bike": True,
            "classification_rule": "keyword:scrambler",
        },
    )


def incident(ref, x, y, at):
    """A staged off-road-bike incident-log row ``INC:<ref>`` at a point and time."""
    return {
        "event_id": f"INC:{ref}",
        "incident_ref": ref,
        "file_sha256": "t",
        "row_number": 1,
        "created_at": pd.Timestamp(at),
        "opening_code": "ASB-VEH",
        "x": x,
        "y": y,
        "is_off_road_bike": True,
        "classification_rule": "keyword:quad",
    }


def report(ref, x, y, at, handling="P"):
    """A staged community intelligence report ``INT:<ref>`` at a point and time."""
    return {
        "event_id": f"INT:{ref}",
        "intel_ref": ref,
        "file_sha256": "t",
        "row_number": 1,
        "received_at": pd.Timestamp(at),
        "channel": "councillor",
        "source_evaluation": "2",
        "intelligence_assessment": "B",
        "handling_code": handling,
        "x": x,
        "y": y,
        "location_precision": "exact",
    }
