"""The ``endurance`` command: a thin shell over the library and the Prefect flow.

Every command calls one function and turns the library's errors into a clean message
and a non-zero exit.
"""

from __future__ import annotations

import inspect
import json
import logging
import os
import signal
import time
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import date, timedelta
from pathlib import Path
from types import FrameType
from typing import TYPE_CHECKING, Any

import typer
from rich.console import Console
from rich.markup import escape
from rich.table import Column, Table
from typer.core import TyperGroup

from endurance import _process, geography, warehouse
from endurance._errors import (
    ArgumentError,
    EnduranceError,
    ReconcileError,
    Terminated,
    by_sigterm,
    is_interrupt,
    no_room,
)
from endurance._publish import check_writable
from endurance.forces import profiles_in_use
from endurance.marts import SYNTHETIC_LABEL
from endurance.periods import Period, check_month, parse_period
from endurance.settings import Settings, tile_template
from endurance.sources import SOURCES

if TYPE_CHECKING:
    from endurance.ledger import LedgerRun

#: Exit codes of a command stopped by Ctrl-C and by SIGTERM (128 + the signal's number).
EXIT_INTERRUPTED = 128 + signal.SIGINT
EXIT_TERMINATED = 128 + signal.SIGTERM


def _on_signal(signum: int, frame: FrameType | None) -> None:
    stop = Terminated(f"signal {signum}") if signum == signal.SIGTERM else KeyboardInterrupt()
    raise _process.note_interrupt(stop)


@contextmanager
def _signals_unwind() -> Iterator[None]:
    """Make Ctrl-C and SIGTERM unwind a running command, and note them.

    They unwind it as ``KeyboardInterrupt`` and ``Terminated``; being noted, one swallowed
    on the way is raised again.
    """
    try:
        previous = {sig: signal.signal(sig, _on_signal) for sig in (signal.SIGINT, signal.SIGTERM)}
    except ValueError:  # not the main thread: leave signals alone
        yield
        return
    try:
        yield
    except BaseException as exc:
        noted = _process.interrupt_arrived()
        if noted is not None and not is_interrupt(exc):
            # A library caught the signal and raised its own error (pydantic, building a model
            # while Prefect starts, raises SchemaError): the user asked to stop, so it is that.
            raise noted from exc
        raise
    finally:
        for sig, handler in previous.items():
            signal.signal(sig, handler)
        _process.forget_interrupts()


def _reflowed(text: str) -> str:
    """Join the lines of each paragraph of a docstring, so help wraps at the terminal's width."""
    paragraphs = inspect.cleandoc(text).split("\n\n")
    return "\n\n".join(p if p.startswith("\b") else " ".join(p.split("\n")) for p in paragraphs)


class _Commands(TyperGroup):
    """Every command: interrupts, full disks and refusals end in one line, never a traceback.

    This is the CLI's one error handler. Ctrl-C or SIGTERM exit 130 or 143 (a run in
    progress is recorded as interrupted, and a load either landed whole or not at all); a
    full disk exits 1; so does every refusal by the library (an ``EnduranceError``, or a
    ``ValueError``/``LookupError`` naming the argument that was refused), as one ``error:``
    line. Anything else is a bug and keeps its traceback.
    """

    def get_command(self, ctx: typer.Context, cmd_name: str) -> Any:  # type: ignore[override]
        """Return the command, its help text in paragraphs that the terminal wraps, not the source."""
        command = super().get_command(ctx, cmd_name)
        for each in [command, *getattr(command, "commands", {}).values()]:
            if each is not None and each.help:
                each.help = _reflowed(each.help)
        return command

    def invoke(self, ctx: typer.Context) -> Any:  # type: ignore[override]
        try:
            with _signals_unwind(), _lock_notices():
                return super().invoke(ctx)
        except typer.Exit:
            raise
        except BaseException as exc:
            name = f"endurance {ctx.invoked_subcommand or ''}".strip()
            if is_interrupt(exc):
                terminated = by_sigterm(exc)
                signal_name = "SIGTERM" if terminated else "Ctrl-C"
                console.print(
                    f"[bold red]interrupted:[/] {name} was stopped by {signal_name}; what it had committed"
                    " is kept, a load in progress is rolled back, and its run is marked interrupted in the"
                    " ledger (at the latest when the warehouse is next opened)",
                    highlight=False,
                    soft_wrap=True,
                )
                raise typer.Exit(EXIT_TERMINATED if terminated else EXIT_INTERRUPTED) from None
            if isinstance(exc, Exception) and no_room(exc):
                first = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
                console.print(
                    f"[bold red]error:[/] no room left to write (disk full): {first}; {name} stopped, "
                    "nothing half-written was kept: free some space and run it again",
                    highlight=False,
                    soft_wrap=True,
                )
                raise typer.Exit(1) from None
            if isinstance(exc, EnduranceError | ValueError | LookupError):
                raise _fail(exc) from None
            if isinstance(exc, OSError):  # a path that cannot be read or written: the user's to fix
                raise _fail(_os_message(exc)) from None
            raise


