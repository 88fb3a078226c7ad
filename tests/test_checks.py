import pytest

from endurance import _checks, marts
from endurance._errors import CheckFailedError, EnduranceError


@pytest.mark.parametrize("layer", ["marts", "hotspots"])
def test_every_layer_declares_named_queries(layer):
    checks = _checks.checks_of(layer)
    names = [check.name for check in checks]
    assert len(names) == len(set(names)) == 6
    assert all(check.query.startswith("SELECT") and check.message for check in checks)


def test_a_check_failure_is_a_pipeline_error_not_an_assertion():
    assert issubclass(CheckFailedError, EnduranceError) and issubclass(CheckFailedError, RuntimeError)
    assert not issubclass(CheckFailedError, AssertionError)


def test_clean_marts_pass_and_every_broken_check_is_listed(con):
    marts.build_marts(con)
    _checks.run_checks(con, "marts", heading="mart checks failed")  # empty marts offend nothing
    con.execute(
        "INSERT INTO marts.ward_month_counts BY NAME"
        " SELECT '2024' AS vintage, 'X01' AS ward_code, DATE '2025-01-01' AS month FROM range(2)"
    )
    with pytest.raises(CheckFailedError) as raised:
        _checks.run_checks(con, "marts", heading="mart checks failed")
    assert str(raised.value).splitlines() == [
        "mart checks failed:",
        "ward_month_counts has one row per vintage, ward and month:"
        " e.g. [('2024', 'X01', datetime.date(2025, 1, 1))]",
        "ward_month_counts ward codes are GSS ward codes: e.g. [('X01',), ('X01',)]",
    ]


def test_each_query_is_given_only_the_parameters_it_names(con):
    # DuckDB refuses a parameter a query does not use; the hotspot checks use different ones.
    names = ("area", "period", "start", "stop", "lad_codes")
    used = [{name for name in names if f"${name}" in c.query} for c in _checks.checks_of("hotspots")]
    assert {"area", "period"} in used and set(names) in used
    marts.build_marts(con)
    params = {
        "area": "cleveland",
        "period": "p",
        "start": "2025-01-01",
        "stop": "2025-02-01",
        "lad_codes": [],
    }
    _checks.run_checks(con, "hotspots", heading="h", params=params)
