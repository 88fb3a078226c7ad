"""Reporting periods: inclusive ranges of whole months, written ``YYYY-MM``.

Council summaries compare a period with the one just before it (of the same length)
and with the same months a year earlier; ``parse_period`` reads the short forms
analysts type: ``2025`` (a year), ``2025-Q3`` (a quarter) or ``2025-07`` (a month).
"""

from __future__ import annotations

import re
from dataclasses import dataclass

import duckdb

from endurance._errors import NotLoadedError, PeriodError

_MONTH = re.compile(r"^(\d{4})-(0[1-9]|1[0-2])$")
_YEAR = re.compile(r"^(\d{4})$")
_QUARTER = re.compile(r"^(\d{4})-Q([1-4])$", re.IGNORECASE)


def _month_text(index: int) -> str:
    """``YYYY-MM`` for a month counted from year 0 (``year * 12 + month - 1``)."""
    return f"{index // 12:04d}-{index % 12 + 1:02d}"


def _month_index(text: str) -> int:
    year, month = map(int, text.split("-"))
    return year * 12 + month - 1


def check_month(value: str, name: str) -> str:
    """Return ``value`` if it is a month written ``YYYY-MM``, else raise PeriodError naming ``name``."""
    if not _MONTH.match(value):
        raise PeriodError(f"{name} must be a month written YYYY-MM, got {value!r}")
    return value


@dataclass(frozen=True)
class Period:
    """An inclusive range of whole months, e.g. ``Period("2025-01", "2025-12")``."""

    start: str
    end: str

    def __post_init__(self) -> None:
        check_month(self.start, "start")
        check_month(self.end, "end")
        if self.end < self.start:
            raise PeriodError(f"period ends ({self.end}) before it starts ({self.start})")

    @property
    def label(self) -> str:
        """Text for file names: ``2025-01_to_2025-12``, or ``2025-06`` for one month."""
        return self.start if self.start == self.end else f"{self.start}_to_{self.end}"

    def describe(self) -> str:
        """Text for people: ``2025-07`` or ``2025-07 to 2025-09``."""
        return self.start if self.start == self.end else f"{self.start} to {self.end}"

    def previous(self) -> Period:
        """Return the period of the same length ending the month before this one starts."""
        return self.shifted(-len(self.months))

    def year_earlier(self) -> Period:
        """Return the same months a year earlier."""
        return self.shifted(-12)

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


def add_months(month: str, months: int) -> str:
    """Return the month ``months`` after ``month`` (``YYYY-MM``); negative goes back."""
    index = _month_index(check_month(month, "month")) + months
    return f"{index // 12:04d}-{index % 12 + 1:02d}"


def latest_period(con: duckdb.DuckDBPyConnection, *, months: int = 12) -> Period:
    """Return the ``months`` months ending with the latest month holding an incident."""
    row = con.execute("SELECT max(month) FROM staging.events WHERE category = 'off_road_bike'").fetchone()
    if row is None or row[0] is None:
        raise NotLoadedError("no off-road-bike incidents are staged, so no period can be chosen")
    last = f"{row[0]:%Y-%m}"
    return Period(add_months(last, -(months - 1)), last)


def parse_period(text: str) -> Period:
    """Read ``2025`` (a year), ``2025-Q3`` (a quarter) or ``2025-07`` (a month) as a period."""
    value = text.strip()
    if year := _YEAR.match(value):
        return Period(f"{year[1]}-01", f"{year[1]}-12")
    if quarter := _QUARTER.match(value):
        first = int(quarter[1]) * 12 + (int(quarter[2]) - 1) * 3
        return Period(_month_text(first), _month_text(first + 2))
    if _MONTH.match(value):
        return Period(value, value)
    raise PeriodError(f"period must be YYYY (a year), YYYY-Qn (a quarter) or YYYY-MM (a month), got {text!r}")
