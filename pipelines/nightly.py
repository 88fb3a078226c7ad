"""The nightly flow: inputs -> staging -> attribution -> marts -> map and council exports.

Each task wraps one library function and opens its own short-lived connection to the
warehouse file, so only one writer holds it at a time. The run is recorded in
``ops.runs`` with its parameters, the input files (sha256 and reconciled counts),
what it wrote and how it ended.
"""

from __future__ import annotations

import os
from dataclasses import asdict
from pathlib import Path
from typing import Any

from prefect import flow, get_run_logger, task

from endurance import exports, freshness, geography, linking, maps, marts, sources, warehouse
from endurance._errors import ArgumentError, BrowserMissingError
from endurance._publish import Stamp
from endurance.forces import DEFAULT_FORCES, analysis_areas, gazetteers, profiles_named
from endurance.geography import attribution
from endurance.ingest import reconcile
from endurance.ledger import recorded_run
from endurance.periods import Period, check_month, latest_period
from endurance.privacy import SharingRules
from endurance.settings import Settings
from endurance.sources import FileLoad, outcomes
from pipelines._runs import flow_run_record, ledger_on_failure, refuse_unless_valid
from pipelines.artifacts import publish_run_artifacts

#: What the ledger keeps of each input file the run read.
_INPUT_FIELDS = ("path", "sha256", "source", "status", "rows_in", "staged", "rejected", "duplicate")


@task(name="load-geography", timeout_seconds=600)
def load_geography(
    db_path: Path, geodata_dir: Path | None, forces: tuple[str, ...] = DEFAULT_FORCES
) -> list[dict[str, object]]:
    """Load official boundaries (every vintage found) of the forces in use and the hotspot gazetteer."""
    profiles = profiles_named(forces)
    folder = geography.resolve_geodata_dir(env_dir=geodata_dir, forces=profiles)
    with warehouse.connect(db_path) as con:
        layers = geography.load_official_layers(con, folder, forces=profiles)
        places = gazetteers(profiles)
        hotspots = geography.load_hotspots(con, places)
    return [*layers, {"kind": "hotspot", "features": hotspots, "path": ";".join(map(str, places))}]


@task(name="ingest-inputs", timeout_seconds=1800)
def ingest_inputs(
    db_path: Path, input_dir: Path, run_id: str, allow_empty: bool = False
) -> list[dict[str, Any]]:
    """Load every input file into raw, staging and the quarantine, reconciled per file.

    With ``allow_empty`` a folder holding no input file (the inbox on a quiet night)
    loads nothing and says so, rather than failing.
    """
    logger = get_run_logger()
    with warehouse.connect(db_path) as con:
        loads = sources.ingest_folder(con, input_dir, run_id=run_id, allow_empty=allow_empty)
    if not loads:
        logger.info(
            "nothing new: no input file in %s; the outputs are refreshed from what is loaded", input_dir
        )
    for load in loads:
        logger.info("%s", load.summary())
    return [asdict(load) for load in loads]


@task(name="flag-repeat-s59", timeout_seconds=600)
def flag_repeats(db_path: Path) -> int:
    """Flag s.59 warnings and seizures that repeat within the warning's 12 months."""
    with warehouse.connect(db_path) as con:
        return outcomes.flag_repeat_s59(con)


@task(name="attribute-events", timeout_seconds=1800)
def attribute(db_path: Path, run_id: str | None = None) -> dict[str, object]:
    """Attribute new events to wards (every vintage), local authorities and hotspots."""
    with warehouse.connect(db_path) as con:
        return attribution.attribute_events(con, run_id=run_id).describe()


@task(name="link-events", timeout_seconds=600)
def link(db_path: Path, run_id: str | None = None) -> dict[str, object]:
    """Link events reported more than once, across sources, into incidents."""
    with warehouse.connect(db_path) as con:
        return asdict(linking.link_events(con, run_id=run_id))


@task(name="build-marts", timeout_seconds=600)
def build(db_path: Path, run_id: str | None = None) -> dict[str, int]:
    """Rebuild the marts and run their checks."""
    with warehouse.connect(db_path) as con:
        return marts.build_marts(con, run_id=run_id)


