import pytest

from endurance import backtests
from endurance.forces import DEFAULT_FORCE


def test_an_unknown_stream_is_refused_naming_every_stream(con):
    with pytest.raises(ValueError, match="stream must be one of incidents, policeuk_asb, got 'fires'"):
        backtests.backtest_stream(con, "fires")


@pytest.mark.parametrize("stream", list(backtests.STREAMS))
def test_a_stream_is_scored_only_on_a_loaded_force_area(con, stream):
    with pytest.raises(
        LookupError, match=f"force area {DEFAULT_FORCE.force_code} is not loaded \\(loaded: none\\)"
    ):
        backtests.backtest_stream(con, stream)


def test_unlinked_incidents_are_refused_before_a_backtest(con):
    con.execute(
        "INSERT INTO staging.stg_incident_log_incidents (event_id, incident_ref, file_sha256,"
        " row_number, created_at, opening_code, is_off_road_bike)"
        " VALUES ('INC:1', '1', 's', 1, TIMESTAMP '2025-01-01', 'X', TRUE)"
    )
    with pytest.raises(LookupError, match="1 incident\\(s\\) are not linked yet") as refused:
        backtests.backtest_stream(con, "incidents")
    assert "run `endurance attribute` first" in str(refused.value)  # a command, not a task's name
