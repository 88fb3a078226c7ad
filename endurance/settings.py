"""One typed settings object, read from ``ENDURANCE_*`` environment variables.

Nothing else in the library reads the environment: functions take a ``Settings``
(or the individual paths) as arguments, so tests and flows can run side by side with
different warehouses.
"""

from __future__ import annotations

import os
import re
from collections.abc import Mapping
from dataclasses import dataclass, field, fields
from datetime import date
from pathlib import Path
from typing import Any

from endurance._errors import SettingsError
from endurance.forces import DEFAULT_FORCES, DEFAULT_PROFILES, force_keys, profiles_named

WEEKDAYS = ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday")
POLICEUK_API = "https://data.police.uk/api"

#: The protective marking of the first force in use by default (its profile's), which
#: maps, PNGs and briefing packs carry unless ``ENDURANCE_MARKING`` says otherwise.
DEFAULT_MARKING = DEFAULT_PROFILES[0].marking


def tile_template(value: str | None, *, name: str = "--tiles") -> str | None:
    """Check a tile server's URL template: http(s), with ``{z}``, ``{x}`` and ``{y}``; empty is none."""
    value = (value or "").strip()
    if not value:
        return None
    missing = [part for part in ("{z}", "{x}", "{y}") if part not in value]
    if missing or not value.startswith(("http://", "https://")):
        raise SettingsError(
            f"{name} must be an http(s) URL template holding {{z}}, {{x}} and {{y}}, such as "
            f"https://tiles.example/{{z}}/{{x}}/{{y}}.png; got {value!r}"
            + (f" (missing {', '.join(missing)})" if missing else "")
        )
    return value


def _path_or_none(value: str | None) -> Path | None:
    return Path(value).expanduser() if value else None


_TRUE = ("true", "1", "yes", "on")
_FALSE = ("false", "0", "no", "off", "")


def _flag(env: Mapping[str, str], name: str) -> bool:
    value = env.get(name, "").strip().lower()
    if value not in _TRUE + _FALSE:
        raise SettingsError(f"{name} must be true or false, got {env[name]!r}")
    return value in _TRUE


def _text(value: object) -> str:
    if isinstance(value, tuple):
        return ",".join(_text(v) for v in value)
    return value.isoformat() if isinstance(value, date) else str(value)


def _operations_settings(env: Mapping[str, str]) -> dict[str, Any]:
    """Read the schedule, server and locking settings, listing every bad value at once."""
    problems = []
    wait = env.get("ENDURANCE_LOCK_WAIT") or "600"
    try:
        lock_wait = float(wait)
        if not 0 <= lock_wait < float("inf"):
            raise ValueError
    except ValueError:
        problems.append(f"ENDURANCE_LOCK_WAIT must be a number of seconds, 0 or more; got {wait!r}")
        lock_wait = 0.0
    port = env.get("ENDURANCE_PREFECT_PORT") or "4200"
    if not port.isdigit() or not 1 <= int(port) <= 65535:
        problems.append(f"ENDURANCE_PREFECT_PORT must be a TCP port from 1 to 65535; got {port!r}")
    day = (env.get("ENDURANCE_BRIEFING_DAY") or "Tuesday").strip().capitalize()
    if day not in WEEKDAYS:
        problems.append(
            f"ENDURANCE_BRIEFING_DAY must be a day of the week ({', '.join(WEEKDAYS)}); got {day!r}"
        )
    time = (env.get("ENDURANCE_BRIEFING_TIME") or "07:00").strip()
    if not re.fullmatch(r"([01]\d|2[0-3]):[0-5]\d", time):
        problems.append(f"ENDURANCE_BRIEFING_TIME must be a 24-hour time HH:MM (e.g. 07:00); got {time!r}")
    extra = []
    for text in filter(None, (t.strip() for t in (env.get("ENDURANCE_EXTRA_HOLIDAYS") or "").split(","))):
        try:
            extra.append(date.fromisoformat(text))
        except ValueError:
            problems.append(
                f"ENDURANCE_EXTRA_HOLIDAYS must list dates YYYY-MM-DD, comma-separated; got {text!r}"
            )
    if problems:
        raise SettingsError("; ".join(problems))
    return {
        "lock_wait": lock_wait,
        "prefect_port": int(port),
        "briefing_day": day,
        "briefing_time": time,
        "extra_holidays": tuple(sorted(extra)),
        "policeuk_api_url": env.get("ENDURANCE_POLICEUK_API") or POLICEUK_API,
    }