app = typer.Typer(
    cls=_Commands,
    help="Operation Endurance pipeline: ingest off-road-bike incidents and community "
    "intelligence, attribute them to wards and hotspots, and publish maps and ward summaries.",
    no_args_is_help=True,
    add_completion=False,
)
console = Console()
DEMO_LABEL = SYNTHETIC_LABEL


def _fail(exc: Exception | str) -> typer.Exit:
    # soft_wrap: one line however narrow the terminal, so `grep ^error:` finds all of it
    console.print(f"[bold red]error:[/] {escape(str(exc))}", highlight=False, soft_wrap=True)
    return typer.Exit(code=1)


def _os_message(exc: OSError) -> str:
    """Name the path and the system's reason: 'cannot use /proc/x.html: No such file or directory'."""
    path = exc.filename2 or exc.filename
    reason = exc.strerror or str(exc) or type(exc).__name__
    return f"cannot use {path}: {reason}" if path else reason


class _ConsoleLines(logging.Handler):
    """Print a library warning (a wait for the warehouse lock) as one line of the command's output."""

    def emit(self, record: logging.LogRecord) -> None:
        console.print(f"[yellow]waiting:[/] {escape(record.getMessage())}", highlight=False, soft_wrap=True)


@contextmanager
def _lock_notices() -> Iterator[None]:
    """While a command runs, a connection waiting for the warehouse lock says so (after two seconds)."""
    from endurance import _lock

    logger = logging.getLogger(_lock.__name__)
    handler, propagate = _ConsoleLines(logging.WARNING), logger.propagate
    logger.addHandler(handler)
    logger.propagate = False
    try:
        yield
    finally:
        logger.removeHandler(handler)
        logger.propagate = propagate


def _prepare_prefect(settings: Settings) -> None:
    """Point Prefect at this project's home before it is imported (it reads settings then)."""
    os.environ.setdefault("PREFECT_HOME", str(settings.prefect_home.resolve()))
    os.environ.setdefault("PREFECT_SERVER_ANALYTICS_ENABLED", "false")
    os.environ.setdefault("DO_NOT_TRACK", "1")
    os.environ.setdefault("PREFECT_LOGGING_LEVEL", "WARNING")
    settings.prefect_home.mkdir(parents=True, exist_ok=True)


class _OneLineReasons(logging.Filter):
    """A log filter for Prefect's own reports of a run stopped by an interrupt, full disk or failed reconcile.

    Prefect reports them with tracebacks; the command says each of those in one line of its
    own, so the filter drops them, and every report after an interrupt has arrived.
    """

    def filter(self, record: logging.LogRecord) -> bool:
        if _process.interrupt_arrived() is not None:
            # Once Ctrl-C or SIGTERM has arrived, whatever Prefect reports breaking (a task cut
            # short in its own code raises errors of every kind) is the stop the command says.
            return False
        text = record.getMessage()
        if "aborted by an interrupt signal" in text or "aborted by a termination signal" in text:
            return False
        if "Query interrupted" in text or "InterruptException" in text:  # a task's query cut short
            return False
        exc = record.exc_info[1] if record.exc_info else None
        if exc is not None and (is_interrupt(exc) or no_room(exc) or isinstance(exc, ReconcileError)):
            return False
        if exc is not None and isinstance(exc, EnduranceError | ValueError | LookupError | OSError):
            return False  # a refusal, which the command prints as its one `error:` line
        if text.startswith("Finished in state Failed("):
            return False  # the state line repeats what the command says (one line, or its traceback)
        return not (no_room(Exception(text)) or "rows do not reconcile" in text)


@contextmanager
def _flow_runs(settings: Settings) -> Iterator[None]:
    """Yield a Prefect API for this command's flow runs: `endurance serve`'s, or one that dies with us."""
    _prepare_prefect(settings)
    from pipelines.serve import flow_api  # imported late: Prefect reads PREFECT_HOME on import

    quiet = _OneLineReasons()
    loggers = [logging.getLogger(name) for name in ("prefect.flow_runs", "prefect.task_runs")]
    for logger in loggers:
        logger.addFilter(quiet)
    try:
        with flow_api(settings):
            yield
    finally:
        for logger in loggers:
            logger.removeFilter(quiet)


