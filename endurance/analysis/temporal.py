"""When incidents happen: hour-by-weekday tables and monthly charts for patrol timing."""

from __future__ import annotations

import math
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

_WEEKDAYS = ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun")


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