@dataclass(frozen=True)
class Settings:
    """Where the pipeline reads and writes.

    Attributes
    ----------
    out_dir
        ``ENDURANCE_OUT``: folder for maps, exports and demo inputs (default ``out``).
    db_path
        ``ENDURANCE_DB``: the DuckDB warehouse file (default ``<out_dir>/endurance.duckdb``).
    geodata_dir
        ``ENDURANCE_GEODATA``: folder holding the official boundary files
        (``cleveland_wards_<vintage>.geojson`` and friends). The Makefile points it at
        ``../shared/geodata`` when that folder exists.
    prefect_home
        ``ENDURANCE_PREFECT_HOME``: ``PREFECT_HOME`` for local flow runs, so runs of
        this project keep their Prefect database beside the outputs
        (default ``<out_dir>/.prefect``).
    output_vintage
        ``ENDURANCE_WARD_VINTAGE``: the ward boundary vintage used by maps and council
        exports (default ``2024``, the wards in force now). Every vintage present is
        loaded and attributed; this only picks the one partners see.
    suppression_threshold
        ``ENDURANCE_SUPPRESS_BELOW``: counts from 1 up to this value minus one are shown
        as ``<N`` in partner exports (default 5, so 1 to 4 show as ``<5``).
    marking
        ``ENDURANCE_MARKING``: the protective marking printed at the top and bottom of
        every map, its PNG and the briefing pack (default the first force in use's
        marking, ``OFFICIAL-SENSITIVE`` for both shipped forces: the Government Security
        Classification a force gives tasking products that hold policing locations).
    share_handling_c
        ``ENDURANCE_SHARE_HANDLING_C``: count intelligence with handling code C (sharing
        with conditions) in council exports as well as P (default ``false``). Turn it on
        only where a documented information-sharing agreement with the receiving
        councils covers C-coded intelligence; exports say which codes they count.
    lock_wait
        ``ENDURANCE_LOCK_WAIT``: seconds a connection waits for the warehouse while
        another process writes it (or, for a writer, reads it), before failing with a
        message naming the holder (default 600).
    prefect_port
        ``ENDURANCE_PREFECT_PORT``: port of the local Prefect server and its UI that
        ``endurance serve`` starts and ``endurance trigger`` talks to (default 4200).
    briefing_day, briefing_time
        ``ENDURANCE_BRIEFING_DAY`` and ``ENDURANCE_BRIEFING_TIME``: when the weekly
        tasking briefing is built, Europe/London time (default Tuesday 07:00, before
        the tasking meeting).
    extra_holidays
        ``ENDURANCE_EXTRA_HOLIDAYS``: days off besides the England and Wales bank
        holidays the code knows (a newly proclaimed one), as ``YYYY-MM-DD,...``;
        the council export waits for the first working day after them.
    policeuk_api_url
        ``ENDURANCE_POLICEUK_API``: root of the data.police.uk API for the monthly pull
        (default ``https://data.police.uk/api``).
    tiles
        ``ENDURANCE_TILES``: URL template of a tile server for the maps' background,
        such as the force's own (``https://tiles.force.example/{z}/{x}/{y}.png``; it
        must hold ``{z}``, ``{x}`` and ``{y}``). Unset (the default), maps have no
        background tiles and need no network.
    forces
        ``ENDURANCE_FORCES``: the forces in use, comma-separated keys of the shipped
        profiles (``endurance.forces``; default ``cleveland``). The official layers of
        every force in use are loaded and events attributed across all of them.
    """

    out_dir: Path = Path("out")
    db_path: Path = field(default=Path("out/endurance.duckdb"))
    geodata_dir: Path | None = None
    prefect_home: Path = field(default=Path("out/.prefect"))
    output_vintage: str = "2024"
    suppression_threshold: int = 5
    share_handling_c: bool = False
    lock_wait: float = 600.0
    prefect_port: int = 4200
    briefing_day: str = "Tuesday"
    briefing_time: str = "07:00"
    extra_holidays: tuple[date, ...] = ()
    policeuk_api_url: str = POLICEUK_API
    marking: str = DEFAULT_MARKING
    tiles: str | None = None
    forces: tuple[str, ...] = DEFAULT_FORCES

    @classmethod
    def from_env(cls, environ: dict[str, str] | None = None) -> Settings:
        """Build settings from ``ENDURANCE_*`` variables, falling back to the defaults."""
        env = os.environ if environ is None else environ
        out_dir = Path(env.get("ENDURANCE_OUT") or "out").expanduser()
        threshold = env.get("ENDURANCE_SUPPRESS_BELOW", "5")
        if not threshold.isdigit() or int(threshold) < 1:
            raise SettingsError(
                f"ENDURANCE_SUPPRESS_BELOW must be a whole number of at least 1, got {threshold!r}"
            )
        forces = force_keys(env.get("ENDURANCE_FORCES"))
        return cls(
            out_dir=out_dir,
            db_path=_path_or_none(env.get("ENDURANCE_DB")) or out_dir / "endurance.duckdb",
            geodata_dir=_path_or_none(env.get("ENDURANCE_GEODATA")),
            prefect_home=_path_or_none(env.get("ENDURANCE_PREFECT_HOME")) or out_dir / ".prefect",
            output_vintage=env.get("ENDURANCE_WARD_VINTAGE") or "2024",
            suppression_threshold=int(threshold),
            share_handling_c=_flag(env, "ENDURANCE_SHARE_HANDLING_C"),
            **_operations_settings(env),
            marking=(env.get("ENDURANCE_MARKING") or "").strip() or profiles_named(forces)[0].marking,
            tiles=tile_template(env.get("ENDURANCE_TILES"), name="ENDURANCE_TILES"),
            forces=forces,
        )

    @property
    def briefing_weekday(self) -> int:
        """The meeting's weekday as a number, Monday 0."""
        return WEEKDAYS.index(self.briefing_day)

    @property
    def maps_dir(self) -> Path:
        """Where maps are written: ``maps`` under ``out_dir``."""
        return self.out_dir / "maps"

    @property
    def exports_dir(self) -> Path:
        """Where council exports are written: ``exports`` under ``out_dir``."""
        return self.out_dir / "exports"

    @property
    def inbox_dirs(self) -> tuple[Path, ...]:
        """The folders the nightly deployment loads new input files from: each force in use's inbox."""
        from endurance.forces import profiles_named

        return tuple(self.out_dir / profile.inbox for profile in profiles_named(self.forces))

    @property
    def policeuk_dir(self) -> Path:
        """Folder that police.uk API pulls are written to."""
        return self.out_dir / "policeuk"

    def describe(self) -> dict[str, str]:
        """Return every field as text, for run records and ``endurance settings``."""
        return {f.name: _text(getattr(self, f.name)) for f in fields(self)}