def _run_flow(
    input_dir: Path, period_from: str | None, period_to: str | None, data_label: str | None
) -> dict[str, Any]:
    from pipelines.nightly import nightly  # imported late: Prefect reads PREFECT_HOME on import

    return nightly(
        input_dir=str(input_dir),
        period_from=period_from,
        period_to=period_to,
        data_label=data_label,
    )


def _ledger_seconds(settings: Settings, run_id: str) -> float | None:
    """How long the run took by the run ledger's clock, the one `endurance runs` shows."""
    from endurance import ledger

    with warehouse.connect(settings.db_path, read_only=True) as con:
        return ledger.run_by_id(con, run_id).seconds


def _print_result(result: dict[str, Any], settings: Settings) -> None:
    counts = result["inputs"]
    seconds = _ledger_seconds(settings, result["run_id"])
    took = "-" if seconds is None else f"{seconds:.1f}"
    console.print(f"run {result['run_id']} finished in {took} s (as `endurance runs` records it)")
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
    for drawn in result.get("maps") or [result["map"]]:
        console.print(f"map:       {drawn['path']} ({drawn['bytes']:,} bytes)")
        png = drawn.get("png") or {}
        shown = png["path"] if png.get("path") else f"not rendered ({png.get('error')})"
        console.print(f"map PNG:   {shown}")
    for item in result["exports"]:
        console.print(f"export:    {item['path']}")


@app.command()
def demo(
    seed: int = typer.Option(20251, help="Seed for the synthetic data (same seed, same files)."),
    year: int = typer.Option(2025, help="Calendar year the synthetic data covers."),
) -> None:
    """Generate the synthetic demo inputs and run the whole pipeline on them.

    The demo is the whole operation: Cleveland and Durham, each force's maps, exports and
    briefing pack and the joint ones, unless ENDURANCE_FORCES names the forces to show.
    """
    from endurance.demo import generate_demo_inputs
    from endurance.forces import SHIPPED, profiles_in_use

    if not 1900 <= year <= 2100:
        raise ArgumentError(f"--year must be a calendar year from 1900 to 2100, got {year}")
    if seed < 0:
        raise ArgumentError(f"--seed must be a whole number, 0 or more; got {seed}")
    # Read by every flow of the run (Settings.from_env), so set for the process.
    os.environ.setdefault("ENDURANCE_FORCES", ",".join(SHIPPED))
    settings = Settings.from_env()
    profiles = profiles_in_use(settings)
    folder = geography.resolve_geodata_dir(env_dir=settings.geodata_dir, forces=profiles)
    inputs = generate_demo_inputs(
        settings.out_dir / "demo-inputs", folder, seed=seed, year=year, forces=profiles
    )
    names = " and ".join(profile.area_name for profile in profiles)
    console.print(f"demo inputs: {inputs.folder} ({len(inputs.files)} files, synthetic, {names})")
    with _flow_runs(settings):
        result = _run_flow(inputs.folder, f"{year}-01", f"{year}-12", DEMO_LABEL)
        meeting = _first_meeting_after(date(year, 12, 31))
        pack = _run_briefing(meeting, None, DEMO_LABEL)
    _print_result(result, settings)
    console.print(f"briefing for the meeting of {meeting} (run {pack['run_id']}):")
    _print_outputs(pack["outputs"])


def _first_meeting_after(day: date) -> date:
    """Return the first tasking-meeting day after ``day`` (the configured weekday)."""
    weekday = Settings.from_env().briefing_weekday
    return day + timedelta(days=(weekday - day.weekday() - 1) % 7 + 1)


@app.command()
def run(
    input_dir: Path = typer.Option(
        ...,
        "--input",
        exists=True,
        file_okay=False,
        help="Folder of input files (searched recursively): CSV, Excel, JSON Lines or .zip of them.",
    ),
    period_from: str = typer.Option(None, "--from", help="First month to report, YYYY-MM."),
    period_to: str = typer.Option(None, "--to", help="Last month to report, YYYY-MM."),
) -> None:
    """Run the nightly flow on your own input files."""
    settings = Settings.from_env()
    _check_months(period_from, period_to)  # before Prefect starts: a typo costs no flow run
    with _flow_runs(settings):
        result = _run_flow(input_dir, period_from, period_to, None)
    _print_result(result, settings)


def _check_months(period_from: str | None, period_to: str | None) -> None:
    """Refuse a --from or --to not written YYYY-MM, or a period that ends before it starts."""
    for value, option in ((period_from, "--from"), (period_to, "--to")):
        if value is not None:
            check_month(value, option)
    if period_from and period_to:
        Period(period_from, period_to)  # says so when it ends before it starts


def _date(value: str | None, option: str) -> date | None:
    if value is None:
        return None
    try:
        return date.fromisoformat(value)
    except ValueError:
        raise ValueError(f"{option} must be a date written YYYY-MM-DD, got {value!r}") from None