@task(name="choose-period", timeout_seconds=60)
def choose_period(db_path: Path, period_from: str | None, period_to: str | None) -> Period:
    """Use the period asked for, or the latest twelve months with incidents."""
    if period_from and period_to:
        return Period(period_from, period_to)
    with warehouse.connect(db_path, read_only=True) as con:
        latest = latest_period(con)
    return Period(period_from or latest.start, period_to or latest.end)


@task(name="analyse-hotspots", timeout_seconds=600)
def analyse_hotspots(db_path: Path, period: Period, vintage: str, run_id: str) -> dict[str, Any]:
    """Draw, test and score the period's hotspots into the analysis marts, recording what from."""
    with warehouse.connect(db_path) as con:
        return freshness.analyse(con, period, vintage=vintage, run_id=run_id)


@task(name="bring-up-to-date", timeout_seconds=1800)
def bring_up_to_date(
    db_path: Path, period: Period | None, vintage: str | None, run_id: str
) -> dict[str, Any]:
    """Bring attribution, links, marts (and the period's analysis) up to date, each only if stale."""
    with warehouse.connect(db_path) as con:
        return freshness.refresh(con, period=period, vintage=vintage, run_id=run_id)


@task(name="describe-built-from", timeout_seconds=60)
def describe_built_from(db_path: Path, period: Period, vintage: str) -> dict[str, Any]:
    """Return what the derived tables the outputs read were built from, for the run record."""
    with warehouse.connect(db_path, read_only=True) as con:
        return freshness.built_from(con, period=period, vintage=vintage)


@task(name="write-map", timeout_seconds=600)
def write_map(
    db_path: Path,
    out_path: Path,
    period: Period,
    vintage: str,
    stamp: Stamp,
    tiles: str | None = None,
    area: str | None = None,
) -> dict[str, object]:
    """Write the self-contained hotspot map of one analysis area for the period, and its PNG beside it.

    The PNG (for briefing packs) needs Debian's Chromium; without it the map is still
    written and the run record says why the PNG is missing.
    """
    with warehouse.connect(db_path, read_only=True) as con:
        result = maps.build_hotspot_map(
            con,
            out_path,
            period=period,
            vintage=vintage,
            stamp=stamp,
            tiles=tiles,
            area=area,
        )
    png: dict[str, object] = {"path": None}
    try:
        png_path = maps.render_png(result.path, result.path.with_suffix(".png"))
        png = warehouse.output_file(png_path)
    except BrowserMissingError as exc:
        get_run_logger().warning("map PNG not rendered: %s", exc)
        png["error"] = str(exc)
    return {
        **warehouse.output_file(result.path),
        "self_contained": result.self_contained,
        "layers": list(result.layers),
        "png": png,
    }


@task(name="write-council-exports", timeout_seconds=600)
def write_exports(
    db_path: Path,
    out_dir: Path,
    period: Period,
    vintage: str,
    threshold: int,
    run_id: str,
    formats: tuple[str, ...] = exports.FORMATS,
    share_handling_c: bool = False,
) -> list[dict[str, object]]:
    """Write suppressed ward summaries per local authority and force-wide (CSV, XLSX, GeoPackage).

    Writable: a period not analysed yet (the monthly export's last month) is analysed
    first, for the tasking hotspot areas of each ward.
    """
    with warehouse.connect(db_path) as con:
        paths = exports.export_ward_summaries(
            con,
            out_dir,
            period=period,
            vintage=vintage,
            sharing=SharingRules(threshold, share_handling_c),
            run_id=run_id,
            formats=formats,
        )
    return [warehouse.output_file(p) for p in paths]


def input_folders(input_dir: str) -> list[Path]:
    """Return the folders ``input_dir`` names: one, or several separated by ``:`` as in ``PATH``."""
    return [Path(folder) for folder in input_dir.split(os.pathsep) if folder.strip()]


def check_parameters(input_dir: str, period_from: str | None, period_to: str | None) -> None:
    """Refuse a missing folder or a bad period before anything is loaded, listing every problem."""
    problems = []
    folders = input_folders(input_dir)
    if not folders:
        problems.append("input_dir names no folder")
    for folder in folders:
        if not folder.is_dir():
            problems.append(f"input_dir {str(folder)!r} is not a folder")
    for name, month in (("period_from", period_from), ("period_to", period_to)):
        if month is not None:
            try:
                check_month(month, name)
            except ValueError as exc:
                problems.append(str(exc))
    if not problems and period_from and period_to:
        Period(period_from, period_to)  # a period that ends before it starts is refused here
    if problems:
        raise ArgumentError("; ".join(problems))


