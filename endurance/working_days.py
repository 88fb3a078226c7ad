"""Working days in England and Wales: weekdays that are not bank holidays.

Councils expect their monthly ward summary on the first working day of the month, so
the export schedule needs the bank holidays of England and Wales. They follow fixed
rules, with a few one-off changes proclaimed for national events:

- New Year's Day, 1 January; when it falls at a weekend the next Monday is the holiday.
- Good Friday and Easter Monday (Easter Sunday by the Gregorian computus).
- The early May bank holiday, the first Monday of May.
- The spring bank holiday, the last Monday of May.
- The summer bank holiday, the last Monday of August.
- Christmas Day and Boxing Day; a holiday falling at a weekend moves to the next
  weekday not already a holiday (Christmas on a Saturday gives Monday 27 and Tuesday 28).

``ONE_OFF_CHANGES`` lists the proclaimed changes since 1995 (jubilees, royal weddings,
the coronation, the state funeral of Queen Elizabeth II, VE Day's anniversaries moving
the early May holiday). A holiday proclaimed after this list was written is passed in
``extra_holidays`` (the ``ENDURANCE_EXTRA_HOLIDAYS`` setting) until the list catches up.
Years before 1995 are refused rather than answered from rules that did not yet hold.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date, timedelta

from endurance._errors import ArgumentError

FIRST_YEAR = 1995
MONDAY, FRIDAY, SATURDAY = 0, 4, 5

#: Proclaimed changes to the usual rules: the usual date removed (or None) and the
#: dates added instead, by year.
ONE_OFF_CHANGES: dict[int, tuple[date | None, tuple[date, ...]]] = {
    1995: (date(1995, 5, 1), (date(1995, 5, 8),)),  # VE Day 50th anniversary
    1999: (None, (date(1999, 12, 31),)),  # millennium
    2002: (date(2002, 5, 27), (date(2002, 6, 3), date(2002, 6, 4))),  # golden jubilee
    2011: (None, (date(2011, 4, 29),)),  # royal wedding
    2012: (date(2012, 5, 28), (date(2012, 6, 4), date(2012, 6, 5))),  # diamond jubilee
    2020: (date(2020, 5, 4), (date(2020, 5, 8),)),  # VE Day 75th anniversary
    2022: (date(2022, 5, 30), (date(2022, 6, 2), date(2022, 6, 3), date(2022, 9, 19))),  # jubilee, funeral
    2023: (None, (date(2023, 5, 8),)),  # coronation
}


def easter_sunday(year: int) -> date:
    """Return Easter Sunday of ``year`` (Gregorian calendar, anonymous computus)."""
    a, b, c = year % 19, year // 100, year % 100
    d, e = divmod(b, 4)
    g = (8 * b + 13) // 25
    h = (19 * a + b - d - g + 15) % 30
    i, k = divmod(c, 4)
    ell = (32 + 2 * e + 2 * i - h - k) % 7
    m = (a + 11 * h + 22 * ell) // 451
    month, day = divmod(h + ell - 7 * m + 114, 31)
    return date(year, month, day + 1)


def _first_monday(year: int, month: int) -> date:
    first = date(year, month, 1)
    return first + timedelta(days=(MONDAY - first.weekday()) % 7)


def _last_monday(year: int, month: int) -> date:
    last = date(year + month // 12, month % 12 + 1, 1) - timedelta(days=1)
    return last - timedelta(days=(last.weekday() - MONDAY) % 7)


def _next_free_weekday(day: date, taken: set[date]) -> date:
    while day.weekday() >= SATURDAY or day in taken:
        day += timedelta(days=1)
    return day


def bank_holidays(year: int) -> set[date]:
    """Return the bank holidays of England and Wales in ``year``."""
    if year < FIRST_YEAR:
        raise ArgumentError(f"bank holidays are known from {FIRST_YEAR}; got the year {year}")
    easter = easter_sunday(year)
    days = {
        _next_free_weekday(date(year, 1, 1), set()),
        easter - timedelta(days=2),
        easter + timedelta(days=1),
        _first_monday(year, 5),
        _last_monday(year, 5),
        _last_monday(year, 8),
    }
    for christmas_or_boxing in (date(year, 12, 25), date(year, 12, 26)):
        days.add(_next_free_weekday(christmas_or_boxing, days))
    removed, added = ONE_OFF_CHANGES.get(year, (None, ()))
    if removed is not None:
        days.discard(removed)
    return days | set(added)


def is_working_day(day: date, *, extra_holidays: Iterable[date] = ()) -> bool:
    """Tell whether ``day`` is a weekday that is not a bank holiday (nor an extra holiday)."""
    return day.weekday() <= FRIDAY and day not in bank_holidays(day.year) and day not in set(extra_holidays)


def first_working_day(year: int, month: int, *, extra_holidays: Iterable[date] = ()) -> date:
    """Return the first working day of a month in England and Wales."""
    extra = set(extra_holidays)
    day = date(year, month, 1)
    while not is_working_day(day, extra_holidays=extra):
        day += timedelta(days=1)
    return day


def is_first_working_day(day: date, *, extra_holidays: Iterable[date] = ()) -> bool:
    """Tell whether ``day`` is the first working day of its month."""
    return day == first_working_day(day.year, day.month, extra_holidays=extra_holidays)
