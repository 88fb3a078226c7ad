"""The police forces the pipeline serves, each described once by a profile.

Operation Endurance runs across two forces that share a boundary and one motorcycle
section: Cleveland Police and Durham Constabulary. Everything that differs between
them lives in a :class:`ForceProfile`: the force area's GSS code and name, how
data.police.uk names it (the URL slug and the ``Falls within`` column), its local
authorities, where its boundary files lie under ``ENDURANCE_GEODATA``, its gazetteer
of named hotspots, its protective marking and its inbox folder.

``ENDURANCE_FORCES`` (``Settings.forces``) names the forces in use, comma-separated;
the default is Cleveland alone. The official layers of every force in use are loaded
into the same ``geo`` tables (wards, LSOAs, authorities and force areas), so
attribution places an event in the force, ward and LSOA where it happened, whichever
force reported it: police.uk's ``Falls within`` names the reporting force, which can
differ from where the point lies.

Boundary files of a force are found by glob patterns relative to the geodata folder,
one per layer kind; each file states its vintage (its ``vintage`` property), so a
pattern yields the force's layers by vintage. Cleveland's files lie at the top of the
folder (as they always have), Durham's wards and LSOAs in its ``durham/`` subfolder;
the authority and force-area outlines of both are shared files at the top. A third
force needs a profile here and its boundary files, nothing else.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from endurance._errors import ArgumentError, SettingsError

if TYPE_CHECKING:
    from endurance.settings import Settings

_GEODATA = Path(__file__).resolve().parents[1] / "geodata"


@dataclass(frozen=True)
class ForceProfile:
    """One police force: its codes, names, authorities, boundary files and outputs.

    Attributes
    ----------
    key
        The name used in ``ENDURANCE_FORCES`` (``cleveland``, ``durham``).
    force_code, area_name
        The police force area's GSS code (``E23...``) and name in the ONS file.
    name
        The force's own name, as police.uk's ``Falls within`` and ``Reported by`` give it.
    policeuk_slug
        The force's identifier in data.police.uk file names and API calls.
    fire_service
        The fire and rescue service whose deliberate secondary fires the force receives.
    authorities
        ``(lad_code, lad_name)`` of each local authority in the force area.
    layers
        ``(kind, pattern)``: glob patterns, relative to the geodata folder, of the
        force's official boundary files (kinds ``ward``, ``lad``, ``force_area``,
        ``lsoa``); files shared by several forces are loaded once.
    gazetteer
        The force's named-hotspot gazetteer, or ``None`` while it has none.
    marking
        The protective marking its products carry by default.
    inbox
        Folder under ``ENDURANCE_OUT`` that its new input files arrive in.
    """

    key: str
    force_code: str
    area_name: str
    name: str
    policeuk_slug: str
    fire_service: str
    authorities: tuple[tuple[str, str], ...]
    layers: tuple[tuple[str, str], ...]
    gazetteer: Path | None
    marking: str
    inbox: str

    @property
    def lad_codes(self) -> tuple[str, ...]:
        """Return the GSS codes of the force's local authorities."""
        return tuple(code for code, _ in self.authorities)

    def patterns(self, kind: str) -> tuple[str, ...]:
        """Return the glob patterns of the force's boundary files of one kind."""
        return tuple(pattern for k, pattern in self.layers if k == kind)


#: The four unitary authorities of the Cleveland force area; its files at the top of the
#: shared geodata folder, as before forces had profiles.
CLEVELAND = ForceProfile(
    key="cleveland",
    force_code="E23000013",
    area_name="Cleveland",
    name="Cleveland Police",
    policeuk_slug="cleveland",
    fire_service="Cleveland Fire Brigade",
    authorities=(
        ("E06000001", "Hartlepool"),
        ("E06000002", "Middlesbrough"),
        ("E06000003", "Redcar and Cleveland"),
        ("E06000004", "Stockton-on-Tees"),
    ),
    layers=(
        ("ward", "*wards_*.geojson"),
        ("lad", "*lads_*.geojson"),
        ("force_area", "police_force_areas_*.geojson"),
        ("lsoa", "*lsoa_*.geojson"),
    ),
    gazetteer=_GEODATA / "hotspots.geojson",
    marking="OFFICIAL-SENSITIVE",
    inbox="inbox",
)

#: County Durham and Darlington; wards (electoral divisions in County Durham) and LSOAs
#: in ``durham/``; its gazetteer is ``geodata/hotspots_durham.geojson``.
DURHAM = ForceProfile(
    key="durham",
    force_code="E23000008",
    area_name="Durham",
    name="Durham Constabulary",
    policeuk_slug="durham",
    fire_service="County Durham and Darlington Fire and Rescue Service",
    authorities=(("E06000005", "Darlington"), ("E06000047", "County Durham")),
    layers=(
        ("ward", "durham/*wards_*.geojson"),
        ("lad", "*lads_*.geojson"),
        ("force_area", "police_force_areas_*.geojson"),
        ("lsoa", "durham/*lsoa_*.geojson"),
    ),
    gazetteer=_GEODATA / "hotspots_durham.geojson",
    marking="OFFICIAL-SENSITIVE",
    inbox="inbox-durham",
)