def _ingest_and_publish(
    settings: Settings,
    record: warehouse.RunRecord,
    folders: list[Path],
    period_from: str | None,
    period_to: str | None,
    data_label: str | None,
) -> tuple[Period, list[dict[str, Any]], list[dict[str, Any]]]:
    """Run every task in order, noting in ``record`` what each read, counted and wrote."""
    db, run_id = settings.db_path, record.run_id
    layers = load_geography(db, settings.geodata_dir, settings.forces)
    # A quiet night (an empty inbox) is no failure.
    loads = [load for folder in folders for load in ingest_inputs(db, folder, run_id, allow_empty=True)]
    record.inputs = [{k: load[k] for k in _INPUT_FIELDS} for load in loads]
    record.counts = {"inputs": reconcile([FileLoad(**load) for load in loads])}
    record.counts["repeat_s59_events"] = flag_repeats(db)
    record.counts["attribution"] = attribute(db, run_id)
    record.counts["linking"] = link(db, run_id)
    record.counts["marts"] = build(db, run_id)
    period = choose_period(db, period_from, period_to)
    vintage = settings.output_vintage
    record.counts["hotspots"] = analyse_hotspots(db, period, vintage, run_id)
    record.counts["built_from"] = describe_built_from(db, period, vintage)
    areas = analysis_areas(profiles_named(settings.forces))
    stamp = Stamp(run_id, settings.marking, data_label)
    map_outs = [
        write_map(db, path, period, vintage, stamp, settings.tiles, key)
        for key, path in maps.area_map_paths(settings.maps_dir, period, areas)
    ]
    export_out = write_exports(
        db,
        settings.exports_dir,
        period,
        vintage,
        settings.suppression_threshold,
        run_id,
        share_handling_c=settings.share_handling_c,
    )
    pngs = [out["png"] for out in map_outs]
    rendered = [png for png in pngs if isinstance(png, dict) and png.get("path")]
    record.outputs = [*map_outs, *rendered, *export_out]
    record.counts["geography_layers"] = len(layers)
    record.counts["period"] = period.label
    return period, map_outs, export_out


@flow(name="endurance-nightly", log_prints=True, on_failure=[ledger_on_failure])
def nightly(
    input_dir: str,
    period_from: str | None = None,
    period_to: str | None = None,
    data_label: str | None = None,
) -> dict[str, Any]:
    """Ingest a folder of inputs and publish the hotspot maps and council ward summaries.

    One map per analysis area: each force's, and the joint operation's when several
    forces are in use (ENDURANCE_FORCES).

    Args:
        input_dir: Folder of input files (police.uk monthly CSVs, incident logs,
            intelligence, fire, outcomes), searched recursively; files already loaded
            are skipped. Several folders are separated by ":" as in PATH (the
            deployment's default: the inbox of each force in use).
        period_from: First month (YYYY-MM) to map and export; default: the first of
            the latest twelve months with incidents.
        period_to: Last month (YYYY-MM) to map and export; default: the latest month
            with incidents.
        data_label: A line shown on the map, e.g. "SYNTHETIC DEMO DATA". Default: none
            (real data).
    """
    settings = Settings.from_env()
    record = flow_run_record(
        "endurance-nightly",
        settings,
        {
            "input_dir": input_dir,
            "period_from": period_from,
            "period_to": period_to,
            "data_label": data_label,
        },
    )
    run_id = record.run_id
    refuse_unless_valid(settings.db_path, record, lambda: check_parameters(input_dir, period_from, period_to))
    with recorded_run(settings.db_path, record):
        period, map_outs, export_out = _ingest_and_publish(
            settings, record, input_folders(input_dir), period_from, period_to, data_label
        )
    publish_run_artifacts(
        settings.db_path,
        record,
        period,
        settings.output_vintage,
        settings.suppression_threshold,
        settings.share_handling_c,
    )
    return {
        "run_id": run_id,
        "db_path": str(settings.db_path),
        "period": period.label,
        "inputs": record.counts["inputs"],
        "linking": record.counts["linking"],
        "repeat_s59_events": record.counts["repeat_s59_events"],
        "map": map_outs[-1],  # the widest area's: the joint operation, or the only force
        "maps": map_outs,
        "exports": export_out,
    }