def _run_briefing(
    meeting: date, since: date | None, data_label: str | None, force: str | None = None
) -> dict[str, Any]:
    from pipelines.briefing import tasking_briefing  # imported late: Prefect reads PREFECT_HOME on import

    return tasking_briefing(meeting=meeting, since=since, data_label=data_label, force=force)


def _print_outputs(outputs: list[dict[str, Any]]) -> None:
    for item in outputs:
        console.print(f"  {item['path']} ({item['bytes']:,} bytes)", highlight=False)


@app.command()
def brief(
    meeting: str = typer.Option(..., "--meeting", help="The meeting's date, YYYY-MM-DD."),
    since: str = typer.Option(
        None, "--since", help="The previous meeting's date, YYYY-MM-DD (default: a week before)."
    ),
    label: str = typer.Option(None, "--label", help='A line shown prominently, e.g. "SYNTHETIC DEMO DATA".'),
    force: str = typer.Option(
        None,
        "--force",
        help="Whose pack: a loaded force (cleveland, durham) or joint (every loaded force together). "
        "Default: one pack per analysis area loaded (with two forces: each force's and the joint one).",
    ),
) -> None:
    """Write the tasking briefing packs for a meeting: HTML, PDF, PNG and its hotspot map.

    One pack per analysis area: the widest (the joint operation, or the only force loaded)
    is named briefing_<meeting>.html; a force's, when several are loaded,
    briefing_<meeting>_<force>.html.
    """
    day = _date(meeting, "--meeting")
    assert day is not None
    previous = _date(since, "--since")  # both dates checked before Prefect starts
    with _flow_runs(Settings.from_env()):
        result = _run_briefing(day, previous, label, force)
    console.print(
        f"briefing for {result['meeting']} (period {result['period']}, since {result['since']}; "
        f"{', '.join(result['areas'])}), run {result['run_id']}:"
    )
    _print_outputs(result["outputs"])


@app.command("map")
def map_command(
    period_from: str = typer.Option(..., "--from", help="First month to map, YYYY-MM."),
    period_to: str = typer.Option(..., "--to", help="Last month to map, YYYY-MM."),
    lad: str = typer.Option(
        None,
        "--lad",
        help="Map one local authority only (a code such as E06000002): its wards and incidents, "
        "from the analysis of its force area (or of --force when given).",
    ),
    force: str = typer.Option(
        None,
        "--force",
        help="Whose map: a loaded force (cleveland, durham) or joint (default: joint when several "
        "forces are loaded, else the one force).",
    ),
    out: Path = typer.Option(
        None,
        "--out",
        dir_okay=False,
        help="HTML file to write (default: $ENDURANCE_OUT/maps/hotspots_<period>.html; a force's "
        "map when several are loaded ends _<force>, one authority's _<code>).",
    ),
    online_tiles: bool = typer.Option(
        False, "--online-tiles", help="Add OpenStreetMap background tiles (the map then needs internet)."
    ),
    tiles: str = typer.Option(
        None,
        "--tiles",
        metavar="URL-TEMPLATE",
        help="Background tiles from this tile server, e.g. the force's own: "
        "https://tiles.example/{z}/{x}/{y}.png (default: $ENDURANCE_TILES; none: no network needed).",
    ),
    png: bool = typer.Option(False, "--png", help="Also render a PNG beside the HTML (headless Chromium)."),
) -> None:
    """Write the hotspot map for a period, analysing the period first if it has not been.

    A map is of one analysis area: a force area, or the joint operation of every loaded
    force (--force), optionally one of its local authorities (--lad). The map is one
    self-contained HTML file (no internet needed to open it) carrying the protective
    marking of ENDURANCE_MARKING. Prints where it went, its size and its layers.
    """
    from endurance.maps import publish_map
    from endurance.periods import Period

    _check_months(period_from, period_to)
    settings = Settings.from_env()
    started = time.perf_counter()
    result = publish_map(
        settings,
        Period(period_from, period_to),
        lad_code=lad,
        area=force,
        out=out,
        online_tiles=online_tiles,
        tiles=tile_template(tiles),
        png=png,
    )
    if result.analysed:
        console.print(
            f"analysed {period_from} to {period_to} first (it had not been, or newer data were loaded)",
            soft_wrap=True,
        )
    console.print(
        f"map: {result.path} ({result.bytes:,} bytes, {result.incidents:,} incidents in 100 m cells)",
        soft_wrap=True,
    )
    if result.png:
        console.print(f"png: {result.png} ({result.png.stat().st_size:,} bytes)", soft_wrap=True)
    console.print("layers: " + "; ".join(result.layers), highlight=False, soft_wrap=True)
    console.print(f"{time.perf_counter() - started:.1f} s")


