"""Reporting periods: months, shifts and bounds."""

import pytest

from endurance.periods import Period, add_months


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
