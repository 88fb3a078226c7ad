"""Counting a CSV file's records from its bytes, independently of any CSV reader.

A reader can fall silent on a record it cannot hold: DuckDB 1.5.5 drops a police.uk row
with an unquoted field of tens of megabytes without a word (the file's next rows then
take its row numbers), where a row of 10-20 MB is reported as malformed. So the loader
counts the records itself, in the pass that computes the file's sha256, and compares:

- a record ends at a newline outside quotes; blank lines are not records; the first
  record is the header;
- quotes follow RFC 4180 as the readers do: a quote opens a quoted field only at the
  start of a field, and inside one two quotes stand for a quote; a quote inside an
  unquoted field (``On or near Bob"s Lane``) is an ordinary character;
- a record longer than ``MAX_RECORD_BYTES`` is noted with its row number and place, so
  the loader can set it aside as malformed before the reader sees it.

Newlines are found with numpy a block at a time; only quote characters are looked at one
by one (police.uk files hold none), so the count costs little beside the checksum.
"""

from __future__ import annotations

import hashlib
import shutil
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from tempfile import TemporaryDirectory

import numpy as np

#: The longest record a reader is given, in bytes (DuckDB's ``max_line_size``, 2,000,000).
MAX_RECORD_BYTES = 2_000_000
_BLOCK = 1 << 22
_QUOTE, _NEWLINE, _RETURN, _COMMA = 34, 10, 13, 44


@dataclass(frozen=True)
class Oversized:
    """A record too long to read: its row number (1 = the first after the header) and bytes."""

    row_number: int
    start: int
    length: int  # without its line ending
    stop: int  # offset just past its line ending (or the end of the file)


@dataclass(frozen=True)
class RecordScan:
    """What a file holds, counted from its bytes."""

    sha256: str
    records: int  # data records after the header
    oversized: tuple[Oversized, ...] = field(default_factory=tuple)


class _Counter:
    """The scanning state carried from one block to the next."""

    def __init__(self, max_bytes: int) -> None:
        self.max_bytes = max_bytes
        self.in_quotes = False
        self.skip_quote = False  # the next byte is the second quote of an escaped pair
        self.prev = _NEWLINE  # the byte before the current block (a file starts a record)
        self.record_start = 0  # offset of the current record's first byte
        self.seen = 0  # non-blank records so far, the header included
        self.oversized: list[Oversized] = []
        self.last_was_return = False
        self.pending_close: int | None = None  # a quote ended the last block: closing, or half a pair?

    def _quoted_spans(self, data: np.ndarray, offset: int) -> tuple[np.ndarray, np.ndarray]:
        """Return the starts and ends (global offsets) of the quoted stretches in ``data``."""
        starts, ends = [], []
        if self.in_quotes:
            starts.append(offset - 1)
        quotes = np.flatnonzero(data == _QUOTE)
        for q in quotes.tolist():
            if self.skip_quote:
                self.skip_quote = False
                continue
            if not self.in_quotes:
                before = data[q - 1] if q else self.prev
                if before in (_COMMA, _NEWLINE, _RETURN):
                    self.in_quotes = True
                    starts.append(offset + q)
            elif q + 1 < len(data) and data[q + 1] == _QUOTE:
                self.skip_quote = True  # "" inside quotes: a quote
            elif q + 1 == len(data):
                self.skip_quote = False
                self.pending_close = offset + q  # decided by the next block's first byte
            else:
                self.in_quotes = False
                ends.append(offset + q)
        if self.in_quotes:
            ends.append(np.iinfo(np.int64).max)
        return np.asarray(starts, dtype=np.int64), np.asarray(ends, dtype=np.int64)

    def feed(self, data: np.ndarray, offset: int) -> None:
        """Count the records ending in ``data``, which starts at file offset ``offset``."""
        self.pending_close = None
        starts, ends = self._quoted_spans(data, offset)
        newlines = np.flatnonzero(data == _NEWLINE).astype(np.int64) + offset
        if starts.size:
            index = np.searchsorted(starts, newlines, side="right") - 1
            inside = (index >= 0) & (newlines < ends[np.maximum(index, 0)])
            newlines = newlines[~inside]
        self._records(newlines, data, offset)
        if len(data):
            self.prev = int(data[-1])
            self.last_was_return = self.prev == _RETURN

    def resolve_pending(self, first: int | None) -> None:
        """Decide a quote that ended the last block, now that the next byte (or the end) is known."""
        if self.pending_close is None:
            return
        if first == _QUOTE:
            self.skip_quote = True  # an escaped pair split across blocks: still quoted
        else:
            self.in_quotes = False
        self.pending_close = None

    def _records(self, ends: np.ndarray, data: np.ndarray, offset: int) -> None:
        if not ends.size:
            return
        starts = np.concatenate(([self.record_start], ends[:-1] + 1))
        lengths = ends - starts
        before_newline = ends - 1 - offset
        has_return = np.zeros(len(ends), dtype=bool)
        inside = before_newline >= 0
        has_return[inside] = data[before_newline[inside]] == _RETURN
        has_return[~inside] = self.last_was_return  # the newline opens the block
        lengths = lengths - has_return
        counted = lengths > 0
        numbers = self.seen + np.cumsum(counted)  # 1 = the header
        for i in np.flatnonzero(counted & (lengths > self.max_bytes)).tolist():
            self.oversized.append(
                Oversized(int(numbers[i]) - 1, int(starts[i]), int(lengths[i]), int(ends[i]) + 1)
            )
        self.seen += int(counted.sum())
        self.record_start = int(ends[-1]) + 1

    def finish(self, size: int, last: bytes) -> int:
        """Count a last record with no newline after it (``last``: its first bytes); return data records."""
        if size > self.record_start and last.strip(b"\r"):
            self.seen += 1
            length = size - self.record_start
            if length > self.max_bytes:
                self.oversized.append(Oversized(self.seen - 1, self.record_start, length, size))
        return max(self.seen - 1, 0)


