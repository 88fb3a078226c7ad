"""When incidents happen: hour-by-weekday tables and monthly charts for patrol timing.

:func:`temporal_profile` counts incidents by hour of day and day of week in local time.
Two one-line summaries are read off it for map popups and briefings:
:func:`peak_days`, the days holding at least 80 % of the busiest day's incidents, and
:func:`peak_hours`, the four consecutive hours (midnight may fall inside) holding the
most incidents. Four hours is about one patrol shift's worth of focused attention.
"""

from __future__ import annotations

import math
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

_WEEKDAYS = ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun")
#: A day is a peak day when it holds at least this share of the busiest day's incidents.
PEAK_DAY_SHARE = 0.8
#: Length of the peak-hours window.
PEAK_WINDOW_HOURS = 4


def temporal_profile(timestamps: Any, *, timezone: str = "Europe/London") -> pd.DataFrame:
    """Count incidents by hour of day (rows 0-23) and day of week (columns Mon-Sun).

    Naive timestamps are taken as local clock time; aware ones are converted to
    ``timezone`` first, so a summer evening is not counted an hour early. Missing
    timestamps are dropped.
    """
    ts = pd.to_datetime(pd.Series(np.asarray(timestamps, dtype=object)), errors="raise")
    if isinstance(ts.dtype, pd.DatetimeTZDtype):
        ts = ts.dt.tz_convert(timezone)
    ts = ts.dropna()
    table = pd.crosstab(ts.dt.hour, ts.dt.day_of_week)
    table = table.reindex(index=range(24), columns=range(7), fill_value=0).astype(int)
    table.index.name = "hour"
    table.columns = pd.Index(_WEEKDAYS, name="weekday")
    return table


def peak_days(profile: pd.DataFrame, *, share: float = PEAK_DAY_SHARE) -> str | None:
    """Name the busiest days of a profile, e.g. ``'Sat, Sun'``; None with no incidents.

    The days holding at least ``share`` of the busiest day's incidents, in week order.
    """
    by_day = _check_profile(profile).sum(axis=0).to_numpy()
    if by_day.max() <= 0:
        return None
    return ", ".join(day for day, n in zip(_WEEKDAYS, by_day, strict=True) if n >= share * by_day.max())


def peak_hours(profile: pd.DataFrame, *, window: int = PEAK_WINDOW_HOURS) -> str | None:
    """Name the ``window`` consecutive hours with the most incidents, e.g. ``'16:00-20:00'``.

    The window may wrap past midnight (``'22:00-02:00'``); on a tie the earliest start
    wins. None when the profile holds no incidents.
    """
    if not 1 <= window <= 24:
        raise ValueError(f"window must be 1 to 24 hours, got {window}")
    by_hour = _check_profile(profile).sum(axis=1).to_numpy()
    if by_hour.max() <= 0:
        return None
    totals = [sum(by_hour[(start + k) % 24] for k in range(window)) for start in range(24)]
    start = int(np.argmax(totals))
    return f"{start:02d}:00-{(start + window) % 24:02d}:00"


def _check_profile(profile: pd.DataFrame) -> pd.DataFrame:
    if profile.shape != (24, 7):
        raise ValueError(f"profile must be a 24 x 7 table from temporal_profile, got shape {profile.shape}")
    return profile


def monthly_chart_png(
    counts_by_month: pd.Series,
    path: str | Path,
    *,
    title: str,
    width_px: int = 640,
    height_px: int = 240,
) -> Path:
    """Write a small bar chart of monthly counts as a PNG and return its path.

    Parameters
    ----------
    counts_by_month
        Counts indexed by month (``YYYY-MM`` text or pandas periods), drawn in index order.
    path
        Where to write the PNG; its folder must exist.
    title
        Chart title, e.g. the hotspot's name.
    width_px, height_px
        Size of the image in pixels.
    """
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure

    out = Path(path)
    if not out.parent.is_dir():
        raise ValueError(f"path's folder {out.parent} does not exist")
    dpi = 100
    fig = Figure(figsize=(width_px / dpi, height_px / dpi), dpi=dpi)
    FigureCanvasAgg(fig)
    ax = fig.add_subplot()
    labels = [str(m) for m in counts_by_month.index]
    ax.bar(range(len(labels)), np.asarray(counts_by_month, dtype=float), color="#b2182b")
    step = max(1, math.ceil(len(labels) / 12))
    ax.set_xticks(range(0, len(labels), step), labels[::step], rotation=45, ha="right", fontsize=7)
    ax.tick_params(axis="y", labelsize=7)
    ax.set_ylabel("incidents", fontsize=8)
    ax.set_title(title, fontsize=9)
    ax.spines[["top", "right"]].set_visible(False)
    fig.tight_layout()
    fig.savefig(out, format="png", dpi=dpi)
    return out