@app.command()
def backtest(
    stream: str = typer.Option(
        "incidents",
        "--stream",
        help="What to backtest: incidents (off-road-bike incidents with shareable intelligence, "
        "each counted once) or policeuk_asb (police.uk antisocial behaviour).",
    ),
    period_from: str = typer.Option(None, "--from", help="First month to report on, YYYY-MM."),
    period_to: str = typer.Option(None, "--to", help="Last month to report on, YYYY-MM."),
    coverage: float = typer.Option(0.05, "--coverage", help="Share of the force area flagged, e.g. 0.05."),
    cell_m: float = typer.Option(100.0, "--cell-m", help="Grid cell size in metres."),
    force: str = typer.Option(
        None,
        "--force",
        help="Whose grid is scored: a loaded force (cleveland, durham) or joint (default: joint "
        "when several forces are loaded, else the one force).",
    ),
    as_json: bool = typer.Option(False, "--json", help="Print one JSON object for scripts."),
) -> None:
    """Score every hotspot method month by month and show which the map would use.

    Each month reported on is predicted from the months before it only. By default the
    six most recent months that can be scored are reported; --from and --to choose the
    months (--to alone: the six up to it; --from alone: all from it). The last row, the selection procedure,
    is the honest figure: each month's method chosen without seeing that month.
    Scores are stored in marts.method_backtest.
    """
    from endurance.backtests import STREAMS, record_backtest

    settings = Settings.from_env()
    _check_months(period_from, period_to)
    if stream not in STREAMS:
        raise ValueError(f"--stream must be one of {', '.join(STREAMS)}, got {stream!r}")
    if not 0 < coverage <= 1:
        raise ValueError(f"--coverage must be a share above 0 and at most 1 (e.g. 0.05), got {coverage}")
    if not 10 <= cell_m <= 5_000:
        raise ValueError(f"--cell-m must be between 10 and 5000 metres, got {cell_m:g}")
    report = record_backtest(
        settings,
        stream,
        first=period_from,
        last=period_to,
        coverage=coverage,
        cell_m=cell_m,
        area=force,
    )
    if as_json:
        print(json.dumps(report, indent=2, default=str))
        return
    _print_backtest(report)


def _print_backtest(report: dict[str, Any]) -> None:
    def number(value: float | None, form: str) -> str:
        return "-" if value is None else format(value, form)

    months = report["months"]
    span = months[0] if len(months) == 1 else f"{months[0]} to {months[-1]}"
    plural = "s" if len(months) != 1 else ""
    console.print(
        f"{report['stream']} in {report['area']}: {len(months)} month{plural} scored ({span}), "
        f"{report['coverage']:.0%} of the area flagged, {report['cell_m']:g} m cells",
        highlight=False,
    )
    table = Table(
        Column("method", overflow="fold"),
        Column("months", justify="right"),
        Column("PAI", justify="right"),
        Column("hit rate", justify="right"),
        Column("PEI*", justify="right"),
        Column("stable", justify="right"),
    )
    selected = report["selected"]
    for row in [*report["candidates"], {**selected, "method": "selected (nested)"}]:
        table.add_row(
            row["method"],
            str(row["months"]),
            number(row["pai"], ".2f"),
            number(row["hit_rate"], ".1%"),
            number(row["pei_star"], ".2f"),
            number(row["stability"], ".0%"),
            style="bold" if row["method"] in ("selected (nested)", report["naive"]["method"]) else None,
        )
    console.print(table)
    naive = report["naive"]["pai"]
    ratio = f" ({selected['pai'] / naive:.2f} times naive)" if selected["pai"] and naive else ""
    console.print(
        f"selection, nested: PAI {number(selected['pai'], '.2f')} against {number(naive, '.2f')} for the "
        f"naive baseline{ratio}",
        highlight=False,
    )
    console.print(
        f"the map would use: {selected['method']}: {selected['label']}",
        highlight=False,
    )
    console.print(
        f"stored in marts.method_backtest as {report['period']}, run {report['run_id']}", highlight=False
    )


def _say(line: str) -> None:
    """Print a line of a record, wrapped only between words: a number or a name is never cut."""
    console.print(line, highlight=False, markup=False, overflow="fold")


def _count(value: object) -> str:
    return f"{value:,}" if isinstance(value, int) else str(value if value is not None else "-")


def _reconciliation(counts: dict[str, Any]) -> str:
    """``in 2,068 = staged 2,050 + rejected 15 + duplicate 3``, the counts of a file or a run."""
    return (
        f"in {_count(counts.get('rows_in'))} = staged {_count(counts.get('staged'))} + rejected "
        f"{_count(counts.get('rejected'))} + duplicate {_count(counts.get('duplicate'))}"
    )


