"""The demo's planted bad rows (endurance.demo.bad_rows)."""

from __future__ import annotations

from endurance import sources
from endurance.demo import bad_rows

GOOD_LOG = ["CLE-20250601-00001", "2025-06-01T19:00:00", "ASB-VEH", "NO-TRACE", "1 Moor Lane"]


def test_every_bad_row_has_its_source_header_width():
    log = bad_rows.incident_log_rows(2025, ("456700", "518200"), ("54.55", "-1.13"), repeat=["x"])
    intel = bad_rows.intelligence_rows([str(i) for i in range(len(sources.intelligence.HEADER))])
    fire = bad_rows.fire_rows(
        [str(i) for i in range(len(sources.fire.HEADER))], 2025, ("1", "2"), ("3", "4"), repeat=["x"]
    )
    outcome = bad_rows.outcome_rows([str(i) for i in range(len(sources.outcomes.HEADER))], 2025, repeat=["x"])
    for rows, header in (
        (log, sources.incident_log.HEADER),
        (intel, sources.intelligence.HEADER),
        (fire, sources.fire.HEADER),
        (outcome, sources.outcomes.HEADER),
    ):
        assert all(len(r) == len(header) for r in rows if r != ["x"])


def test_the_repeated_row_is_planted_last_and_faults_sit_in_their_columns():
    log = bad_rows.incident_log_rows(2024, ("456700", "518200"), ("54.55", "-1.13"), repeat=GOOD_LOG)
    assert log[-1] is GOOD_LOG
    by_ref = {r[0]: r for r in log[:-1]}
    assert by_ref["CLE-SWAPPED-1"][7:9] == ["-1.13", "54.55"]  # longitude in the latitude column
    assert by_ref["CLE-BNG-IN-LATLON-1"][7:9] == ["518200", "456700"]
    assert by_ref["CLE-OUTSIDE-1"][1] == "2024-06-01T19:00:00"
    assert by_ref[""][5:7] == ["456700", "518200"]
