"""Put a file in place only when it is complete: temporary file, flush to disk, rename.

Every output of the pipeline (maps and their PNGs, council exports, the briefing pack,
fetched police.uk months, downloaded boundaries, demo inputs) is written through
``publishing``: the content goes to a hidden file beside the target, named after this
process, is flushed to disk, and replaces the target in one rename. A crash, a kill or
a full disk at any moment leaves the previous file as it was (or no file), never a
truncated one; the hidden file is removed, or, after a kill, by the next write of the
same target.

Partial names end in ``.partial`` so a folder scan never takes one for an input table;
``keep_suffix`` keeps the real suffix before it for writers that insist on one (GDAL
picks the GeoPackage driver from ``.gpkg``).
"""

from __future__ import annotations

import errno
import os
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path

from endurance import _process
from endurance._errors import ArgumentError
from endurance.settings import DEFAULT_MARKING


@dataclass(frozen=True)
class Stamp:
    """What an output says of itself: the run that made it, when, its marking and data label.

    The map's title block and the briefing pack print all four; the data label
    ("SYNTHETIC DEMO DATA") is also set whenever the warehouse holds synthetic rows.
    """

    run_id: str
    marking: str = DEFAULT_MARKING
    data_label: str | None = None
    generated_at: datetime = field(default_factory=datetime.now)

    @property
    def generated(self) -> str:
        """Return when the output was made, to the minute (``YYYY-MM-DD HH:MM``)."""
        return f"{self.generated_at:%Y-%m-%d %H:%M}"


def check_writable(folder: Path, option: str) -> None:
    """Refuse, before any work, a folder that cannot be created or written (``/proc``, read-only).

    A nameless temporary file is opened there and closed: asking the system for permissions
    says yes to root even where nothing can be written, and a file with no name leaves
    nothing behind if the process is killed.
    """
    folder = Path(folder)
    try:
        folder.mkdir(parents=True, exist_ok=True)
        with tempfile.TemporaryFile(dir=folder):
            pass
    except OSError as exc:
        reason = exc.strerror or type(exc).__name__
        if exc.errno == errno.ENOENT and folder.is_dir():  # /proc and the like: there, but no new files
            reason = "the system allows no new files there"
        raise ArgumentError(f"{option}: cannot write to the folder {folder} ({reason})") from None


def _partial(path: Path, pid: int, *, keep_suffix: bool) -> Path:
    if keep_suffix:
        return path.with_name(f".{path.stem}.{pid}.partial{path.suffix}")
    return path.with_name(f".{path.name}.{pid}.partial")


def _clear_leftovers(path: Path) -> None:
    """Remove partial files of ``path`` left by processes that were killed while writing it."""
    for pattern in (f".{path.name}.*.partial", f".{path.stem}.*.partial{path.suffix}"):
        for old in path.parent.glob(pattern):
            pid = old.name.removeprefix(f".{path.name}.").removeprefix(f".{path.stem}.").split(".")[0]
            if pid.isdigit() and not _process.is_alive(int(pid)):
                old.unlink(missing_ok=True)


def _flush_to_disk(path: Path) -> None:
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


@contextmanager
def publishing(path: Path, *, keep_suffix: bool = False) -> Iterator[Path]:
    """Yield a temporary path to write ``path``'s content to; move it into place when the block ends.

    If the block raises (or the process dies), ``path`` is left as it was.
    """
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    _clear_leftovers(path)
    partial = _partial(path, os.getpid(), keep_suffix=keep_suffix)
    partial.unlink(missing_ok=True)
    try:
        yield partial
        _flush_to_disk(partial)
        os.replace(partial, path)
        _flush_to_disk(path.parent)  # the rename itself
    finally:
        partial.unlink(missing_ok=True)


def write_text(path: Path, text: str, *, encoding: str = "utf-8") -> Path:
    """Write ``text`` to ``path`` through a temporary file (see ``publishing``)."""
    with publishing(path) as partial:
        partial.write_text(text, encoding=encoding)
    return path