#: Every force the project ships a profile for, by key.
SHIPPED: dict[str, ForceProfile] = {profile.key: profile for profile in (CLEVELAND, DURHAM)}

#: The forces in use when ``ENDURANCE_FORCES`` is not set.
DEFAULT_FORCES: tuple[str, ...] = ("cleveland",)

#: The profiles of the default forces, for library functions called without settings.
DEFAULT_PROFILES: tuple[ForceProfile, ...] = tuple(SHIPPED[key] for key in DEFAULT_FORCES)

#: The force that code serving one force at a time (backtests, maps, the police.uk pull,
#: incident linking) serves until it learns to take a force: the first default force.
DEFAULT_FORCE: ForceProfile = DEFAULT_PROFILES[0]


def force_keys(value: str | None, *, name: str = "ENDURANCE_FORCES") -> tuple[str, ...]:
    """Parse a comma-separated list of force keys; empty means the default forces.

    Raises
    ------
    SettingsError
        Naming every unknown key and listing the shipped forces.
    """
    keys = [k.strip().lower() for k in (value or "").split(",") if k.strip()]
    if not keys:
        return DEFAULT_FORCES
    unknown = [k for k in keys if k not in SHIPPED]
    if unknown:
        raise SettingsError(
            f"{name} names unknown force(s) {', '.join(repr(k) for k in unknown)}; "
            f"the shipped forces are {', '.join(SHIPPED)} (e.g. {name}=cleveland,durham)"
        )
    return tuple(dict.fromkeys(keys))


def profiles_named(keys: Iterable[str]) -> tuple[ForceProfile, ...]:
    """Return the profiles of ``keys`` in order (see :func:`force_keys` for checking them)."""
    return tuple(SHIPPED[key] for key in force_keys(",".join(keys)))


def profiles_in_use(settings: Settings) -> tuple[ForceProfile, ...]:
    """Return the profiles of the forces ``ENDURANCE_FORCES`` names (``Settings.forces``)."""
    return profiles_named(settings.forces)


def gazetteers(profiles: Iterable[ForceProfile]) -> tuple[Path, ...]:
    """Return the named-hotspot gazetteers of ``profiles``, in their order."""
    return tuple(profile.gazetteer for profile in profiles if profile.gazetteer is not None)


def force_of_lad(lad_code: str, profiles: Iterable[ForceProfile] = SHIPPED.values()) -> ForceProfile | None:
    """Return the force whose area holds local authority ``lad_code``, or ``None``."""
    return next((p for p in profiles if lad_code in p.lad_codes), None)


#: The key of the analysis area covering every force loaded: the joint operation.
JOINT = "joint"


@dataclass(frozen=True)
class AnalysisArea:
    """What one set of hotspot marts, maps, exports and briefing packs covers.

    One force area (key: the force's key), or the joint operation over every force in
    use (key ``joint``): its study area is the union of their force areas, its wards
    and authorities theirs.
    """

    key: str
    name: str
    forces: tuple[ForceProfile, ...]

    @property
    def force_codes(self) -> tuple[str, ...]:
        """Return the GSS codes of the police force areas covered."""
        return tuple(force.force_code for force in self.forces)

    @property
    def lad_codes(self) -> tuple[str, ...]:
        """Return the GSS codes of the local authorities covered."""
        return tuple(code for force in self.forces for code in force.lad_codes)

    @property
    def label(self) -> str:
        """Return the area as titles and file names give it: ``Durham force area``, ``joint operation``."""
        return f"{self.name} force area" if len(self.forces) == 1 else f"joint operation ({self.name})"


def analysis_areas(profiles: Iterable[ForceProfile]) -> tuple[AnalysisArea, ...]:
    """Return the analysis areas of ``profiles``: each force's, then the joint one when there are several."""
    forces = tuple(profiles)
    areas = [AnalysisArea(force.key, force.area_name, (force,)) for force in forces]
    if len(forces) > 1:
        areas.append(AnalysisArea(JOINT, " and ".join(force.area_name for force in forces), forces))
    return tuple(areas)


def analysis_area(key: str | None, profiles: Iterable[ForceProfile]) -> AnalysisArea:
    """Return the analysis area ``key`` of ``profiles``; ``None`` is the widest (joint, or the only force).

    Raises
    ------
    ArgumentError
        Naming the key and listing the areas there are.
    """
    areas = analysis_areas(profiles)
    if key is None:
        return areas[-1]
    found = next((area for area in areas if area.key == key.strip().lower()), None)
    if found is None:
        raise ArgumentError(
            f"no analysis area {key!r}: the forces loaded give {', '.join(a.key for a in areas)}"
            + ("" if len(areas) > 1 else f" (set ENDURANCE_FORCES=cleveland,durham for {JOINT!r})")
        )
    return found


def area_suffix(area: AnalysisArea, areas: Sequence[AnalysisArea]) -> str:
    """Return what output file names of ``area`` end with, among the ``areas`` in use.

    Nothing for the widest area (the joint operation, or the only force): its files keep
    the names they had before there were several forces; ``_<key>`` for a force when
    there are several (``hotspots_2025-01_to_2025-12_durham.html``).
    """
    return "" if area.key == areas[-1].key else f"_{area.key}"
