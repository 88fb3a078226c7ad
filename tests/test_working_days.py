"""England and Wales bank holidays and the first working day of a month."""

from datetime import date

import pytest

from endurance.working_days import bank_holidays, easter_sunday, first_working_day, is_first_working_day

# As published for England and Wales (GOV.UK bank holidays list).
PUBLISHED = {
    2020: ["01-01", "04-10", "04-13", "05-08", "05-25", "08-31", "12-25", "12-28"],
    2021: ["01-01", "04-02", "04-05", "05-03", "05-31", "08-30", "12-27", "12-28"],
    2022: ["01-03", "04-15", "04-18", "05-02", "06-02", "06-03", "08-29", "09-19", "12-26", "12-27"],
    2023: ["01-02", "04-07", "04-10", "05-01", "05-08", "05-29", "08-28", "12-25", "12-26"],
    2024: ["01-01", "03-29", "04-01", "05-06", "05-27", "08-26", "12-25", "12-26"],
    2025: ["01-01", "04-18", "04-21", "05-05", "05-26", "08-25", "12-25", "12-26"],
    2026: ["01-01", "04-03", "04-06", "05-04", "05-25", "08-31", "12-25", "12-28"],
    2027: ["01-01", "03-26", "03-29", "05-03", "05-31", "08-30", "12-27", "12-28"],
}


@pytest.mark.parametrize("year", sorted(PUBLISHED))
def test_bank_holidays_match_the_published_lists(year):
    assert sorted(d.strftime("%m-%d") for d in bank_holidays(year)) == PUBLISHED[year]


@pytest.mark.parametrize(
    ("year", "easter"), [(2024, date(2024, 3, 31)), (2025, date(2025, 4, 20)), (2038, date(2038, 4, 25))]
)
def test_easter_sunday(year, easter):
    assert easter_sunday(year) == easter


@pytest.mark.parametrize(
    ("year", "month", "first"),
    [
        (2026, 1, date(2026, 1, 2)),  # New Year's Day is a Thursday bank holiday
        (2023, 5, date(2023, 5, 2)),  # Monday 1 May is the early May bank holiday
        (2024, 4, date(2024, 4, 2)),  # Monday 1 April is Easter Monday
        (2022, 1, date(2022, 1, 4)),  # Saturday 1st, Monday 3rd the New Year substitute
        (2026, 8, date(2026, 8, 3)),  # Saturday 1st: the Monday after
        (2026, 5, date(2026, 5, 1)),  # a Friday, and the early May holiday is the 4th
        (2020, 5, date(2020, 5, 1)),  # VE Day moved the early May holiday to Friday 8 May
        (2026, 6, date(2026, 6, 1)),  # an ordinary Monday
    ],
)
def test_first_working_day(year, month, first):
    assert first_working_day(year, month) == first


def test_new_year_2026():
    assert not is_first_working_day(date(2026, 1, 1))
    assert is_first_working_day(date(2026, 1, 2))
    assert not is_first_working_day(date(2026, 1, 5))


def test_extra_holidays_push_the_first_working_day():
    assert first_working_day(2026, 6, extra_holidays=[date(2026, 6, 1)]) == date(2026, 6, 2)


def test_years_before_the_rules_are_refused():
    with pytest.raises(ValueError, match="from 1995"):
        bank_holidays(1990)