@app.command()
def runs(
    last: int = typer.Option(10, "--last", help="How many recent runs to show."),
    run_id: str = typer.Option(
        None, "--id", help="Show this run in full: parameters, inputs, counts, outputs."
    ),
) -> None:
    """Show the run ledger: recent flow runs with their counts and status, or one run in full."""
    from endurance import ledger

    settings = Settings.from_env()
    with warehouse.connect(settings.db_path, read_only=True) as con:
        if run_id:
            _print_run(ledger.run_by_id(con, run_id), settings)
            return
        recent = ledger.recent_runs(con, last)
    # One record of two lines per run, not a table: at 80 columns or in a cron mail a table
    # cut names and counts ("2,068…"); a record wraps between words and keeps every number whole.
    for item in recent:
        flow = item.flow if not item.deployment else f"{item.flow} (deployment {item.deployment})"
        _say(f"{item.run_id}  {item.status}  {flow}")
        took = "running" if item.seconds is None else f"{item.seconds:.1f} s"
        detail = [f"started {item.started_at:%Y-%m-%d %H:%M}, {took}"]
        if item.counts.get("inputs"):
            detail.append("rows " + _reconciliation(item.counts["inputs"]))
        detail.append(f"{len(item.outputs)} output(s)")
        _say("  " + "; ".join(detail))
    if not recent:
        _say("no runs recorded yet")


def _print_run(item: LedgerRun, settings: Settings) -> None:
    """Print one ledger run in full (``endurance runs --id``)."""
    from pipelines.serve import ui_url

    finished = f"{item.finished_at:%Y-%m-%d %H:%M:%S}" if item.finished_at else "-"
    seconds = "" if item.seconds is None else f" ({item.seconds:.1f} s)"
    lines = [
        f"run {item.run_id}: {item.flow}, {item.status}",
        f"deployment: {item.deployment or '- (not started by a deployment)'}",
        f"started {item.started_at:%Y-%m-%d %H:%M:%S}, finished {finished}{seconds}",
    ]
    if item.prefect_flow_run_id:
        lines.append(f"Prefect: {ui_url(settings.prefect_port)}/runs/flow-run/{item.prefect_flow_run_id}")
    lines.append("parameters: " + json.dumps(item.parameters, default=str))
    if item.error:
        lines.append(f"error: {item.error}")
    for name, info in (item.counts.get("built_from") or {}).items():
        lines.append(
            f"{name} read: built {info['built_at']} by run {info['run_id'] or '-'} from "
            f"{info['staged_files']:,} files ({info['staged_rows']:,} staged rows, last loaded "
            f"{info['last_loaded_at'] or '-'}; digest {info['staged_digest']}) and boundaries "
            f"{info['layers_digest']}"
        )
    for line in lines:
        console.print(line, highlight=False, markup=False, soft_wrap=True)
    _say(f"inputs: {len(item.inputs)} file(s)")
    for i in item.inputs:
        _say(f"  {Path(str(i.get('path', ''))).name} ({i.get('source', '')}, {i.get('status', '')})")
        _say("    " + _reconciliation(i))
        _say(f"    sha256 {i.get('sha256', '')}")
    _say(f"outputs: {len(item.outputs)} file(s)")
    for o in item.outputs:
        size = o.get("bytes")
        _say(f"  {o.get('path', '')} ({_count(size)} bytes)")
        _say(f"    sha256 {o.get('sha256', '')}")
    console.print("counts: " + json.dumps(item.counts, indent=2, default=str), highlight=False, markup=False)


@app.command()
def serve(
    port: int = typer.Option(
        None, "--port", help="Port of the Prefect server and UI (default ENDURANCE_PREFECT_PORT, 4200)."
    ),
) -> None:
    """Start a local Prefect server with its UI and serve the scheduled deployments.

    The UI is at http://127.0.0.1:PORT; runs start on their schedules or from the UI's
    Run button (or `endurance trigger`). Ctrl-C stops serving and the server.
    """
    settings = Settings.from_env()
    _check_port(port)
    os.environ.setdefault("PREFECT_LOGGING_LEVEL", "INFO")  # flow run logs reach the UI
    _prepare_prefect(settings)
    from pipelines.serve import serve_with_server

    try:
        serve_with_server(settings, port or settings.prefect_port)
    except BaseException as exc:  # Ctrl-C, perhaps while the server was starting: it has been stopped
        noted = _process.interrupt_arrived()
        if not (isinstance(exc, KeyboardInterrupt) or isinstance(noted, KeyboardInterrupt)):
            raise
    console.print("stopped serving; the Prefect server is stopped")


