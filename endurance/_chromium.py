"""Headless Chromium for static renderings: map PNGs and briefing PDFs.

Playwright drives the Chromium already on the machine (Debian's ``/usr/bin/chromium``,
or ``ENDURANCE_CHROMIUM``); it never downloads a browser. Pages are opened with the
network closed, exactly as a meeting-room laptop with no connection would open them:
only ``file:`` and ``data:`` URLs load, so a rendering that looks right here proves the
file is self-contained.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING

from endurance._errors import EnduranceError

if TYPE_CHECKING:
    from playwright.sync_api import Page

DEFAULT_CHROMIUM = Path("/usr/bin/chromium")
#: Flags for a headless browser in a container with no display and no network.
LAUNCH_ARGS = (
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
)


class ChromiumMissing(EnduranceError):
    """No Chromium to render with."""


def chromium_path() -> Path:
    """The Chromium executable: ``ENDURANCE_CHROMIUM`` or Debian's package."""
    path = Path(os.environ.get("ENDURANCE_CHROMIUM") or DEFAULT_CHROMIUM)
    if not path.exists():
        raise ChromiumMissing(
            f"Chromium not found at {path}: install Debian's package (`sudo apt-get install chromium`, "
            "which `make test` does) or set ENDURANCE_CHROMIUM to a Chromium executable"
        )
    return path


@contextmanager
def offline_page(width: int = 1400, height: int = 1000) -> Iterator[Page]:
    """Yield a page in headless Chromium that can load nothing from the network."""
    executable = chromium_path()
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=str(executable), args=list(LAUNCH_ARGS))
        try:
            context = browser.new_context(viewport={"width": width, "height": height})
            context.route(
                "**/*",
                lambda route: (
                    route.continue_() if route.request.url.startswith(("file:", "data:")) else route.abort()
                ),
            )
            yield context.new_page()
        finally:
            browser.close()


def render(
    html_path: Path,
    *,
    png_path: Path | None = None,
    pdf_path: Path | None = None,
    width: int = 1400,
    height: int = 1000,
    full_page: bool = False,
    ready: str | None = None,
    timeout_ms: int = 60_000,
) -> None:
    """Open ``html_path`` offline and save a PNG screenshot and/or an A4 PDF of it.

    Parameters
    ----------
    ready
        A JavaScript expression that is true once the page has drawn what matters (for
        a map, its layers); without it the page's load event is enough.
    full_page
        Screenshot the whole scrolling page rather than the viewport.
    """
    if png_path is None and pdf_path is None:
        raise ValueError("render needs png_path, pdf_path or both")
    with offline_page(width, height) as page:
        page.goto(Path(html_path).resolve().as_uri(), wait_until="load", timeout=timeout_ms)
        if ready:
            page.wait_for_function(ready, timeout=timeout_ms)
        if png_path is not None:
            Path(png_path).parent.mkdir(parents=True, exist_ok=True)
            page.screenshot(path=str(png_path), full_page=full_page)
        if pdf_path is not None:
            Path(pdf_path).parent.mkdir(parents=True, exist_ok=True)
            page.emulate_media(media="print")
            page.pdf(path=str(pdf_path), format="A4", print_background=True, prefer_css_page_size=True)
