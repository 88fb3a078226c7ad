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
from endurance.demo.forces import DemoForce
from endurance.demo.geography import DemoGeography, clustered_points, coordinate_cells
from endurance.demo.people import fake_vrm
from endurance.demo.timing import created_at
from endurance.sources import outcomes as outcomes_source


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
    force: DemoForce,
    incident_rows: list[list[str]],
    year: int,
    rng: np.random.Generator,
    planted: list[str],
) -> list[list[str]]:
    """Return the enforcement outcomes as rows, then a few bad rows of every kind.

    s.59 warnings and seizures follow logged incidents, some riders are warned or seized
    again, arrests lead to charges, and housing providers act on tenancies. The steps
    draw from ``rng`` in a fixed order, so the same seed writes the same file.
    """
    end = datetime(year, 12, 31, 23, 59)
    draws = _Draws(rng, force, _logged_incidents(force, incident_rows))
    out = _warnings(draws, geo, year)
    out += _repeat_warnings(draws, out, end)
    out += _seizures(draws, out)
    warned_people = [(o.person, o.at) for o in out]
    out += _arrests_and_charges(draws, end)
    out += _tenancy_actions(draws, warned_people, end)
    out.sort(key=lambda o: (o.at, o.outcome_type))
    rows = _written_rows(out, force, year, rng, planted)
    # A few bad rows of every kind.
    return rows + bad_rows.outcome_rows(next(r for r in rows if r[7]), year, repeat=rows[3], force=force)


def _logged_incidents(force: DemoForce, incident_rows: list[list[str]]) -> dict[str, list[str]]:
    """Return the first row of each well-formed incident reference of the force in the log."""
    well_formed = re.compile(rf"{re.escape(force.refs.incident)}-\d{{8}}-\d{{5}}")
    incidents: dict[str, list[str]] = {}
    for row in incident_rows:
        if well_formed.fullmatch(row[0]):
            incidents.setdefault(row[0], row)
    return incidents


class _Draws:
    """The random draws every kind of outcome shares: incidents, people, delays, and how many."""

    def __init__(self, rng: np.random.Generator, force: DemoForce, incidents: dict[str, list[str]]) -> None:
        self.rng = rng
        self.force = force
        self.volumes = force.outcomes
        self.incidents = incidents
        self._people = iter(range(1, 10_000))

    def subject(self, *, with_vrm: float = 0.9) -> tuple[str, str]:
        """Return a new person reference and, most of the time, a fake VRM."""
        return f"{self.force.refs.person}-{next(self._people):05d}", (
            fake_vrm(self.rng) if self.rng.random() < with_vrm else ""
        )

    def closed_with(self, code: str, k: int) -> list[list[str]]:
        """Pick up to ``k`` logged incidents closed with ``code``, in the order they were logged."""
        found = [r for r in self.incidents.values() if r[3] == code]
        picked = self.rng.choice(len(found), size=min(k, len(found)), replace=False)
        return sorted((found[i] for i in picked), key=lambda r: created_at(r[1]))

    def after(self, row: list[str]) -> datetime:
        """Return a time 5 to 50 minutes after an incident was logged."""
        return created_at(row[1]) + timedelta(minutes=int(self.rng.integers(5, 50)))


def _coords(row: list[str]) -> tuple[str, str, str, str]:
    """Return the four coordinate cells of an incident row, as logged."""
    return (row[5], row[6], row[7], row[8])


def _warnings(draws: _Draws, geo: DemoGeography, year: int) -> list[_Outcome]:
    """Return s.59 warnings raised from logged incidents, then the Rural Task Force's own."""
    out = [
        _Outcome(draws.after(row), "S59-WARN", "POLICE", *draws.subject(), row[0], _coords(row))
        for row in draws.closed_with("S59-WARN", draws.volumes.warnings)
    ]
    # Rural Task Force warnings, not raised from a logged call.
    n = draws.volumes.patrol_warnings
    points = clustered_points(geo.rural, n, draws.rng, cores=6, sigma=500.0)
    for stamp, (x, y) in zip(draws.force.timestamps(n, year, draws.rng), points, strict=True):
        cells = coordinate_cells(x, y, draws.rng, latlon_share=0.5)
        out.append(
            _Outcome(
                stamp, "S59-WARN", "POLICE", *draws.subject(), coords=(cells[0], cells[1], cells[2], cells[3])
            )
        )
    return out


