"""Reporting periods: months, shifts, bounds, parsing and comparison periods."""

import pytest

from endurance.periods import Period, add_months, parse_period


def test_months_shift_and_bounds_cross_year_ends() -> None:
    period = Period("2024-11", "2025-02")
    assert period.months == ["2024-11", "2024-12", "2025-01", "2025-02"]
    assert period.shifted(-4) == Period("2024-07", "2024-10")  # the previous period
    assert period.shifted(-12).label == "2023-11_to_2024-02"  # the same months a year before
    assert period.bounds == ("2024-11-01", "2025-03-01")
    assert add_months("2025-01", -1) == "2024-12"
    assert Period("2025-06", "2025-06").label == "2025-06"


def test_bad_months_are_refused() -> None:
    with pytest.raises(ValueError, match="YYYY-MM"):
        add_months("2025-13", 1)
    with pytest.raises(ValueError, match="before it starts"):
        Period("2025-06", "2025-05")


@pytest.mark.parametrize(
    ("text", "start", "end"),
    [
        ("2025", "2025-01", "2025-12"),
        ("2025-Q1", "2025-01", "2025-03"),
        ("2025-q3", "2025-07", "2025-09"),
        ("2025-Q4", "2025-10", "2025-12"),
        ("2025-07", "2025-07", "2025-07"),
        (" 2024-02 ", "2024-02", "2024-02"),
    ],
)
def test_short_forms_are_read(text, start, end):
    assert parse_period(text) == Period(start, end)


@pytest.mark.parametrize("text", ["2025-Q5", "2025-13", "25", "2025/07", "2025-07-01", ""])
def test_anything_else_is_refused_naming_the_forms(text):
    with pytest.raises(ValueError, match="YYYY \\(a year\\), YYYY-Qn \\(a quarter\\) or YYYY-MM"):
        parse_period(text)


@pytest.mark.parametrize(
    ("period", "previous", "year_earlier"),
    [
        (Period("2025-07", "2025-09"), Period("2025-04", "2025-06"), Period("2024-07", "2024-09")),
        (Period("2025-01", "2025-03"), Period("2024-10", "2024-12"), Period("2024-01", "2024-03")),
        (Period("2025-01", "2025-01"), Period("2024-12", "2024-12"), Period("2024-01", "2024-01")),
        (Period("2024-11", "2025-02"), Period("2024-07", "2024-10"), Period("2023-11", "2024-02")),
        (Period("2025-01", "2025-12"), Period("2024-01", "2024-12"), Period("2024-01", "2024-12")),
    ],
)
def test_comparison_periods(period, previous, year_earlier):
    assert period.previous() == previous and period.year_earlier() == year_earlier
    assert len(previous.months) == len(period.months)


def test_descriptions_and_labels():
    assert Period("2025-07", "2025-09").describe() == "2025-07 to 2025-09"
    assert Period("2025-07", "2025-07").describe() == "2025-07"
    assert Period("2025-07", "2025-09").label == "2025-07_to_2025-09"
    assert Period("2024-12", "2025-01").months == ["2024-12", "2025-01"]
