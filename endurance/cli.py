"""The ``endurance`` command: a thin shell over the library and the Prefect flow.

Every command calls one function and turns the library's errors into a clean message
and a non-zero exit.
"""

from __future__ import annotations

import json
import os
import time
from pathlib import Path
from typing import Any

import typer
from rich.console import Console
from rich.table import Table

from endurance import geography, warehouse
from endurance._errors import EnduranceError
from endurance.settings import Settings
from endurance.sources import SOURCES

app = typer.Typer(
    help="Operation Endurance pipeline: ingest off-road-bike incidents and community "
    "intelligence, attribute them to wards and hotspots, and publish maps and ward summaries.",
    no_args_is_help=True,
    add_completion=False,
)
console = Console()
DEMO_LABEL = "SYNTHETIC DEMO DATA: not real incidents"


def _fail(exc: Exception) -> typer.Exit:
    console.print(f"[bold red]error:[/] {exc}", highlight=False, markup=True)
    return typer.Exit(code=1)


def _prepare_prefect(settings: Settings) -> None:
    """Point Prefect at this project's home before it is imported (it reads settings then)."""
    os.environ.setdefault("PREFECT_HOME", str(settings.prefect_home.resolve()))
    os.environ.setdefault("PREFECT_SERVER_ANALYTICS_ENABLED", "false")
    os.environ.setdefault("DO_NOT_TRACK", "1")
    os.environ.setdefault("PREFECT_LOGGING_LEVEL", "WARNING")
    settings.prefect_home.mkdir(parents=True, exist_ok=True)


def _run_flow(
    input_dir: Path, period_from: str | None, period_to: str | None, data_label: str | None
) -> dict[str, Any]:
    settings = Settings.from_env()
    _prepare_prefect(settings)
    from pipelines.nightly import nightly  # imported late: Prefect reads PREFECT_HOME on import

    return nightly(
        input_dir=str(input_dir),
        period_from=period_from,
        period_to=period_to,
        data_label=data_label,
    )


def _print_result(result: dict[str, Any], started: float) -> None:
    counts = result["inputs"]
    console.print(f"run {result['run_id']} finished in {time.perf_counter() - started:.1f} s")
    console.print(f"files {counts['files']}, of which already loaded (skipped) {counts['already_loaded']}")
    console.print(
        f"rows in {counts['rows_in']:,} = staged {counts['staged']:,} + rejected "
        f"{counts['rejected']:,} + duplicate {counts['duplicate']:,} "
        f"({'reconciled' if counts['reconciled'] else 'NOT RECONCILED'}); "
        f"unlocated {counts['unlocated']:,}, repaired {counts['repaired']:,}"
    )
    if counts["rejects_by_reason"]:
        console.print(
            "rejected by reason: "
            + ", ".join(f"{k} {v}" for k, v in sorted(counts["rejects_by_reason"].items()))
        )
    linking = result["linking"]
    console.print(
        f"linked: {linking['counted_events']:,} incidents and reports make {linking['linked_incidents']:,} "
        "incidents (" + ", ".join(f"{k} {v}" for k, v in linking["links_by_rule"].items()) + " links); "
        f"repeat s.59 events {result['repeat_s59_events']:,}"
    )
    console.print(f"warehouse: {result['db_path']}")
    console.print(f"map:       {result['map']['path']} ({result['map']['bytes']:,} bytes)")
    png = result["map"].get("png") or {}
    console.print(
        f"map PNG:   {png['path']}" if png.get("path") else f"map PNG:   not rendered ({png.get('error')})"
    )
    for item in result["exports"]:
        console.print(f"export:    {item['path']}")


@app.command()
def demo(
    seed: int = typer.Option(20251, help="Seed for the synthetic data (same seed, same files)."),
    year: int = typer.Option(2025, help="Calendar year the synthetic data covers."),
) -> None:
    """Generate the synthetic demo inputs and run the whole pipeline on them."""
    from endurance.demo import generate_demo_inputs

    started = time.perf_counter()
    settings = Settings.from_env()
    try:
        folder = geography.resolve_geodata_dir(env_dir=settings.geodata_dir)
        inputs = generate_demo_inputs(settings.out_dir / "demo-inputs", folder, seed=seed, year=year)
        console.print(f"demo inputs: {inputs.folder} ({len(inputs.files)} files, synthetic)")
        result = _run_flow(inputs.folder, f"{year}-01", f"{year}-12", DEMO_LABEL)
    except EnduranceError as exc:
        raise _fail(exc) from exc
    _print_result(result, started)