def _repeat_warnings(draws: _Draws, warnings: list[_Outcome], end: datetime) -> list[_Outcome]:
    """Return second warnings of riders warned from a logged incident, within 12 months."""
    from_incidents = sum(1 for w in warnings if w.incident_ref)
    again_warned = []
    picks = draws.rng.choice(from_incidents, size=draws.volumes.repeat_warnings, replace=False)
    for first in [warnings[i] for i in picks]:
        again = first.at + timedelta(
            days=int(draws.rng.integers(10, 120)), hours=int(draws.rng.integers(1, 6))
        )
        if again <= end:
            again_warned.append(
                _Outcome(again, "S59-WARN", "POLICE", first.person, first.vrm, coords=first.coords)
            )
    return again_warned


def _seizures(draws: _Draws, warnings: list[_Outcome]) -> list[_Outcome]:
    """Return s.59 seizures: most follow an earlier warning of the same rider or the same bike."""
    seized = []
    for row in draws.closed_with("S59-SEIZE", draws.volumes.seizures):
        at = draws.after(row)
        earlier = [o for o in warnings if o.outcome_type == "S59-WARN" and o.at < at]
        person, vrm = draws.subject()
        if earlier and draws.rng.random() < 0.55:
            person, vrm = _seized_again(draws.rng, earlier, person, vrm)
        seized.append(_Outcome(at, "S59-SEIZE", "POLICE", person, vrm, row[0], _coords(row)))
    return seized


def _seized_again(
    rng: np.random.Generator, earlier: list[_Outcome], person: str, vrm: str
) -> tuple[str, str]:
    """Return who and which bike an earlier warning makes a seizure about."""
    warned = earlier[int(rng.integers(0, len(earlier)))]
    pick = rng.random()
    if pick < 0.3:  # the same rider on another bike
        return warned.person, vrm
    if pick < 0.45 and warned.vrm:  # the same bike, another rider
        return person, warned.vrm
    return warned.person, warned.vrm


def _arrests_and_charges(draws: _Draws, end: datetime) -> list[_Outcome]:
    """Return arrests, and charges for most of them some weeks later (recorded by date only)."""
    out = []
    for row in draws.closed_with("ARREST", draws.volumes.arrests):
        person, vrm = draws.subject(with_vrm=0.5)
        arrest = _Outcome(draws.after(row), "ARREST", "POLICE", person, vrm, row[0], _coords(row))
        out.append(arrest)
        charged = arrest.at + timedelta(days=int(draws.rng.integers(14, 60)))
        if draws.rng.random() < 0.6 and charged <= end:
            day = datetime.combine(charged.date(), datetime.min.time())
            out.append(_Outcome(day, "CHARGE", "POLICE", person, vrm, row[0], time_known=False))
    return out


def _tenancy_actions(
    draws: _Draws, warned_people: list[tuple[str, datetime]], end: datetime
) -> list[_Outcome]:
    """Return tenancy actions by housing providers and councils after an s.59 event is shared."""
    out = []
    rng = draws.rng
    for i in rng.choice(len(warned_people), size=draws.volumes.tenancy_actions, replace=False):
        person, since = warned_people[int(i)]
        acted = since.date() + timedelta(days=int(rng.integers(7, 70)))
        if acted > end.date():
            continue
        kind = str(rng.choice(["TENANCY-WARN", "TENANCY-ABC", "TENANCY-NOTICE"], p=[0.55, 0.3, 0.15]))
        agency = str(rng.choice(["HOUSING", "COUNCIL"], p=[0.75, 0.25]))
        out.append(
            _Outcome(datetime.combine(acted, datetime.min.time()), kind, agency, person, "", time_known=False)
        )
    return out


def _written_rows(
    outcomes: list[_Outcome], force: DemoForce, year: int, rng: np.random.Generator, planted: list[str]
) -> list[list[str]]:
    """Return the outcomes as file rows, in mixed date formats; record the fakes planted."""
    rows = []
    for i, o in enumerate(outcomes):
        if o.time_known:
            when = f"{o.at:%Y-%m-%dT%H:%M}" if rng.random() < 0.7 else f"{o.at:%d/%m/%Y %H:%M}"
        else:
            when = f"{o.at:%Y-%m-%d}" if rng.random() < 0.6 else f"{o.at:%d/%m/%Y}"
        vrm = o.vrm.replace(" ", "") if rng.random() < 0.25 else o.vrm
        planted.extend(p for p in (vrm, o.person) if p)
        rows.append(
            [
                f"{force.refs.outcome}-{year}-{i + 1:05d}",
                when,
                o.outcome_type,
                outcomes_source.AGENCIES[o.agency],
                o.incident_ref,
                vrm,
                o.person,
                *o.coords,
            ]
        )
    return rows
