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
        return f"{self.start}-01", f"{add_months(self.end, 1)}-01"

    @property
    def months(self) -> list[str]:
        """Every month of the period in order, e.g. ``['2025-01', '2025-02']``."""
        count = _month_index(self.end) - _month_index(self.start) + 1
        return [add_months(self.start, k) for k in range(count)]

    def shifted(self, months: int) -> Period:
        """Return the period of the same length ``months`` months later (earlier when negative)."""
        return Period(add_months(self.start, months), add_months(self.end, months))


def _month_index(month: str) -> int:
    year, mon = map(int, month.split("-"))
    return year * 12 + mon - 1


def add_months(month: str, months: int) -> str:
    """Return the month ``months`` after ``month`` (``YYYY-MM``); negative goes back."""
    index = _month_index(_check_month(month, "month")) + months
    return f"{index // 12:04d}-{index % 12 + 1:02d}"


def latest_period(con: duckdb.DuckDBPyConnection, *, months: int = 12) -> Period:
    """Return the ``months`` months ending with the latest month holding an incident."""
    row = con.execute("SELECT max(month) FROM staging.events WHERE category = 'off_road_bike'").fetchone()
    if row is None or row[0] is None:
        raise LookupError("no off-road-bike incidents are staged, so no period can be chosen")
    last = f"{row[0]:%Y-%m}"
    return Period(add_months(last, -(months - 1)), last)