@app.command()
def run(
    input_dir: Path = typer.Option(
        ...,
        "--input",
        exists=True,
        file_okay=False,
        help="Folder of input CSV files (searched recursively).",
    ),
    period_from: str = typer.Option(None, "--from", help="First month to report, YYYY-MM."),
    period_to: str = typer.Option(None, "--to", help="Last month to report, YYYY-MM."),
) -> None:
    """Run the nightly flow on your own input files."""
    started = time.perf_counter()
    try:
        result = _run_flow(input_dir, period_from, period_to, None)
    except (EnduranceError, ValueError) as exc:
        raise _fail(exc) from exc
    _print_result(result, started)


@app.command("map")
def map_command(
    period_from: str = typer.Option(..., "--from", help="First month to map, YYYY-MM."),
    period_to: str = typer.Option(..., "--to", help="Last month to map, YYYY-MM."),
    lad: str = typer.Option(
        None,
        "--lad",
        help="Map one local authority only (a code such as E06000002): its wards and incidents.",
    ),
    out: Path = typer.Option(
        None,
        "--out",
        dir_okay=False,
        help="HTML file to write (default: $ENDURANCE_OUT/maps/hotspots_<period>.html).",
    ),
    online_tiles: bool = typer.Option(
        False, "--online-tiles", help="Add OpenStreetMap background tiles (the map then needs internet)."
    ),
    png: bool = typer.Option(False, "--png", help="Also render a PNG beside the HTML (headless Chromium)."),
) -> None:
    """Write the hotspot map for a period, analysing the period first if it has not been.

    The map is one self-contained HTML file (no internet needed to open it) carrying the
    protective marking of ENDURANCE_MARKING. Prints where it went, its size and its layers.
    """
    from endurance.maps import publish_map
    from endurance.periods import Period

    settings = Settings.from_env()
    started = time.perf_counter()
    try:
        result = publish_map(
            settings,
            Period(period_from, period_to),
            lad_code=lad,
            out=out,
            online_tiles=online_tiles,
            png=png,
        )
    except (EnduranceError, LookupError, ValueError) as exc:
        raise _fail(exc) from exc
    if result.analysed:
        console.print(f"analysed {period_from} to {period_to} (it had not been)", soft_wrap=True)
    console.print(
        f"map: {result.path} ({result.bytes:,} bytes, {result.incidents:,} incidents in 100 m cells)",
        soft_wrap=True,
    )
    if result.png:
        console.print(f"png: {result.png} ({result.png.stat().st_size:,} bytes)", soft_wrap=True)
    console.print("layers: " + "; ".join(result.layers), highlight=False, soft_wrap=True)
    console.print(f"{time.perf_counter() - started:.1f} s")


@app.command()
def runs(last: int = typer.Option(10, help="How many recent runs to show.")) -> None:
    """Show the run ledger: recent flow runs, their counts and status."""
    settings = Settings.from_env()
    try:
        with warehouse.connect(settings.db_path, read_only=True) as con:
            rows = con.execute(
                "SELECT run_id, flow, started_at, finished_at, status, counts FROM ops.runs"
                " ORDER BY started_at DESC LIMIT ?",
                [last],
            ).fetchall()
    except EnduranceError as exc:
        raise _fail(exc) from exc
    table = Table("run", "flow", "started", "seconds", "status", "rows in / staged / rejected / dup")
    for run_id, flow_name, started, finished, status, counts in rows:
        inputs = (json.loads(counts) if counts else {}).get("inputs", {})
        seconds = f"{(finished - started).total_seconds():.1f}" if finished else "-"
        summary = " / ".join(str(inputs.get(k, "-")) for k in ("rows_in", "staged", "rejected", "duplicate"))
        table.add_row(run_id, flow_name, f"{started:%Y-%m-%d %H:%M}", seconds, status, summary)
    console.print(table)


