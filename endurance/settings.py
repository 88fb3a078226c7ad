"""One typed settings object, read from ``ENDURANCE_*`` environment variables.

Nothing else in the library reads the environment: functions take a ``Settings``
(or the individual paths) as arguments, so tests and flows can run side by side with
different warehouses.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field, fields
from pathlib import Path

#: The protective marking maps carry unless ``ENDURANCE_MARKING`` says otherwise.
DEFAULT_MARKING = "OFFICIAL-SENSITIVE"


def _path_or_none(value: str | None) -> Path | None:
    return Path(value).expanduser() if value else None


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
        every map and its PNG (default ``OFFICIAL-SENSITIVE``, the Government Security
        Classification a force gives tasking products that hold policing locations).
    """

    out_dir: Path = Path("out")
    db_path: Path = field(default=Path("out/endurance.duckdb"))
    geodata_dir: Path | None = None
    prefect_home: Path = field(default=Path("out/.prefect"))
    output_vintage: str = "2024"
    suppression_threshold: int = 5
    marking: str = DEFAULT_MARKING

    @classmethod
    def from_env(cls, environ: dict[str, str] | None = None) -> Settings:
        """Build settings from ``ENDURANCE_*`` variables, falling back to the defaults."""
        env = os.environ if environ is None else environ
        out_dir = Path(env.get("ENDURANCE_OUT") or "out").expanduser()
        threshold = env.get("ENDURANCE_SUPPRESS_BELOW", "5")
        if not threshold.isdigit() or int(threshold) < 1:
            raise ValueError(
                f"ENDURANCE_SUPPRESS_BELOW must be a whole number of at least 1, got {threshold!r}"
            )
        return cls(
            out_dir=out_dir,
            db_path=_path_or_none(env.get("ENDURANCE_DB")) or out_dir / "endurance.duckdb",
            geodata_dir=_path_or_none(env.get("ENDURANCE_GEODATA")),
            prefect_home=_path_or_none(env.get("ENDURANCE_PREFECT_HOME")) or out_dir / ".prefect",
            output_vintage=env.get("ENDURANCE_WARD_VINTAGE") or "2024",
            suppression_threshold=int(threshold),
            marking=(env.get("ENDURANCE_MARKING") or "").strip() or DEFAULT_MARKING,
        )

    @property
    def maps_dir(self) -> Path:
        return self.out_dir / "maps"

    @property
    def exports_dir(self) -> Path:
        return self.out_dir / "exports"

    def describe(self) -> dict[str, str]:
        """Return every field as text, for run records and ``endurance settings``."""
        return {f.name: str(getattr(self, f.name)) for f in fields(self)}
