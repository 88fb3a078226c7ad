"""The project's error hierarchy.

Library code raises these; the CLI turns them into a clean message and a non-zero exit.
"""

from __future__ import annotations

import errno
from collections.abc import Iterator


class EnduranceError(Exception):
    """Base class for every error the pipeline raises on purpose."""


class InputError(EnduranceError, ValueError):
    """An input file cannot be read as the format it claims to be.

    The message names the file and lists every file-level problem found, so a user
    can fix them all in one pass.
    """

    def __init__(self, path: object, problems: list[str]) -> None:
        self.path = str(path)
        self.problems = list(problems)
        lines = "\n".join(f"  - {p}" for p in self.problems)
        super().__init__(f"{self.path}: {len(self.problems)} problem(s):\n{lines}")


class ArgumentError(EnduranceError, ValueError):
    """An option, parameter or setting is not valid; the message names it, the value and what is allowed."""


class SettingsError(ArgumentError):
    """An ``ENDURANCE_*`` setting is not valid (every bad one is listed at once)."""


class PeriodError(ArgumentError):
    """A month or period is not written as asked, or ends before it starts."""


class ParameterError(ArgumentError):
    """A flow run was refused before any work: one of its parameters is not valid."""


class NotLoadedError(EnduranceError, LookupError):
    """What a command needs is not in the warehouse yet (boundaries, incidents, marts).

    The message says what is missing and the command that loads it.
    """


class RunNotFoundError(NotLoadedError):
    """No run in the ledger has the id asked for."""


class GeodataMissingError(EnduranceError, FileNotFoundError):
    """A reference boundary layer could not be found by any of the resolution routes."""


class FetchError(EnduranceError, ConnectionError):
    """A layer could not be downloaded after the allowed retries."""


class WarehouseError(EnduranceError, RuntimeError):
    """The warehouse file cannot be opened, migrated or written."""


class WarehouseLockedError(WarehouseError, TimeoutError):
    """Another process held the warehouse for longer than this one would wait."""


class CheckFailedError(EnduranceError, RuntimeError):
    """Built data failed a check its layer declares (``endurance/sql/checks``): nothing was committed.

    The message lists every failed check with a few offending rows.
    """


class ExportError(EnduranceError, ValueError):
    """A partner export cannot be written as asked (unknown format or area, no data)."""


class BrowserMissingError(EnduranceError, FileNotFoundError):
    """Headless Chromium (or the Playwright package driving it) is not installed."""


class AssetsMissingError(EnduranceError, FileNotFoundError):
    """The pinned npm packages (Leaflet and its plugins) are not installed: run `npm ci`."""


class ServerError(EnduranceError, RuntimeError):
    """The local Prefect server could not be started, or is not running."""


class TriggerError(ArgumentError):
    """A deployment run cannot be started as asked (unknown deployment, a parameter not key=value)."""


class ReconcileError(EnduranceError, AssertionError):
    """A load would lose rows (rows in differ from staged + rejected + duplicate): a bug, not bad input.

    Raised before the load's transaction commits, so nothing of the file is written.
    """


class Terminated(KeyboardInterrupt):
    """The process was asked to stop (SIGTERM): unwound like Ctrl-C, so runs are recorded as interrupted."""


class StaleDataError(EnduranceError, LookupError):
    """Derived data (attribution, links, marts, a period's analysis) is older than what it covers.

    The message names what is stale and the command that brings it up to date.
    """


_NO_ROOM = (errno.ENOSPC, errno.EFBIG, errno.EDQUOT)
_NO_ROOM_TEXT = ("no space left on device", "file too large", "disk quota exceeded")


def _chain(exc: BaseException) -> Iterator[BaseException]:
    """``exc`` and the exceptions it arose from, each once."""
    seen: set[int] = set()
    current: BaseException | None = exc
    while current is not None and id(current) not in seen:
        seen.add(id(current))
        yield current
        current = current.__cause__ or current.__context__


def no_room(exc: BaseException) -> bool:
    """Whether ``exc`` (or what caused it) says a disk is full or a file may grow no more."""
    return any(
        (isinstance(e, OSError) and e.errno in _NO_ROOM) or any(t in str(e).lower() for t in _NO_ROOM_TEXT)
        for e in _chain(exc)
    )


def is_interrupt(exc: BaseException) -> bool:
    """Whether ``exc`` is the process being stopped: Ctrl-C, SIGTERM, or a query cut short by either.

    DuckDB catches SIGINT itself while a query runs and raises ``RuntimeError("Query
    interrupted")`` (``InterruptException`` in some calls) instead of KeyboardInterrupt;
    Prefect raises ``TerminationSignal`` for SIGTERM inside a flow run.
    """
    if not isinstance(exc, Exception):
        return not isinstance(exc, GeneratorExit)
    return type(exc).__name__ == "InterruptException" or (
        isinstance(exc, RuntimeError) and str(exc).strip() == "Query interrupted"
    )


class NoDataError(EnduranceError, LookupError):
    """Nothing is loaded for the period asked: an output of it would show nothing but zeros."""


class AnalysisMissingError(EnduranceError, LookupError):
    """The hotspot analysis marts hold no rows for the period to map."""


class PoliceApiError(EnduranceError, RuntimeError):
    """The data.police.uk API refused a request, kept failing, or answered unusably."""


class MonthNotAvailableError(PoliceApiError, LookupError):
    """The month asked for is not among those the API holds."""


class AreaNotFoundError(EnduranceError, LookupError):
    """The area to fetch is not in the warehouse's geography."""


def by_sigterm(exc: BaseException) -> bool:
    """Whether the interrupt ``exc`` (or one it arose from) is SIGTERM rather than Ctrl-C."""
    return any(isinstance(e, Terminated) or type(e).__name__ == "TerminationSignal" for e in _chain(exc))
