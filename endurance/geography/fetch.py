"""Download the official layers pinned in ``geodata/manifest.json``, verifying each sha256.

The manifest pins each layer by kind, vintage, file name, source URL and checksum. The
pinned files are the Cleveland subsets described in the shared geodata's PROVENANCE.md;
the manifest's URLs name their source datasets on the ONS Open Geography Portal, which
serves the whole-UK datasets and so never matches the pinned checksums. Use
``base_url`` to fetch from a mirror serving the subsets.

The files go to the download cache, the third route of
:func:`endurance.geography.official.resolve_geodata_dir`. A download is written to a
temporary file beside its target and renamed into place only when its checksum
matches, so the cache never holds a partial or altered layer.
"""

from __future__ import annotations

import hashlib
import json
import time
import urllib.error
import urllib.request
from dataclasses import dataclass
from pathlib import Path

from endurance import _publish
from endurance._errors import FetchError, InputError
from endurance._files import sha256_file
from endurance.geography.official import cache_dir

#: The committed manifest of the official layers (vintage, source dataset, checksum).
MANIFEST_PATH = Path(__file__).resolve().parents[2] / "geodata" / "manifest.json"


@dataclass(frozen=True)
class ManifestEntry:
    """One official layer pinned in ``geodata/manifest.json``."""

    kind: str
    vintage: str
    file: str
    url: str
    source_dataset: str
    sha256: str
    bytes: int


@dataclass(frozen=True)
class FetchResult:
    """What :func:`fetch_official_layers` did with one manifest entry."""

    file: str
    path: Path
    url: str
    status: str  # "downloaded" | "present"
    sha256: str


def read_manifest(path: Path = MANIFEST_PATH) -> list[ManifestEntry]:
    """Read the manifest of official layers."""
    try:
        data = json.loads(Path(path).read_text(encoding="utf-8"))
        return [
            ManifestEntry(
                kind=str(e["kind"]),
                vintage=str(e["vintage"]),
                file=str(e["file"]),
                url=str(e["url"]),
                source_dataset=str(e["source_dataset"]),
                sha256=str(e["sha256"]).lower(),
                bytes=int(e["bytes"]),
            )
            for e in data["layers"]
        ]
    except (OSError, ValueError, KeyError, TypeError) as exc:
        raise InputError(path, [f"not a readable layer manifest: {exc!r}"]) from exc


def _download(url: str, target: Path, partial: Path, *, timeout: float, retries: int, backoff: float) -> str:
    """Download ``url`` for ``target`` into ``partial`` (a temporary file beside it); return its sha256."""
    last: Exception | None = None
    for attempt in range(retries + 1):
        if attempt:
            time.sleep(backoff * 2 ** (attempt - 1))
        digest = hashlib.sha256()
        try:
            with open(partial, "wb") as out, urllib.request.urlopen(url, timeout=timeout) as response:  # noqa: S310
                for block in iter(lambda: response.read(1 << 16), b""):
                    digest.update(block)
                    out.write(block)
        except urllib.error.HTTPError as exc:
            if exc.code < 500:  # a missing file stays missing: do not retry
                raise FetchError(f"{target.name}: {url} answered HTTP {exc.code} {exc.reason}") from exc
            last = exc
            continue
        except (urllib.error.URLError, TimeoutError, ConnectionError) as exc:
            last = exc
            continue
        return digest.hexdigest()
    raise FetchError(f"{target.name}: {url} failed after {retries + 1} attempt(s): {last}")


class _ChecksumMismatch(Exception):
    """A download whose sha256 is not the pinned one (it is then not kept)."""


def fetch_official_layers(
    dest_dir: Path | None = None,
    *,
    manifest_path: Path = MANIFEST_PATH,
    base_url: str | None = None,
    timeout: float = 60.0,
    retries: int = 3,
    backoff: float = 1.0,
) -> list[FetchResult]:
    """Download the official layers of the manifest, verifying each file's sha256.

    Parameters
    ----------
    dest_dir
        Where the files go; by default the download cache that
        ``endurance.geography.official.resolve_geodata_dir`` searches third.
    manifest_path
        The manifest of layers (kind, vintage, file, url, sha256, bytes).
    base_url
        Fetch ``<base_url>/<file>`` instead of each entry's ``url``: a mirror serving
        the pinned subsets, or a local server in tests.
    timeout, retries, backoff
        Seconds per request; extra attempts after network errors and 5xx answers, with
        ``backoff`` seconds doubling between them.

    A file already present with the pinned checksum is kept (not downloaded). Each
    download goes to a temporary file renamed into place only when its checksum
    matches; a mismatch deletes it.

    Raises
    ------
    InputError
        Naming every file whose download did not match its pinned checksum (expected
        and actual sha256), after trying every file.
    FetchError
        When a file could not be downloaded at all.
    """
    entries = read_manifest(manifest_path)
    folder = Path(dest_dir) if dest_dir is not None else cache_dir()
    folder.mkdir(parents=True, exist_ok=True)
    results: list[FetchResult] = []
    problems: list[str] = []
    for entry in entries:
        target = folder / entry.file  # a force's own files sit in its subfolder (durham/...)
        target.parent.mkdir(parents=True, exist_ok=True)
        url = f"{base_url.rstrip('/')}/{entry.file}" if base_url else entry.url
        if target.is_file() and sha256_file(target) == entry.sha256:
            results.append(FetchResult(entry.file, target, url, "present", entry.sha256))
            continue
        try:
            with _publish.publishing(target) as partial:
                actual = _download(url, target, partial, timeout=timeout, retries=retries, backoff=backoff)
                if actual != entry.sha256:
                    raise _ChecksumMismatch(actual)
        except _ChecksumMismatch as mismatch:
            problems.append(
                f"{entry.file} from {url}: sha256 mismatch, expected {entry.sha256}, got {mismatch}; "
                "the download was deleted"
            )
            continue
        results.append(FetchResult(entry.file, target, url, "downloaded", actual))
    if problems:
        raise InputError(manifest_path, problems)
    return results