def _check_port(port: int | None) -> None:
    if port is not None and not 1 <= port <= 65535:
        raise ArgumentError(f"--port must be a TCP port from 1 to 65535, got {port}")


@app.command()
def trigger(
    deployment: str = typer.Argument(
        ...,
        help="Deployment name: nightly-ingest, policeuk-monthly, council-export-monthly or weekly-briefing.",
    ),
    param: list[str] = typer.Option(
        None,
        "--param",
        help="A parameter as key=value (repeat for several), e.g. --param period_from=2025-06.",
    ),
    wait: bool = typer.Option(
        False, "--wait", help="Wait until the run finishes; exit 1 unless it completed."
    ),
    port: int = typer.Option(
        None, "--port", help="Port of the Prefect server (default ENDURANCE_PREFECT_PORT, 4200)."
    ),
) -> None:
    """Start a run of a deployment on the local Prefect server started by `endurance serve`.

    The deployments (pipelines/deployments.py): nightly-ingest, policeuk-monthly,
    council-export-monthly, weekly-briefing. Prints the flow run id and its link in the
    Prefect UI; with --wait, how the run ended and why.
    """
    settings = Settings.from_env()
    _check_port(port)
    _prepare_prefect(settings)
    from pipelines.trigger import parse_parameters, trigger_deployment

    run = trigger_deployment(
        deployment, parse_parameters(param or []), port=port or settings.prefect_port, wait=wait
    )
    console.print(
        f"flow run {run.flow_run_id} ({run.name}) of {run.deployment}: {run.state}", highlight=False
    )
    if wait and run.state != "Completed" and run.message:
        console.print(f"reason: {run.message}", highlight=False, soft_wrap=True)
    console.print(f"Prefect UI: {run.url}", highlight=False, soft_wrap=True)
    if wait and run.state != "Completed":
        raise typer.Exit(code=1)


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

        run_id, loads = ingest_files(
            settings,
            paths,
            source=None if source == "auto" else source,
            mapping_path=mapping,
            progress=advance,
        )
    # A record per file rather than a table, so every count reads whole at 80 columns and in a log.
    _say(f"run {run_id} read {len(loads)} file(s)")
    for load in loads:
        _say(f"{Path(load.path).name} ({load.source}, {load.status})")
        _say(f"  {_reconciliation(vars(load))}; unlocated {load.unlocated:,}")
        if load.rejects_by_reason:
            reasons = ", ".join(f"{k} {v:,}" for k, v in sorted(load.rejects_by_reason.items()))
            _say(f"  rejected by reason: {reasons}")
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
    force: str = typer.Option(
        None, "--force", help="The force whose area is fetched, one in use (default: the first in use)."
    ),
) -> None:
    """Fetch a month of street-level crime from the data.police.uk API as a police.uk CSV.

    Load the file with `endurance ingest policeuk_street FILE` (or leave it in the
    nightly inbox). Prefer the archive download where you have it: the API gives no LSOA.
    """
    from endurance.sources.policeuk_api import fetch_policeuk_month

    settings = Settings.from_env()
    check_month(month, "MONTH")
    in_use = profiles_in_use(settings)
    chosen = next((p for p in in_use if p.key == (force or in_use[0].key).strip().lower()), None)
    if chosen is None:
        listed = ", ".join(p.key for p in in_use)
        raise ArgumentError(f"--force must be a force in use ({listed}: ENDURANCE_FORCES), got {force!r}")
    folder = out or settings.out_dir / "policeuk"
    check_writable(folder, "--out")  # before the API is asked for a month of crimes
    with warehouse.connect(settings.db_path) as con:
        geography.ensure_official_layers(con, env_dir=settings.geodata_dir, forces=in_use)
        path = fetch_policeuk_month(
            con, month, folder, area=area, force=chosen, base_url=settings.policeuk_api_url
        )
    console.print(f"wrote {path}")


