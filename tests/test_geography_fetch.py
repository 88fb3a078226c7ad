"""Downloading the pinned official layers (endurance.geography.fetch)."""

from __future__ import annotations

import hashlib
import http.server
import json
import shutil
import threading
from functools import partial

import pytest

from endurance import forces
from endurance._errors import FetchError, InputError
from endurance.geography import fetch, official


@pytest.fixture
def mirror(tmp_path, geodata_dir):
    """Yield a local HTTP server serving copies of the shared official fetch."""
    root = tmp_path / "mirror"
    root.mkdir()
    for entry in fetch.read_manifest():
        (root / entry.file).parent.mkdir(parents=True, exist_ok=True)
        shutil.copy(geodata_dir / entry.file, root / entry.file)
    handler = partial(http.server.SimpleHTTPRequestHandler, directory=str(root))
    handler.log_message = lambda *args: None  # type: ignore[attr-defined]
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield root, f"http://127.0.0.1:{server.server_address[1]}/geodata"
    server.shutdown()
    server.server_close()


def test_manifest_pins_the_shared_files(geodata_dir):
    entries = fetch.read_manifest()
    assert {e.kind for e in entries} == {"ward", "lad", "force_area", "lsoa"}
    for entry in entries:
        data = (geodata_dir / entry.file).read_bytes()
        assert hashlib.sha256(data).hexdigest() == entry.sha256 and len(data) == entry.bytes
        assert entry.url.startswith("https://geoportal.statistics.gov.uk/")


def test_fetch_verifies_skips_and_feeds_the_cache_route(mirror, tmp_path, monkeypatch):
    root, _ = mirror
    # The mirror serves the files under /geodata/: link that path to the folder.
    (root / "geodata").symlink_to(root)
    base = mirror[1]
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "cache"))
    first = fetch.fetch_official_layers(base_url=base, retries=0)
    assert {r.status for r in first} == {"downloaded"} and len(first) == 8  # Cleveland's 6, Durham's 2
    cache = official.cache_dir()
    for entry in fetch.read_manifest():
        assert hashlib.sha256((cache / entry.file).read_bytes()).hexdigest() == entry.sha256
    assert not list(cache.glob(".*part"))
    second = fetch.fetch_official_layers(base_url=base, retries=0)
    assert {r.status for r in second} == {"present"}
    assert official.resolve_geodata_dir(None, env_dir=None) == cache
    both = (forces.CLEVELAND, forces.DURHAM)  # Durham's own files land in the cache's durham/ folder
    assert official.resolve_geodata_dir(None, env_dir=None, forces=both) == cache


def test_tampered_file_is_refused_and_removed(mirror, tmp_path):
    root, base = mirror
    (root / "geodata").symlink_to(root)
    target = root / "cleveland_wards_2024.geojson"
    target.write_bytes(target.read_bytes().replace(b"Central", b"Centrax", 1))
    dest = tmp_path / "dest"
    with pytest.raises(InputError) as info:
        fetch.fetch_official_layers(dest, base_url=base, retries=0)
    (problem,) = info.value.problems
    expected = next(e.sha256 for e in fetch.read_manifest() if e.file == target.name)
    actual = hashlib.sha256(target.read_bytes()).hexdigest()
    assert target.name in problem and expected in problem and actual in problem
    assert not (dest / target.name).exists()
    assert sorted(str(p.relative_to(dest)) for p in dest.rglob("*.geojson")) == sorted(
        e.file for e in fetch.read_manifest() if e.file != target.name
    )


def test_missing_file_on_the_mirror_is_a_fetch_error(tmp_path, mirror):
    _, base = mirror  # no /geodata/ path: every request is a 404
    with pytest.raises(FetchError, match="HTTP 404"):
        fetch.fetch_official_layers(tmp_path / "dest", base_url=base, retries=0)


def test_manifest_says_plainly_what_is_pinned():
    text = json.loads(fetch.MANIFEST_PATH.read_text())["honesty_note"]
    assert (
        "Cleveland and Durham subsets" in text
        and "NOT of anything the ONS Open Geography Portal serves" in text
    )
