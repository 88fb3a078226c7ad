"""Reporting periods: inclusive ranges of whole months, written ``YYYY-MM``."""

from __future__ import annotations

import re
from dataclasses import dataclass

import duckdb

_MONTH = re.compile(r"^(\d{4})-(0[1-9]|1[0-2])$")


def _check_month(value: str, name: str) -> str:
    if not _MONTH.match(value):
        raise ValueError(f"{name} must be a month written YYYY-MM, got {value!r}")
    return value


@dataclass(frozen=True)
class Period:
    """An inclusive range of whole months, e.g. ``Period("2025-01", "2025-12")``."""

    start: str
    end: str

    def __post_init__(self) -> None:
        _check_month(self.start, "start")
        _check_month(self.end, "end")
        if self.end < self.start:
            raise ValueError(f"period ends ({self.end}) before it starts ({self.start})")

    @property
    def label(self) -> str:
        """Text for file names: ``2025-01_to_2025-12``, or ``2025-06`` for one month."""
        return self.start if self.start == self.end else f"{self.start}_to_{self.end}"

    @property
    def bounds(self) -> tuple[str, str]:
        """First day of the first month, and first day of the month after the last."""
        year, month = map(int, self.end.split("-"))
        return f"{self.start}-01", f"{year + month // 12:04d}-{month % 12 + 1:02d}-01"


def latest_period(con: duckdb.DuckDBPyConnection, *, months: int = 12) -> Period:
    """Return the ``months`` months ending with the latest month holding an incident."""
    row = con.execute("SELECT max(month) FROM staging.events WHERE category = 'off_road_bike'").fetchone()
    if row is None or row[0] is None:
        raise LookupError("no off-road-bike incidents are staged, so no period can be chosen")
    last = row[0]
    index = last.year * 12 + last.month - 1 - (months - 1)
    return Period(f"{index // 12:04d}-{index % 12 + 1:02d}", f"{last:%Y-%m}")