@app.command()
def ingest(
    source: str = typer.Argument(
        ...,
        help="Source of the files: " + ", ".join(s.NAME for s in SOURCES) + ", or 'auto' to "
        "recognise each file by its header.",
    ),
    paths: list[Path] = typer.Argument(..., help="Files, folders (searched recursively) or .zip archives."),
    mapping: Path = typer.Option(
        None,
        "--mapping",
        exists=True,
        dir_okay=False,
        help="YAML file mapping our column names to your export's.",
    ),
) -> None:
    """Load input files into the warehouse, with every row staged, rejected or a duplicate.

    Prints a summary table per file. Exits non-zero only when a file could not be read
    at all; rejected rows are listed by `endurance rejects`.
    """
    from rich.progress import BarColumn, Progress, TextColumn

    from endurance.ingest import ingest_files, reconcile

    settings = Settings.from_env()
    with Progress(
        TextColumn("{task.description}"),
        BarColumn(),
        TextColumn("{task.completed} files"),
        console=console,
        transient=True,
    ) as bar:
        task = bar.add_task("loading", total=None)

        def advance(item: Any) -> None:
            bar.update(task, advance=1, description=f"loading {Path(item.display).name}")

        try:
            run_id, loads = ingest_files(
                settings,
                paths,
                source=None if source == "auto" else source,
                mapping_path=mapping,
                progress=advance,
            )
        except (EnduranceError, ValueError) as exc:
            raise _fail(exc) from exc
    table = Table(
        "file",
        "source",
        "status",
        "in",
        "staged",
        "rejected",
        "duplicate",
        "unlocated",
        "rejected by reason",
        title=f"run {run_id}",
    )
    for load in loads:
        table.add_row(
            Path(load.path).name,
            load.source,
            load.status,
            f"{load.rows_in:,}",
            f"{load.staged:,}",
            f"{load.rejected:,}",
            f"{load.duplicate:,}",
            f"{load.unlocated:,}",
            ", ".join(f"{k} {v}" for k, v in sorted(load.rejects_by_reason.items())),
        )
    console.print(table)
    totals = reconcile(loads)
    console.print(
        f"rows in {totals['rows_in']:,} = staged {totals['staged']:,} + rejected "
        f"{totals['rejected']:,} + duplicate {totals['duplicate']:,}"
        f" ({'reconciled' if totals['reconciled'] else 'NOT RECONCILED'})"
    )


@app.command("fetch-policeuk")
def fetch_policeuk(
    month: str = typer.Argument(..., help="Month to fetch, YYYY-MM (the API holds recent months only)."),
    area: str = typer.Option(None, "--area", help="A ward code (E05...) instead of the whole force area."),
    out: Path = typer.Option(None, "--out", help="Folder for the CSV (default: $ENDURANCE_OUT/policeuk)."),
) -> None:
    """Fetch a month of street-level crime from the data.police.uk API as a police.uk CSV.

    Load the file with `endurance ingest policeuk_street FILE` (or leave it in the
    nightly inbox). Prefer the archive download where you have it: the API gives no LSOA.
    """
    from endurance.sources.policeuk_api import fetch_policeuk_month

    settings = Settings.from_env()
    try:
        with warehouse.connect(settings.db_path) as con:
            if not geography.ward_vintages(con):
                folder = geography.resolve_geodata_dir(env_dir=settings.geodata_dir)
                geography.load_official_layers(con, folder)
            path = fetch_policeuk_month(con, month, out or settings.out_dir / "policeuk", area=area)
    except (EnduranceError, ValueError) as exc:
        raise _fail(exc) from exc
    console.print(f"wrote {path}")


