"""Temporal profiles and monthly charts."""

from __future__ import annotations

import struct
from pathlib import Path

import pandas as pd
import pytest

from endurance import analysis


def test_temporal_profile_counts_hour_by_weekday_in_local_time() -> None:
    stamps = pd.Series(
        ["2025-06-02 14:30", "2025-06-02 14:59", "2025-06-08 00:10", None], dtype="datetime64[ns]"
    )
    table = analysis.temporal_profile(stamps)
    assert table.shape == (24, 7)
    assert list(table.columns) == ["Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun"]
    assert table.loc[14, "Mon"] == 2 and table.loc[0, "Sun"] == 1
    assert int(table.to_numpy().sum()) == 3
    # 23:30 UTC on Saturday 7 June is 00:30 on Sunday in British Summer Time.
    aware = analysis.temporal_profile(pd.to_datetime(["2025-06-07 23:30"], utc=True))
    assert aware.loc[0, "Sun"] == 1


def test_monthly_chart_png_is_a_small_png(tmp_path: Path) -> None:
    counts = pd.Series([3, 5, 2, 8, 13, 7], index=[f"2025-{m:02d}" for m in range(1, 7)])
    path = analysis.monthly_chart_png(counts, tmp_path / "trend.png", title="Pallister Park")
    data = path.read_bytes()
    assert data[:8] == b"\x89PNG\r\n\x1a\n"
    width, height = struct.unpack(">II", data[16:24])
    assert (width, height) == (640, 240)
    assert 3_000 < len(data) < 100_000


def _profile(stamps: list[str]) -> pd.DataFrame:
    return analysis.temporal_profile(pd.Series(pd.to_datetime(stamps)))


def test_peak_days_are_those_near_the_busiest_day() -> None:
    # Sat 7 June 2025 x5, Sun 8 June x4 (80 % of 5: a peak too), Fri 6 June x3 (60 %: not).
    stamps = ["2025-06-07 19:00"] * 5 + ["2025-06-08 19:00"] * 4 + ["2025-06-06 19:00"] * 3
    assert analysis.peak_days(_profile(stamps)) == "Sat, Sun"
    assert analysis.peak_days(_profile([])) is None


def test_peak_hours_take_the_busiest_four_hours_and_may_cross_midnight() -> None:
    evening = ["2025-06-07 17:10", "2025-06-07 18:20", "2025-06-07 19:30", "2025-06-07 19:40"]
    assert analysis.peak_hours(_profile(evening)) == "16:00-20:00"  # 16-20 and 17-21 tie: earliest
    late = ["2025-06-07 23:15", "2025-06-08 00:30", "2025-06-08 01:05", "2025-06-08 14:00"]
    assert analysis.peak_hours(_profile(late)) == "22:00-02:00"
    assert analysis.peak_hours(_profile(evening), window=1) == "19:00-20:00"
    assert analysis.peak_hours(_profile([])) is None
    with pytest.raises(ValueError, match="window"):
        analysis.peak_hours(_profile(late), window=0)
