"""Attribution against an outside truth: the LSOA police.uk assigned to its own rows."""

from pathlib import Path

import pytest

from endurance import sources
from endurance.geography import attribution

pytestmark = pytest.mark.slow

SHARED_POLICEUK = Path(__file__).resolve().parents[2] / "shared" / "policeuk" / "cleveland"
MONTHS = ("2018-10", "2018-11", "2018-12", "2019-01", "2019-02")


def test_lsoa_attribution_agrees_with_policeuk(geo_con):
    folders = [SHARED_POLICEUK / m for m in MONTHS]
    if not all(f.exists() for f in folders):
        pytest.skip("../shared/policeuk 2018-10 to 2019-02 not available")
    sources.ingest_paths(geo_con, folders, source="policeuk_street")
    attribution.attribute_events(geo_con)
    rows = geo_con.execute(
        """
        SELECT p.event_id, p.lsoa_code AS named, a.lsoa_code AS ours, a.method,
               ST_Distance(ST_Point(p.x, p.y), g.geom_27700) AS metres_from_named,
               g.lsoa_code IS NOT NULL AS named_is_loaded
        FROM staging.stg_policeuk_street AS p
        JOIN staging.event_lsoas AS a ON a.event_id = p.event_id AND a.vintage = '2011'
        LEFT JOIN geo.lsoas AS g ON g.vintage = '2011' AND g.lsoa_code = p.lsoa_code
        WHERE p.x IS NOT NULL AND strftime(p.month, '%Y-%m') IN ?
        """,
        [list(MONTHS)],
    ).fetchall()
    comparable = [r for r in rows if r[5]]
    elsewhere = [r for r in rows if not r[5]]
    agree = sum(r[1] == r[2] for r in comparable)
    rate = agree / len(comparable)
    worst = sorted((r for r in comparable if r[1] != r[2]), key=lambda r: -r[4])[:10]
    print(
        f"\n{len(rows):,} located rows; {len(comparable):,} name a Cleveland 2011 LSOA; "
        f"agreement {rate:.4%}; {len(elsewhere)} name an LSOA outside the loaded layer"
    )
    for event_id, named, ours, method, metres, _ in worst:
        print(f"  {event_id[:24]}  police.uk {named}  ours {ours} ({method})  {metres:.1f} m from {named}")
    assert len(comparable) > 40_000
    assert rate >= 0.97
    assert all(r[4] <= 50 for r in comparable if r[1] != r[2]), worst[:3]
