"""Helpers shared by the tests of the CSV sources: writing files and checking a load."""

from __future__ import annotations

import csv


def write_rows(path, header, rows):
    """Write ``rows`` under ``header`` as a CSV file; return its path."""
    with open(path, "w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle)
        writer.writerow(header)
        writer.writerows(rows)
    return path


def check_load(con, load, *, counts, unlocated, repaired, reasons, rejects):
    """Assert a file load's reconciled counts, its rejects by reason and the quarantine.

    ``counts`` is ``(rows in, staged, rejected, duplicate)``; ``rejects`` lists the
    quarantined ``(row number, field, reason)`` in row order.
    """
    assert (load.rows_in, load.staged, load.rejected, load.duplicate) == counts
    assert load.reconciles and load.unlocated == unlocated and load.repaired == repaired
    assert load.rejects_by_reason == reasons
    quarantined = con.execute("SELECT row_number, field, reason FROM ops.rejects ORDER BY row_number")
    assert quarantined.fetchall() == rejects
