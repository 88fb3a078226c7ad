"""Shared fixtures: warehouses with real boundaries, one Prefect harness, a disk to fill.

The demo run every end-to-end test shares lives in ``tests/_demo.py``.
"""

from __future__ import annotations

import os
import subprocess
import tempfile
from collections.abc import Iterator
from pathlib import Path

# Prefect reads its settings when first imported: give every test session its own home
# (and no telemetry) before anything imports it.
_PREFECT_HOME = tempfile.mkdtemp(prefix="endurance-prefect-")
os.environ["PREFECT_HOME"] = _PREFECT_HOME
os.environ["PREFECT_SERVER_ANALYTICS_ENABLED"] = "false"
os.environ["DO_NOT_TRACK"] = "1"

import duckdb  # noqa: E402
import pytest  # noqa: E402

from endurance import forces, geography, warehouse  # noqa: E402
from tests._two_forces import skip_without_durham  # noqa: E402

REPO = Path(__file__).resolve().parents[1]
pytest_plugins = ["tests._demo", "tests._fake_policeuk"]


@pytest.fixture(autouse=True)
def _environment_restored() -> Iterator[None]:
    """Give every test the environment it started with back afterwards.

    Commands run in the test process (``CliRunner``) set Prefect's variables for their own
    flows (``PREFECT_LOGGING_LEVEL=WARNING`` among them); left behind, they would reach the
    flow-run subprocesses of later tests and hide their logs.
    """
    saved = dict(os.environ)
    yield
    os.environ.clear()
    os.environ.update(saved)


def _geodata_dir() -> Path | None:
    configured = os.environ.get("ENDURANCE_GEODATA")
    for candidate in (configured, str(REPO.parent / "shared" / "geodata")):
        if candidate and any(Path(candidate).glob("*wards_*.geojson")):
            return Path(candidate)
    return None


@pytest.fixture(scope="session")
def geodata_dir() -> Path:
    """Return the official boundaries (../shared/geodata or ENDURANCE_GEODATA)."""
    folder = _geodata_dir()
    if folder is None:
        pytest.skip("official boundaries not available: set ENDURANCE_GEODATA")
    return folder


@pytest.fixture
def con() -> Iterator[duckdb.DuckDBPyConnection]:
    """Yield an empty in-memory warehouse, migrated, with spatial loaded."""
    connection = warehouse.connect(":memory:")
    yield connection
    connection.close()


@pytest.fixture(scope="session")
def geo_db(tmp_path_factory: pytest.TempPathFactory, geodata_dir: Path) -> Path:
    """Return a warehouse file with every official layer and the gazetteer loaded."""
    path = tmp_path_factory.mktemp("geo") / "boundaries.duckdb"
    with warehouse.connect(path) as connection:
        geography.load_official_layers(connection, geodata_dir)
        geography.load_hotspots(connection)
    return path


@pytest.fixture
def geo_con(geo_db: Path, tmp_path: Path) -> Iterator[duckdb.DuckDBPyConnection]:
    """Yield a private writable copy of the geography warehouse for one test."""
    yield from _private_copy(geo_db, tmp_path / "warehouse.duckdb")


def _private_copy(db: Path, copy: Path) -> Iterator[duckdb.DuckDBPyConnection]:
    """Yield a connection to a copy of ``db`` at ``copy``, closed afterwards."""
    copy.write_bytes(db.read_bytes())
    connection = warehouse.connect(copy)
    yield connection
    connection.close()


@pytest.fixture(scope="session")
def two_forces_db(tmp_path_factory: pytest.TempPathFactory, geodata_dir: Path) -> Path:
    """Return a warehouse file with the official layers of Cleveland and Durham loaded."""
    skip_without_durham(geodata_dir)
    path = tmp_path_factory.mktemp("forces") / "two_forces.duckdb"
    with warehouse.connect(path) as connection:
        geography.load_official_layers(connection, geodata_dir, forces=(forces.CLEVELAND, forces.DURHAM))
    return path


@pytest.fixture
def two_forces_con(two_forces_db: Path, tmp_path: Path) -> Iterator[duckdb.DuckDBPyConnection]:
    """Yield a private writable copy of the two-force geography warehouse for one test."""
    yield from _private_copy(two_forces_db, tmp_path / "two_forces.duckdb")


@pytest.fixture(scope="session")
def prefect_harness() -> Iterator[None]:
    """One Prefect test harness (a temporary API and database) for the whole session."""
    from prefect.testing.utilities import prefect_test_harness

    with prefect_test_harness(server_startup_timeout=120):
        yield


class SmallDisk:
    """A real, small filesystem (tmpfs) to fill up: writes past its size fail with ENOSPC."""

    def __init__(self, path: Path) -> None:
        self.path = path

    def resize(self, size: str) -> None:
        subprocess.run(["mount", "-o", f"remount,size={size}", str(self.path)], check=True)


@pytest.fixture
def small_disk(tmp_path: Path) -> Iterator[SmallDisk]:
    """Yield a 16 MB tmpfs mounted for one test (needs the right to mount; skipped without it)."""
    path = tmp_path / "disk"
    path.mkdir()
    mounted = subprocess.run(
        ["mount", "-t", "tmpfs", "-o", "size=16m", "tmpfs", str(path)], capture_output=True, text=True
    )
    if mounted.returncode != 0:
        pytest.skip(f"cannot mount a small tmpfs to fill ({mounted.stderr.strip()})")
    try:
        yield SmallDisk(path)
    finally:
        subprocess.run(["umount", "-l", str(path)], check=False)


@pytest.fixture(scope="session")
def two_forces_analysed(tmp_path_factory: pytest.TempPathFactory, geodata_dir: Path) -> dict:
    """Return a warehouse serving Cleveland and Durham with 2025 analysed per area (tests/_two_forces.py).

    Keys: ``db`` (the file: copy it before writing) and ``summaries`` (each area's analysis).
    """
    from tests._two_forces import build

    skip_without_durham(geodata_dir)
    path = tmp_path_factory.mktemp("two-forces-analysed") / "endurance.duckdb"
    return {"db": path, "summaries": build(path, geodata_dir)}
