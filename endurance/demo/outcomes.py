"""Write the demo's enforcement outcomes: s.59 warnings, seizures, arrests, tenancy actions.

Warnings and seizures follow incidents in the generated log; riders are warned and
then seized within the warning's 12 months (on the same bike, or another); arrests
lead to charges some weeks later; housing providers and councils act on tenancies
after an s.59 event is shared. Person references and VRMs are planted fakes.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime, timedelta

import numpy as np

from endurance.demo import bad_rows
from endurance.demo.geography import DemoGeography, clustered_points, coordinate_cells
from endurance.demo.people import fake_vrm
from endurance.demo.timing import created_at, timestamps
from endurance.sources import outcomes as outcomes_source

_INCIDENT_REF = re.compile(r"CLE-\d{8}-\d{5}")


@dataclass
class _Outcome:
    """One enforcement outcome before it is written as a row."""

    at: datetime
    outcome_type: str
    agency: str
    person: str
    vrm: str
    incident_ref: str = ""
    coords: tuple[str, str, str, str] = ("", "", "", "")
    time_known: bool = True


def outcome_rows(
    geo: DemoGeography,
    incident_rows: list[list[str]],
    year: int,
    rng: np.random.Generator,
    planted: list[str],
) -> list[list[str]]:
    """Enforcement outcomes: s.59 warnings and seizures following logged incidents,
    repeat riders, arrests and charges, and tenancy actions by housing providers.
    """
    end = datetime(year, 12, 31, 23, 59)
    incidents: dict[str, list[str]] = {}
    for row in incident_rows:
        if _INCIDENT_REF.fullmatch(row[0]):
            incidents.setdefault(row[0], row)
    people = iter(range(1, 10_000))

    def subject(*, with_vrm: float = 0.9) -> tuple[str, str]:
        return f"PER-SYN-{next(people):05d}", (fake_vrm(rng) if rng.random() < with_vrm else "")

    def closed_with(code: str, k: int) -> list[list[str]]:
        found = [r for r in incidents.values() if r[3] == code]
        picked = rng.choice(len(found), size=min(k, len(found)), replace=False)
        return sorted((found[i] for i in picked), key=lambda r: created_at(r[1]))

    def after(row: list[str]) -> datetime:
        return created_at(row[1]) + timedelta(minutes=int(rng.integers(5, 50)))

    def coords(row: list[str]) -> tuple[str, str, str, str]:
        return (row[5], row[6], row[7], row[8])

    out: list[_Outcome] = []
    for row in closed_with("S59-WARN", 130):
        out.append(_Outcome(after(row), "S59-WARN", "POLICE", *subject(), row[0], coords(row)))
    # Rural Task Force warnings, not raised from a logged call.
    points = clustered_points(geo.rural, 20, rng, cores=6, sigma=500.0)
    for stamp, (x, y) in zip(timestamps(20, year, rng), points, strict=True):
        cells = coordinate_cells(x, y, rng, latlon_share=0.5)
        out.append(
            _Outcome(stamp, "S59-WARN", "POLICE", *subject(), coords=(cells[0], cells[1], cells[2], cells[3]))
        )
    # Riders warned twice: the second warning repeats the first within its 12 months.
    for first in [out[i] for i in rng.choice(130, size=8, replace=False)]:
        again = first.at + timedelta(days=int(rng.integers(10, 120)), hours=int(rng.integers(1, 6)))
        if again <= end:
            out.append(_Outcome(again, "S59-WARN", "POLICE", first.person, first.vrm, coords=first.coords))
    # Seizures: most follow an earlier warning of the same rider or the same bike.
    for row in closed_with("S59-SEIZE", 50):
        at = after(row)
        earlier = [o for o in out if o.outcome_type == "S59-WARN" and o.at < at]
        person, vrm = subject()
        if earlier and rng.random() < 0.55:
            warned = earlier[int(rng.integers(0, len(earlier)))]
            pick = rng.random()
            if pick < 0.3:  # the same rider on another bike
                person = warned.person
            elif pick < 0.45 and warned.vrm:  # the same bike, another rider
                vrm = warned.vrm
            else:
                person, vrm = warned.person, warned.vrm
        out.append(_Outcome(at, "S59-SEIZE", "POLICE", person, vrm, row[0], coords(row)))
    warned_people = [(o.person, o.at) for o in out]
    # Arrests, and charges for most of them some weeks later (recorded by date only).
    for row in closed_with("ARREST", 20):
        person, vrm = subject(with_vrm=0.5)
        arrest = _Outcome(after(row), "ARREST", "POLICE", person, vrm, row[0], coords(row))
        out.append(arrest)
        charged = arrest.at + timedelta(days=int(rng.integers(14, 60)))
        if rng.random() < 0.6 and charged <= end:
            day = datetime.combine(charged.date(), datetime.min.time())
            out.append(_Outcome(day, "CHARGE", "POLICE", person, vrm, row[0], time_known=False))
    # Tenancy actions by housing providers and councils after an s.59 event is shared.
    for i in rng.choice(len(warned_people), size=45, replace=False):
        person, since = warned_people[int(i)]
        acted = since.date() + timedelta(days=int(rng.integers(7, 70)))
        if acted > end.date():
            continue
        kind = str(rng.choice(["TENANCY-WARN", "TENANCY-ABC", "TENANCY-NOTICE"], p=[0.55, 0.3, 0.15]))
        agency = str(rng.choice(["HOUSING", "COUNCIL"], p=[0.75, 0.25]))
        out.append(
            _Outcome(datetime.combine(acted, datetime.min.time()), kind, agency, person, "", time_known=False)
        )

    out.sort(key=lambda o: (o.at, o.outcome_type))
    rows = []
    for i, o in enumerate(out):
        if o.time_known:
            when = f"{o.at:%Y-%m-%dT%H:%M}" if rng.random() < 0.7 else f"{o.at:%d/%m/%Y %H:%M}"
        else:
            when = f"{o.at:%Y-%m-%d}" if rng.random() < 0.6 else f"{o.at:%d/%m/%Y}"
        vrm = o.vrm.replace(" ", "") if rng.random() < 0.25 else o.vrm
        planted.extend(p for p in (vrm, o.person) if p)
        rows.append(
            [
                f"OUT-{year}-{i + 1:05d}",
                when,
                o.outcome_type,
                outcomes_source.AGENCIES[o.agency],
                o.incident_ref,
                vrm,
                o.person,
                *o.coords,
            ]
        )

    # A few bad rows of every kind.
    return rows + bad_rows.outcome_rows(next(r for r in rows if r[7]), year, repeat=rows[3])
