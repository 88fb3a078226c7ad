"""Draw when incidents happen: summer, light evenings, weekends and school holidays.

Off-road-bike nuisance follows daylight and free time. Each day of the year is weighted
by its month, its weekday and whether schools are out; each incident then gets an hour
weighted towards the evening. The demo's sources all draw their times here, so a
force's sources share one seasonal shape; each force has its own month and weekday
weights (Durham's peak is later and longer than Cleveland's, its winter quieter).
"""

from __future__ import annotations

from datetime import date, datetime, timedelta

import numpy as np

#: Relative monthly volume, January first: summer and light nights peak.
MONTH_WEIGHTS = np.array([0.45, 0.5, 0.7, 0.95, 1.2, 1.4, 1.6, 1.55, 1.1, 0.85, 0.6, 0.45])
#: Relative volume by weekday, Monday first.
WEEKDAY_WEIGHTS = np.array([0.85, 0.85, 0.9, 0.95, 1.2, 1.6, 1.5])
#: Durham's relative monthly volume: a spring shoulder on the coast, then a later, longer
#: peak (August to October) and a quieter winter than Cleveland's.
DURHAM_MONTH_WEIGHTS = np.array([0.35, 0.4, 0.8, 1.15, 1.25, 1.15, 1.3, 1.5, 1.55, 1.3, 0.7, 0.4])
#: Durham's relative volume by weekday: weekends on the coast and the fells weigh more.
DURHAM_WEEKDAY_WEIGHTS = np.array([0.8, 0.8, 0.85, 0.9, 1.15, 1.8, 1.7])
#: Relative volume by hour of day: after school and into the light evenings.
HOUR_WEIGHTS = np.array(
    [
        0.3,
        0.15,
        0.1,
        0.05,
        0.05,
        0.05,
        0.1,
        0.2,
        0.3,
        0.4,
        0.5,
        0.6,
        0.7,
        0.8,
        0.9,
        1.1,
        1.5,
        1.9,
        2.2,
        2.3,
        2.1,
        1.6,
        1.0,
        0.6,
    ]
)


def _school_holiday(day: date) -> bool:
    """Whether ``day`` falls in a (rough) North East school holiday: more riders are out."""
    easter = date(day.year, 4, 7) <= day <= date(day.year, 4, 21)
    summer = date(day.year, 7, 22) <= day <= date(day.year, 9, 2)
    half_terms = any(date(day.year, m, 17) <= day <= date(day.year, m, 24) for m in (2, 5, 10))
    return easter or summer or half_terms


def timestamps(
    n: int,
    year: int,
    rng: np.random.Generator,
    *,
    month_weights: np.ndarray = MONTH_WEIGHTS,
    weekday_weights: np.ndarray = WEEKDAY_WEIGHTS,
) -> list[datetime]:
    """Return ``n`` sorted times in ``year``, weighted by month, weekday, school holiday and hour."""
    days = [date(year, 1, 1) + timedelta(days=i) for i in range(365)]
    weights = np.array(
        [
            month_weights[d.month - 1] * weekday_weights[d.weekday()] * (1.3 if _school_holiday(d) else 1.0)
            for d in days
        ]
    )
    chosen = rng.choice(len(days), size=n, p=weights / weights.sum())
    hours = rng.choice(24, size=n, p=HOUR_WEIGHTS / HOUR_WEIGHTS.sum())
    minutes = rng.integers(0, 60, size=n)
    stamps = [
        datetime.combine(days[d], datetime.min.time()) + timedelta(hours=int(h), minutes=int(m))
        for d, h, m in zip(chosen, hours, minutes, strict=True)
    ]
    return sorted(stamps)


def created_at(text: str) -> datetime:
    """Parse a time the demo wrote in either of its two formats."""
    for pattern in ("%Y-%m-%dT%H:%M:%S", "%d/%m/%Y %H:%M"):
        try:
            return datetime.strptime(text, pattern)
        except ValueError:
            continue
    raise ValueError(f"demo incident time {text!r} is in neither demo format")
