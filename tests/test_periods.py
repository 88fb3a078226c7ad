"""Reporting periods: parsing, the previous period and the same period a year earlier."""

import pytest

from endurance.periods import Period, parse_period


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
    assert previous.months == period.months


def test_descriptions_and_labels():
    assert Period("2025-07", "2025-09").describe() == "2025-07 to 2025-09"
    assert Period("2025-07", "2025-07").describe() == "2025-07"
    assert Period("2025-07", "2025-09").label == "2025-07_to_2025-09"
    assert Period("2024-12", "2025-01").months == 2