@app.command()
def rejects(
    limit: int = typer.Option(20, help="How many rejected rows to show."),
    run: str = typer.Option(None, "--run", help="Only rows from files loaded by this run."),
) -> None:
    """Show rejected input rows with file, row, field and reason."""
    settings = Settings.from_env()
    try:
        with warehouse.connect(settings.db_path, read_only=True) as con:
            query = (
                "SELECT r.reason, r.message FROM ops.rejects AS r"
                " JOIN ops.files AS f ON f.sha256 = r.file_sha256"
                " WHERE (? IS NULL OR f.run_id = ?) ORDER BY r.path, r.row_number LIMIT ?"
            )
            rows = con.execute(query, [run, run, limit]).fetchall()
    except EnduranceError as exc:
        raise _fail(exc) from exc
    for reason, message in rows:
        console.print(f"[{reason}] {message}", highlight=False, markup=False, soft_wrap=True)


@app.command()
def attribute(
    full: bool = typer.Option(False, "--full", help="Forget every attribution and redo all of it."),
) -> None:
    """Attribute staged events to wards (every vintage), LSOAs, force areas and hotspots.

    Only events not yet attributed are processed (and layers whose boundary file
    changed); --full rebuilds everything. Then re-links events and rebuilds the marts.
    """
    from endurance import attribution, linking, marts

    settings = Settings.from_env()
    started = time.perf_counter()
    try:
        with warehouse.connect(settings.db_path) as con:
            summary = attribution.attribute_events(con, full=full)
            linked = linking.link_events(con)
            marts.build_marts(con)
    except (EnduranceError, LookupError) as exc:
        raise _fail(exc) from exc
    table = Table("layer", "vintage", "method", "events")
    for key, n in summary.by_layer.items():
        layer, vintage, method = key.split(":")
        table.add_row(layer, vintage, method, f"{n:,}")
    console.print(table)
    console.print(
        f"hotspot memberships {summary.hotspot_links:,}; {linked.counted_events:,} incidents and "
        f"reports make {linked.linked_incidents:,} linked incidents; "
        f"{time.perf_counter() - started:.1f} s"
    )


@app.command()
def links(
    limit: int = typer.Option(20, help="How many links to show."),
    rule: str = typer.Option(None, "--rule", help="Only links made by this rule."),
) -> None:
    """Show events linked as one incident across sources, with the rule, distance and time apart."""
    settings = Settings.from_env()
    try:
        with warehouse.connect(settings.db_path, read_only=True) as con:
            summary = con.execute(
                "SELECT rule, count(*) FROM staging.event_links GROUP BY 1 ORDER BY 1"
            ).fetchall()
            rows = con.execute(
                "SELECT rule, event_a, event_b, distance_m, hours_apart FROM staging.event_links"
                " WHERE ? IS NULL OR rule = ? ORDER BY rule, event_a, event_b LIMIT ?",
                [rule, rule, limit],
            ).fetchall()
    except EnduranceError as exc:
        raise _fail(exc) from exc
    console.print("links by rule: " + (", ".join(f"{r} {n:,}" for r, n in summary) or "none"))
    table = Table("rule", "event", "same incident as", "metres", "hours apart")
    for name, a, b, metres, hours in rows:
        table.add_row(name, a, b, f"{metres:.0f}", "same month" if hours is None else f"{hours:.2f}")
    console.print(table)


@app.command()
def settings() -> None:
    """Show the settings in force (from ENDURANCE_* variables)."""
    for name, value in Settings.from_env().describe().items():
        console.print(f"{name} = {value}", highlight=False)


geodata_app = typer.Typer(
    help="Manage reference geography: list loaded layers, import your own boundaries, "
    "fetch the pinned official layers, load ward designations.",
    no_args_is_help=True,
)
app.add_typer(geodata_app, name="geodata")


@geodata_app.command("list")
def geodata_list() -> None:
    """List every loaded layer: kind, vintage, features, source file, sha256 and when loaded.

    Covers the official layers, imported layers, the hotspot gazetteer and ward designations.
    """
    from endurance.layers import list_layers

    settings = Settings.from_env()
    try:
        with warehouse.connect(settings.db_path) as con:
            layers = list_layers(con)
    except EnduranceError as exc:
        raise _fail(exc) from exc
    table = Table("kind", "vintage", "features", "source", "sha256", "loaded at")
    for info in layers:
        table.add_row(
            info.kind,
            info.vintage,
            f"{info.features:,}",
            info.source,
            (info.sha256 or "-")[:16],
            f"{info.loaded_at:%Y-%m-%d %H:%M}" if info.loaded_at else "-",
        )
    console.print(table)