def scan_records(path: Path, *, max_bytes: int = MAX_RECORD_BYTES, block_size: int = _BLOCK) -> RecordScan:
    """Count the data records of a CSV file from its bytes, with its sha256 and its oversized records.

    ``block_size`` is how much is read at a time (any size gives the same answer).
    """
    digest = hashlib.sha256()
    counter = _Counter(max_bytes)
    offset = 0
    with open(path, "rb") as handle:
        while block := handle.read(block_size):
            digest.update(block)
            data = np.frombuffer(block, dtype=np.uint8)
            counter.resolve_pending(int(data[0]))
            counter.feed(data, offset)
            offset += len(block)
        counter.resolve_pending(None)
        handle.seek(counter.record_start)
        last = handle.read(64)
    records = counter.finish(offset, last)
    return RecordScan(digest.hexdigest(), records, tuple(counter.oversized))


@contextmanager
def without_oversized(path: Path, scan: RecordScan) -> Iterator[Path]:
    """Yield ``path``, or a temporary copy of it without its oversized records, for a reader."""
    if not scan.oversized:
        yield path
        return
    with TemporaryDirectory(prefix="endurance-records-") as folder:
        copy = Path(folder) / path.name
        with open(path, "rb") as source, open(copy, "wb") as sink:
            position = 0
            for record in scan.oversized:
                _copy_range(source, sink, position, record.start)
                position = record.stop  # past the record and its line ending
            source.seek(position)
            shutil.copyfileobj(source, sink, _BLOCK)
        yield copy


def _copy_range(source: object, sink: object, start: int, stop: int) -> None:
    source.seek(start)  # type: ignore[attr-defined]
    left = stop - start
    while left > 0:
        chunk = source.read(min(left, _BLOCK))  # type: ignore[attr-defined]
        if not chunk:
            break
        sink.write(chunk)  # type: ignore[attr-defined]
        left -= len(chunk)
