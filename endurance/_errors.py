"""The project's error hierarchy.

Library code raises these; the CLI turns them into a clean message and a non-zero exit.
"""

from __future__ import annotations


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


class GeodataMissingError(EnduranceError, FileNotFoundError):
    """A reference boundary layer could not be found by any of the resolution routes."""


class WarehouseError(EnduranceError, RuntimeError):
    """The warehouse file cannot be opened, migrated or written."""


class ExportError(EnduranceError, ValueError):
    """A partner export cannot be written as asked (unknown format or area, no data)."""


class BrowserMissingError(EnduranceError, FileNotFoundError):
    """Headless Chromium (or the Playwright package driving it) is not installed."""