@geodata_app.command("import")
def geodata_import(
    kind: str = typer.Argument(..., help="Layer kind: ward, lsoa or hotspot."),
    path: Path = typer.Argument(..., exists=True, dir_okay=False, help="GeoJSON, GeoPackage or Shapefile."),
    vintage: str = typer.Option(..., "--vintage", help="Boundary vintage to store it under, e.g. 2024."),
    code_field: str = typer.Option(None, "--code-field", help="Property holding the code (e.g. WD24CD)."),
    name_field: str = typer.Option(None, "--name-field", help="Property holding the name (e.g. WD24NM)."),
    lad_code_field: str = typer.Option(None, "--lad-code-field", help="Property holding the LAD code."),
    lad_name_field: str = typer.Option(None, "--lad-name-field", help="Property holding the LAD name."),
) -> None:
    """Import a ward, LSOA or hotspot layer in any CRS, replacing the same kind and vintage.

    ONS field names (WD24CD, LSOA21CD, LAD24CD ...) are recognised; wards without local
    authority fields get the authority they overlap most.
    """
    from endurance.layers import import_layer

    settings = Settings.from_env()
    try:
        with warehouse.connect(settings.db_path) as con:
            if not con.execute("SELECT count(*) FROM geo.lads").fetchone()[0]:  # type: ignore[index]
                folder = geography.resolve_geodata_dir(env_dir=settings.geodata_dir)
                geography.load_official_layers(con, folder)
            result = import_layer(
                con,
                kind,
                path,
                vintage=vintage,
                code_field=code_field,
                name_field=name_field,
                lad_code_field=lad_code_field,
                lad_name_field=lad_name_field,
            )
    except EnduranceError as exc:
        raise _fail(exc) from exc
    fields = ", ".join(f"{k} <- {v}" for k, v in result.fields.items())
    console.print(
        f"imported {result.features:,} {result.kind} features as vintage {result.vintage} "
        f"(fields: {fields}; local authorities derived by overlap: {result.derived_lads}; "
        f"geometries repaired: {result.repaired})",
        highlight=False,
    )


@geodata_app.command("fetch")
def geodata_fetch(
    base_url: str = typer.Option(
        None, "--base-url", help="Fetch <URL>/<file> from a mirror instead of each manifest URL."
    ),
    dest: Path = typer.Option(None, "--dest", file_okay=False, help="Folder (default: the download cache)."),
) -> None:
    """Download the official layers pinned in geodata/manifest.json, verifying each sha256.

    Files already present with the pinned checksum are kept; a mismatch is refused and deleted.
    """
    from endurance.layers import fetch_official_layers

    try:
        results = fetch_official_layers(dest, base_url=base_url)
    except EnduranceError as exc:
        raise _fail(exc) from exc
    for item in results:
        console.print(f"{item.status:10} {item.path} (sha256 {item.sha256[:16]})", highlight=False)


@geodata_app.command("designations")
def geodata_designations(
    path: Path = typer.Argument(..., exists=True, dir_okay=False, help="Filled designation CSV."),
) -> None:
    """Load ward designations (Strengthen, Support, Sustain) from a CSV like the template.

    Every row is checked first; all problems are listed by row number and nothing is stored.
    """
    from endurance.layers import load_designations

    settings = Settings.from_env()
    try:
        with warehouse.connect(settings.db_path) as con:
            if not geography.ward_vintages(con):
                folder = geography.resolve_geodata_dir(env_dir=settings.geodata_dir)
                geography.load_official_layers(con, folder)
            loaded = load_designations(con, path)
    except EnduranceError as exc:
        raise _fail(exc) from exc
    console.print(
        f"stored {loaded.designated} designation(s) for vintage(s) {', '.join(loaded.vintages)}; "
        f"{loaded.not_designated} ward row(s) left undesignated",
        highlight=False,
    )


if __name__ == "__main__":
    app()
