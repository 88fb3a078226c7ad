"""Attribution against an outside truth: the LSOA police.uk assigned to its own rows."""

from pathlib import Path

import pytest

from endurance import forces, sources
from endurance.geography import attribution

SHARED_POLICEUK = Path(__file__).resolve().parents[2] / "shared" / "policeuk" / "cleveland"
DURHAM_ASB = SHARED_POLICEUK.parent / "durham_asb"
MONTHS = ("2018-10", "2018-11", "2018-12", "2019-01", "2019-02")


@pytest.mark.slow
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


def test_durham_asb_lsoa_attribution_agrees_with_policeuk(two_forces_con):
    """Durham's ASB rows (21 months) against the LSOA police.uk named, on both forces' layers.

    The 2024-25 files name LSOA 2021 codes. Where an LSOA was unchanged in 2021 its code
    is the 2011 one and the row is compared; a code new in 2021 (split or merged LSOAs)
    names no 2011 polygon, so 2011 boundaries cannot resolve it: such rows are counted
    apart, not as misses, as are rows naming an LSOA beyond both forces (police.uk
    places some Durham reports in Gateshead, Sunderland or North Yorkshire).
    """
    if not DURHAM_ASB.exists():
        pytest.skip("../shared/policeuk/durham_asb not available")
    con = two_forces_con
    sources.ingest_paths(con, [DURHAM_ASB], source="policeuk_street")
    attribution.attribute_events(con)
    rows = con.execute(
        """
        SELECT p.lsoa_code AS named, p.lsoa_name, a.lsoa_code AS ours,
               ST_Distance(ST_Point(p.x, p.y), g.geom_27700) AS metres_from_named,
               g.lsoa_code IS NOT NULL AS named_is_loaded
        FROM staging.stg_policeuk_street AS p
        LEFT JOIN staging.event_lsoas AS a ON a.event_id = p.event_id AND a.vintage = '2011'
        LEFT JOIN geo.lsoas AS g ON g.vintage = '2011' AND g.lsoa_code = p.lsoa_code
        WHERE p.x IS NOT NULL AND p.lsoa_code IS NOT NULL
        """
    ).fetchall()
    ours = tuple(f"{name} " for _, name in forces.DURHAM.authorities)
    comparable = [r for r in rows if r[4]]
    only_2021 = [r for r in rows if not r[4] and r[1].startswith(ours)]
    beyond = [r for r in rows if not r[4] and not r[1].startswith(ours)]
    misses = sorted((r for r in comparable if r[0] != r[2]), key=lambda r: -r[3])
    rate = 1 - len(misses) / len(comparable)
    total = con.execute("SELECT count(*) FROM staging.stg_policeuk_street").fetchone()[0]
    print(
        f"\nDurham ASB: {total:,} rows, {len(rows):,} located with an LSOA code; "
        f"{len(comparable):,} name a 2011 LSOA of the layers: agreement {rate:.2%} "
        f"({len(misses):,} misses, farthest {misses[0][3]:.1f} m from the named LSOA); "
        f"{len(only_2021):,} name one of {len({r[0] for r in only_2021})} LSOA 2021 codes of "
        f"County Durham and Darlington that 2011 boundaries cannot resolve; "
        f"{len(beyond):,} name an LSOA beyond both forces"
    )
    assert total == 25_168
    assert len(comparable) > 22_000
    assert rate >= 0.965
    assert all(r[3] <= 50 for r in misses), misses[:3]
    assert len(only_2021) > 2_000
