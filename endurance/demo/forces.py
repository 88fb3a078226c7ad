"""Say how each force's synthetic year differs: how many, when, which references, which places.

Cleveland's year is the demo's original one (about 3,900 off-road-bike incidents, a
July peak). Durham's is smaller (about 2,000 incidents) and shaped differently, so
the two are told apart on every chart: its summer peak comes later and lasts into
September and October, its winter is quieter, and its weekends (the coast and the
fells fill with riders on spring and autumn weekends) weigh more.

The references each force writes never meet the other's: the sources key rows by
their reference (``INC:``, ``INT:``, ``FIRE:`` and ``OUT:`` plus the reference), police.uk
crimes by their Crime ID, and repeat s.59 warnings are found by person reference, so
every one carries the force's own prefix. Each force draws from its own random
stream: Cleveland's from the seed itself (its files are those it always wrote),
Durham's from ``[seed, 1]``, so adding a force never changes another's files.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

import numpy as np

from endurance._errors import ArgumentError
from endurance.demo import timing
from endurance.forces import CLEVELAND, DURHAM, ForceProfile


@dataclass(frozen=True)
class Refs:
    """The reference prefixes of one force's rows, so no key meets another force's.

    Attributes
    ----------
    incident
        Control-room incident numbers: ``{incident}-YYYYMMDD-NNNNN``.
    intelligence, fire, outcome
        Intelligence, fire and outcome references: ``{prefix}-YYYY-NNNNN``.
    person
        Person references in the outcomes: ``{person}-NNNNN``.
    crime_salt
        Mixed into the hash police.uk Crime IDs are drawn from.
    """

    incident: str
    intelligence: str
    fire: str
    outcome: str
    person: str
    crime_salt: str


@dataclass(frozen=True)
class Moor:
    """The open land where a force's deliberate grass fires cluster, and how rows name it.

    Attributes
    ----------
    hotspot_id
        The gazetteer place the fires cluster on.
    name, places
        Fire addresses read ``"{name}, {place}"``.
    short, moor
        How a log's location and narrative name it (``Eston``, ``Eston Moor``).
    station
        The fire station that attends.
    """

    hotspot_id: str
    name: str
    places: tuple[str, ...]
    short: str
    moor: str
    station: str


@dataclass(frozen=True)
class Outcomes:
    """How many enforcement outcomes of each kind a force's year holds (at most)."""

    warnings: int  # s.59 warnings raised from logged incidents
    patrol_warnings: int  # the Rural Task Force's own, not from a logged call
    repeat_warnings: int
    seizures: int
    arrests: int
    tenancy_actions: int


@dataclass(frozen=True, eq=False)
class DemoForce:
    """One force's synthetic year: volumes, seasons, references and places.

    Attributes
    ----------
    profile
        The force.
    stream
        Its random stream: 0 draws from the seed itself, ``k`` from ``[seed, k]``.
    subfolder, file_tag
        Where under the demo folder its files go, and what their names carry.
    incidents, other_calls
        Off-road-bike incidents and other calls in the control-room log.
    intelligence, echoes
        Community intelligence reports, and of them reports of logged incidents.
    asb_per_month, crimes_per_month
        Mean police.uk antisocial behaviour and crime rows a month.
    fire_share
        Its fires per kind, as a share of Cleveland's (``fire.FIRE_KINDS``).
    month_weights, weekday_weights
        When its incidents happen (see ``timing``).
    """

    profile: ForceProfile
    stream: int
    subfolder: str
    file_tag: str
    incidents: int
    other_calls: int
    intelligence: int
    echoes: int
    asb_per_month: int
    crimes_per_month: int
    fire_share: float
    month_weights: np.ndarray
    weekday_weights: np.ndarray
    refs: Refs
    outcomes: Outcomes
    moor: Moor
    fire_stations: tuple[str, ...]
    #: Stations named by the bad fire rows outside the area and with no location.
    bad_row_stations: tuple[str, str]

    def timestamps(self, n: int, year: int, rng: np.random.Generator) -> list[datetime]:
        """Return ``n`` sorted times in ``year`` in the force's seasons (``timing.timestamps``)."""
        return timing.timestamps(
            n, year, rng, month_weights=self.month_weights, weekday_weights=self.weekday_weights
        )


#: Cleveland's year, as the demo has always written it.
CLEVELAND_YEAR = DemoForce(
    profile=CLEVELAND,
    stream=0,
    subfolder="",
    file_tag="",
    incidents=3900,
    other_calls=420,
    intelligence=620,
    echoes=40,
    asb_per_month=1400,
    crimes_per_month=4200,
    fire_share=1.0,
    month_weights=timing.MONTH_WEIGHTS,
    weekday_weights=timing.WEEKDAY_WEIGHTS,
    refs=Refs("CLE", "INT", "CFB", "OUT", "PER-SYN", crime_salt=""),
    outcomes=Outcomes(130, 20, 8, 50, 20, 45),
    moor=Moor(
        "eston-hills",
        "Eston Hills",
        ("near Eston Nab", "off Flatts Lane", "above Normanby", "Barnaby Moor", "Eston Moor"),
        short="Eston",
        moor="Eston Moor",
        station="Grangetown",
    ),
    fire_stations=(
        "Billingham",
        "Coulby Newham",
        "Grangetown",
        "Guisborough",
        "Hartlepool Stranton",
        "Headland",
        "Loftus",
        "Middlesbrough",
        "Redcar",
        "Skelton",
        "Stockton",
        "Thornaby",
    ),
    bad_row_stations=("Stockton", "Redcar"),
)


#: Durham's year: about half Cleveland's volume, a later peak, its own places.
DURHAM_YEAR = DemoForce(
    profile=DURHAM,
    stream=1,
    subfolder="durham",
    file_tag="_durham",
    incidents=2000,
    other_calls=240,
    intelligence=330,
    echoes=25,
    asb_per_month=1000,
    crimes_per_month=3800,
    fire_share=0.6,
    month_weights=timing.DURHAM_MONTH_WEIGHTS,
    weekday_weights=timing.DURHAM_WEEKDAY_WEIGHTS,
    refs=Refs("DUR", "INT-DUR", "DFR", "OUT-DUR", "PER-DUR", crime_salt="durham:"),
    outcomes=Outcomes(70, 12, 5, 28, 10, 24),
    moor=Moor(
        "DUR-waldridge-fell",
        "Waldridge Fell",
        ("by the car park", "the fell top", "off the bridleway", "near Waldridge village", "the heath"),
        short="Waldridge",
        moor="Waldridge Fell",
        station="Chester-le-Street",
    ),
    fire_stations=(
        "Barnard Castle",
        "Bishop Auckland",
        "Chester-le-Street",
        "Consett",
        "Crook",
        "Darlington",
        "Durham",
        "Newton Aycliffe",
        "Peterlee",
        "Seaham",
        "Sedgefield",
        "Spennymoor",
        "Stanhope",
        "Wheatley Hill",
    ),
    bad_row_stations=("Darlington", "Peterlee"),
)


#: Every force the demo writes a year for, by key.
YEARS: dict[str, DemoForce] = {year.profile.key: year for year in (CLEVELAND_YEAR, DURHAM_YEAR)}


def demo_force(profile: ForceProfile) -> DemoForce:
    """Return the synthetic year of force ``profile``.

    Raises
    ------
    ArgumentError
        If the demo has no synthetic year for the force, naming those it has.
    """
    if profile.key not in YEARS:
        raise ArgumentError(
            f"the demo has no synthetic year for force {profile.key!r}; it has {', '.join(YEARS)}"
        )
    return YEARS[profile.key]
