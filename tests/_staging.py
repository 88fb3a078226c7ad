"""Helpers that put hand-made rows straight into staging tables (attribution, linking, analysis)."""

import pandas as pd

from endurance.sources import SOURCES


def stage_rows(con, table, rows):
    """Insert ``rows`` (dicts or a DataFrame) into ``table`` by column name, as if a file had loaded them.

    The warehouse rolls back staged rows of no recorded file when it is next opened for
    writing (crash recovery), so the files the rows name get the record and raw rows a
    real load would have left.
    """
    con.register("incoming", pd.DataFrame(rows))
    con.execute(f"INSERT INTO {table} BY NAME SELECT * FROM incoming")
    con.unregister("incoming")
    if table in _RAW_OF:
        _record_files(con)


_RAW_OF = {s.STAGING_TABLE: (s.RAW_TABLE, s.NAME) for s in SOURCES}
BY_HAND = "staged by a test"


def _record_files(con):
    """Give every file named by staged rows an ops.files record and raw rows that add up."""
    staged = " UNION ALL ".join(
        f"SELECT file_sha256 AS sha256, '{name}' AS source FROM {t}" for t, (_, name) in _RAW_OF.items()
    )
    files = con.execute(
        f"SELECT sha256, any_value(source), count(*) FROM ({staged}) WHERE sha256 NOT IN"
        f" (SELECT sha256 FROM ops.files WHERE path <> '{BY_HAND}') GROUP BY 1"
    ).fetchall()
    for sha256, source, n in files:
        raw_table = next(raw for raw, name in _RAW_OF.values() if name == source)
        raw = sum(
            con.execute(f"SELECT count(*) FROM {r} WHERE file_sha256 = ?", [sha256]).fetchone()[0]
            for r, _ in _RAW_OF.values()
        )
        last = f"(SELECT coalesce(max(row_number), 0) FROM {raw_table} WHERE file_sha256 = ?)"
        con.execute(
            f"INSERT INTO {raw_table} (file_sha256, row_number) SELECT ?, {last} + range + 1 FROM range(?)",
            [sha256, sha256, n - raw],
        )
        con.execute(
            "INSERT OR REPLACE INTO ops.files (sha256, source, path, size_bytes, loaded_at, rows_in,"
            " rows_staged, rows_rejected, rows_duplicate, rows_unlocated, rows_repaired, name)"
            " VALUES (?, ?, ?, 0, now()::TIMESTAMP, ?, ?, 0, 0, 0, 0, 'test')",
            [sha256, source, BY_HAND, n, n],
        )


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
    """Return a staged off-road-bike incident-log row ``INC:<ref>`` at a point and time."""
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
    """Return a staged community intelligence report ``INT:<ref>`` at a point and time."""
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
