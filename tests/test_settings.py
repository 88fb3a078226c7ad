from pathlib import Path

import pytest

from endurance.settings import Settings


def test_defaults_put_everything_under_out():
    settings = Settings.from_env({})
    assert settings.out_dir == Path("out")
    assert settings.db_path == Path("out/endurance.duckdb")
    assert settings.prefect_home == Path("out/.prefect")
    assert settings.geodata_dir is None
    assert settings.output_vintage == "2024"
    assert settings.suppression_threshold == 5
    assert settings.marking == "OFFICIAL-SENSITIVE"


def test_environment_overrides_each_field(tmp_path):
    settings = Settings.from_env(
        {
            "ENDURANCE_OUT": str(tmp_path / "o"),
            "ENDURANCE_DB": str(tmp_path / "w.duckdb"),
            "ENDURANCE_GEODATA": str(tmp_path / "g"),
            "ENDURANCE_PREFECT_HOME": str(tmp_path / "p"),
            "ENDURANCE_WARD_VINTAGE": "2018",
            "ENDURANCE_SUPPRESS_BELOW": "10",
            "ENDURANCE_MARKING": " OFFICIAL ",
        }
    )
    assert settings.db_path == tmp_path / "w.duckdb"
    assert settings.maps_dir == tmp_path / "o" / "maps"
    assert settings.exports_dir == tmp_path / "o" / "exports"
    assert settings.geodata_dir == tmp_path / "g"
    assert settings.prefect_home == tmp_path / "p"
    assert settings.output_vintage == "2018"
    assert settings.suppression_threshold == 10
    assert settings.marking == "OFFICIAL"


@pytest.mark.parametrize("value", ["0", "five", "-3"])
def test_bad_threshold_is_refused_with_the_variable_named(value):
    with pytest.raises(ValueError, match="ENDURANCE_SUPPRESS_BELOW"):
        Settings.from_env({"ENDURANCE_SUPPRESS_BELOW": value})


@pytest.mark.parametrize(
    ("value", "expected"), [("", False), ("false", False), ("TRUE", True), ("1", True), ("yes", True)]
)
def test_handling_code_c_is_shared_only_when_switched_on(value, expected):
    assert Settings.from_env({}).share_handling_c is False
    assert Settings.from_env({"ENDURANCE_SHARE_HANDLING_C": value}).share_handling_c is expected


def test_a_bad_sharing_flag_is_refused_with_the_variable_named():
    with pytest.raises(ValueError, match="ENDURANCE_SHARE_HANDLING_C must be true or false, got 'maybe'"):
        Settings.from_env({"ENDURANCE_SHARE_HANDLING_C": "maybe"})
