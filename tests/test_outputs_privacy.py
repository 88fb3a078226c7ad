"""No planted personal data or intelligence text reaches any partner output."""

import pytest

pytestmark = pytest.mark.slow


def partner_outputs(out):
    for folder in ("maps", "exports"):
        yield from (p for p in (out / folder).rglob("*") if p.is_file())


def test_planted_personal_data_appears_in_no_output(demo_run):
    planted = demo_run["inputs"].planted
    assert len(planted) > 500  # names, phone numbers, VRMs and addresses were planted
    files = list(partner_outputs(demo_run["out"]))
    assert len(files) >= 5
    for path in files:
        text = path.read_bytes().decode("utf-8", errors="replace")
        leaked = [p for p in planted if p in text]
        assert not leaked, f"{path.name} contains planted personal data: {leaked[:5]}"
    # The planted data did reach the inputs, so the scan above can fail.
    inputs = "".join(p.read_text(encoding="utf-8") for p in demo_run["inputs"].files)
    assert all(p in inputs for p in planted[:50])


def test_intelligence_narrative_stays_in_restricted_tables(demo_run):
    from endurance import warehouse

    with warehouse.connect(demo_run["db"], read_only=True) as con:
        marts = [
            r[0]
            for r in con.execute(
                "SELECT table_name FROM information_schema.tables WHERE table_schema = 'marts'"
            ).fetchall()
        ]
        for table in marts:
            columns = {
                r[0]
                for r in con.execute(
                    "SELECT column_name FROM information_schema.columns WHERE table_schema = 'marts'"
                    " AND table_name = ?",
                    [table],
                ).fetchall()
            }
            assert not columns & {"narrative", "subject", "vrm", "phone", "location_text"}, table
        narratives = con.execute(
            "SELECT count(*) FROM staging.stg_intelligence_restricted WHERE narrative IS NOT NULL"
        )
        assert narratives.fetchone()[0] > 500
