"""The named-hotspot gazetteer (endurance.geography.gazetteer)."""


def test_gazetteer_has_eston_hills_spanning_several_wards_and_five_more_places(geo_con):
    names = {r[0] for r in geo_con.execute("SELECT hotspot_id FROM geo.hotspots").fetchall()}
    assert "eston-hills" in names and len(names) >= 6
    wards = geo_con.execute(
        "SELECT count(DISTINCT w.ward_code) FROM geo.wards w JOIN geo.hotspots h"
        " ON ST_Area(ST_Intersection(w.geom_27700, h.geom_27700)) > 100000"
        " WHERE h.hotspot_id = 'eston-hills' AND w.vintage = '2024'"
    ).fetchone()[0]
    assert wards >= 3
    sources = geo_con.execute("SELECT count(*) FROM geo.hotspots WHERE length(source) < 20").fetchone()
    assert sources[0] == 0


def test_coastal_hotspots_reach_beyond_the_clipped_wards(geo_con):
    seaward = geo_con.execute(
        """SELECT h.hotspot_id, ST_Area(ST_Difference(h.geom_27700, u.land)) / ST_Area(h.geom_27700)
           FROM geo.hotspots h, (SELECT ST_Union_Agg(geom_27700) AS land FROM geo.wards
                                 WHERE vintage = '2024') u
           WHERE h.hotspot_id IN ('coatham-sands', 'seaton-carew-beach')"""
    ).fetchall()
    assert all(share > 0.2 for _, share in seaward)
