"""The ``endurance geodata`` commands of the CLI."""

from __future__ import annotations

from pathlib import Path

import geopandas as gpd
import pytest
from typer.testing import CliRunner

from pipelines.cli import geodata_app
from tests._wards import designations_csv, four_wards_frame


@pytest.fixture(scope="module")
def four_wards(geodata_dir: Path) -> gpd.GeoDataFrame:
    """Return the four wards in British National Grid with ONS 2024 field names and no LAD fields."""
    return four_wards_frame(geodata_dir)


runner = CliRunner()
GEODATA_COMMANDS = sorted(c.name or c.callback.__name__ for c in geodata_app.registered_commands)


def test_geodata_commands_are_the_documented_ones():
    assert GEODATA_COMMANDS == ["designations", "fetch", "import", "list"]


@pytest.mark.parametrize("command", GEODATA_COMMANDS)
def test_every_geodata_command_has_help_text_and_is_in_the_readme(command):
    from pipelines.cli import app

    result = runner.invoke(app, ["geodata", command, "--help"])
    assert result.exit_code == 0
    text = result.output.split("Options")[0]
    assert len(text.strip().splitlines()) >= 2, f"geodata {command} has no help text"
    readme = (Path(__file__).resolve().parents[1] / "README.md").read_text()
    assert f"endurance geodata {command}" in readme


def test_cli_import_list_and_designations(geo_db, four_wards, tmp_path, monkeypatch):
    from pipelines.cli import app

    db = tmp_path / "w.duckdb"
    db.write_bytes(geo_db.read_bytes())
    monkeypatch.setenv("ENDURANCE_DB", str(db))
    four_wards.to_file(tmp_path / "w.gpkg", driver="GPKG")
    result = runner.invoke(app, ["geodata", "import", "ward", str(tmp_path / "w.gpkg"), "--vintage", "mine"])
    assert result.exit_code == 0, result.output
    assert "imported 4 ward features as vintage mine" in result.output
    listed = runner.invoke(app, ["geodata", "list"])
    assert listed.exit_code == 0 and "mine" in listed.output and "gazetteer" in listed.output
    bad = designations_csv(tmp_path, "E05012441,Eston,2024,Maybe,2024-04-01,,")
    result = runner.invoke(app, ["geodata", "designations", str(bad)])
    assert result.exit_code == 1 and "row 2: designation 'Maybe'" in result.output
    assert "Traceback" not in result.output
