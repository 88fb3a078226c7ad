"""Ingest files outside the nightly flow (``endurance ingest``), with a run record.

Loads the reference geography first when the warehouse has none (staging needs the
force area to check coordinates and the gazetteer to resolve place names), then loads
every file and records the run in ``ops.runs`` like a flow run.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import asdict
from pathlib import Path

from endurance import geography, sources, warehouse
from endurance.forces import gazetteers, profiles_in_use
from endurance.settings import Settings
from endurance.sources import FileLoad, outcomes
from endurance.sources._readers import ColumnMapping


def reconcile(loads: list[FileLoad]) -> dict[str, object]:
    """Add up file loads into run totals, with rejects by reason."""
    keys = ("rows_in", "staged", "rejected", "duplicate", "unlocated", "repaired")
    totals: dict[str, object] = {k: sum(getattr(load, k) for load in loads) for k in keys}
    reasons: dict[str, int] = {}
    for load in loads:
        for reason, n in load.rejects_by_reason.items():
            reasons[reason] = reasons.get(reason, 0) + n
    totals["rejects_by_reason"] = dict(sorted(reasons.items()))
    totals["files"] = len(loads)
    totals["already_loaded"] = sum(load.status == "already_loaded" for load in loads)
    totals["reconciled"] = all(load.reconciles for load in loads)
    return totals


def ingest_files(
    settings: Settings,
    paths: list[Path],
    *,
    source: str | None = None,
    mapping_path: Path | None = None,
    progress: Callable[[sources.InputFile], None] | None = None,
) -> tuple[str, list[FileLoad]]:
    """Load ``paths`` into the warehouse named by ``settings``; return the run id and loads."""
    mapping = ColumnMapping.from_yaml(mapping_path) if mapping_path else None
    record = warehouse.RunRecord(
        flow="cli-ingest",
        settings=settings.describe(),
        parameters={
            "paths": [str(p) for p in paths],
            "source": source,
            "mapping": str(mapping_path) if mapping_path else None,
        },
    )
    with warehouse.connect(settings.db_path) as con, warehouse.recording(con, record):
        forces = profiles_in_use(settings)
        if geography.ensure_official_layers(con, env_dir=settings.geodata_dir, forces=forces):
            geography.load_hotspots(con, gazetteers(forces))
        loads = sources.ingest_paths(
            con, paths, source=source, mapping=mapping, run_id=record.run_id, progress=progress
        )
        repeats = outcomes.flag_repeat_s59(con)
        record.inputs = [asdict(load) for load in loads]
        record.counts = {"inputs": reconcile(loads), "repeat_s59_events": repeats}
    return record.run_id, loads
