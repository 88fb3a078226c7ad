"""Headless Chromium with the network closed, for static PNGs of the maps and for tests.

Playwright drives Debian's Chromium (``/usr/bin/chromium``); it never downloads a
browser of its own. Every request other than the file itself and inline ``data:``
URIs is aborted, as on a meeting-room laptop with no internet, so a map that would
need the network shows it at once.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from endurance._errors import BrowserMissingError

#: Debian's Chromium, installed with ``apt-get install chromium`` (``make chromium``).
CHROMIUM = Path("/usr/bin/chromium")
LAUNCH_ARGS = (
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
)


def _offline(route: Any) -> None:
    if route.request.url.startswith(("file:", "data:")):
        route.continue_()
    else:
        route.abort()


@contextmanager
def offline_page(*, width: int = 1400, height: int = 1000, chromium: Path = CHROMIUM) -> Iterator[Any]:
    """Yield a Playwright page in headless Chromium that can load only files and data URIs.

    Raises
    ------
    BrowserMissingError
        If Chromium or the Playwright package is missing, naming how to install them.
    """
    if not chromium.is_file():
        raise BrowserMissingError(
            f"Chromium not found at {chromium}: install Debian's chromium package "
            "(`sudo apt-get install chromium`, or `make chromium`); Playwright drives it and "
            "never downloads a browser"
        )
    try:
        from playwright.sync_api import sync_playwright
    except ImportError as exc:
        raise BrowserMissingError(
            "the playwright Python package is missing: reinstall the project (`pip install -e .`)"
        ) from exc
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=str(chromium), args=list(LAUNCH_ARGS))
        try:
            context = browser.new_context(viewport={"width": width, "height": height})
            context.route("**/*", _offline)
            yield context.new_page()
        finally:
            browser.close()