@app.command()
def rejects(
    limit: int = typer.Option(20, help="How many rejected rows to show."),
    run: str = typer.Option(None, "--run", help="Only rows from files loaded by this run."),
) -> None:
    """Show rejected input rows with file, row, field and reason."""
    settings = Settings.from_env()
    from endurance.ledger import rejected_rows

    with warehouse.connect(settings.db_path, read_only=True) as con:
        rows = rejected_rows(con, run_id=run, limit=limit)
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
    from endurance import linking, marts
    from endurance.geography import attribution

    settings = Settings.from_env()
    started = time.perf_counter()
    with warehouse.connect(settings.db_path) as con:
        summary = attribution.attribute_events(con, full=full)
        linked = linking.link_events(con)
        marts.build_marts(con)
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
    from endurance.linking import links_by_rule, recent_links

    with warehouse.connect(settings.db_path, read_only=True) as con:
        summary = links_by_rule(con)
        rows = recent_links(con, rule=rule, limit=limit)
    console.print("links by rule: " + (", ".join(f"{r} {n:,}" for r, n in summary.items()) or "none"))
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
    from endurance.geography import list_layers

    settings = Settings.from_env()
    with warehouse.connect(settings.db_path) as con:
        layers = list_layers(con)
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
    from endurance.geography import import_layer

    settings = Settings.from_env()
    with warehouse.connect(settings.db_path) as con:
        geography.ensure_official_layers(con, env_dir=settings.geodata_dir, forces=profiles_in_use(settings))
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
        None,
        "--base-url",
        help="A mirror holding the pinned files (http(s):// or file://): <URL>/<file> is fetched. Needed in "
        "practice: the ONS addresses in the manifest serve whole-UK files, whose checksums do not match.",
    ),
    dest: Path = typer.Option(None, "--dest", file_okay=False, help="Folder (default: the download cache)."),
) -> None:
    """Copy the layers pinned in geodata/manifest.json from a mirror (--base-url), checking each sha256.

    Files already present with the pinned checksum are kept; a mismatch is refused and deleted.
    """
    from endurance.geography import fetch_official_layers

    Settings.from_env()  # a bad setting is refused by every command, before any download
    if dest is not None:
        check_writable(dest, "--dest")
    results = fetch_official_layers(dest, base_url=base_url)
    for item in results:
        console.print(f"{item.status:10} {item.path} (sha256 {item.sha256[:16]})", highlight=False)


@geodata_app.command("designations")
def geodata_designations(
    path: Path = typer.Argument(..., exists=True, dir_okay=False, help="Filled designation CSV."),
) -> None:
    """Load ward designations (Strengthen, Support, Sustain) from a CSV like the template.

    Every row is checked first; all problems are listed by row number and nothing is stored.
    """
    from endurance.geography import load_designations

    settings = Settings.from_env()
    with warehouse.connect(settings.db_path) as con:
        geography.ensure_official_layers(con, env_dir=settings.geodata_dir, forces=profiles_in_use(settings))
        loaded = load_designations(con, path)
    console.print(
        f"stored {loaded.designated} designation(s) for vintage(s) {', '.join(loaded.vintages)}; "
        f"{loaded.not_designated} ward row(s) left undesignated",
        highlight=False,
    )


export_app = typer.Typer(
    help="Write partner exports: council ward summaries as CSV, XLSX and GeoPackage.",
    no_args_is_help=True,
)
app.add_typer(export_app, name="export")


def _export_period(period_from: str | None, period_to: str | None, period: str | None) -> Period | None:
    """Return the period asked for by --from/--to or --period; None for the latest twelve months."""
    if period and (period_from or period_to):
        raise ValueError("give either --period or --from and --to, not both")
    if period:
        return parse_period(period)
    if bool(period_from) != bool(period_to):
        raise ValueError("give both --from and --to (YYYY-MM), or --period")
    if not (period_from and period_to):
        return None
    return Period(check_month(period_from, "--from"), check_month(period_to, "--to"))


@export_app.command("wards")
def export_wards(
    lad: str = typer.Option(
        "all", "--lad", help="Local authority code (E06...), or 'all' for each and force-wide."
    ),
    period_from: str = typer.Option(None, "--from", help="First month, YYYY-MM."),
    period_to: str = typer.Option(None, "--to", help="Last month, YYYY-MM."),
    period: str = typer.Option(None, "--period", help="A year (2025), quarter (2025-Q3) or month (2025-07)."),
    formats: str = typer.Option("csv,xlsx,gpkg", "--format", help="Comma-separated: csv, xlsx, gpkg."),
    out: Path = typer.Option(
        None, "--out", file_okay=False, help="Folder (default: $ENDURANCE_OUT/exports)."
    ),
) -> None:
    """Write council ward summaries for a period, with small numbers suppressed.

    One file per local authority and format, and with --lad all the force-wide file too.
    The period defaults to the latest twelve months with incidents. Prints the files
    written with their sizes; the run is recorded in the run ledger.
    """
    from endurance.exports import run_ward_export

    settings = Settings.from_env()
    chosen = _export_period(period_from, period_to, period)
    if out is not None:
        check_writable(out, "--out")
    result = run_ward_export(settings, lad=lad, period=chosen, formats=formats.split(","), out_dir=out)
    console.print(f"run {result.run_id}: ward summaries {result.period.describe()}", highlight=False)
    for path in result.paths:  # whole paths, never cut to the terminal's width
        console.print(f"{path}  {path.stat().st_size:,} bytes", highlight=False, markup=False, soft_wrap=True)


if __name__ == "__main__":
    app()
