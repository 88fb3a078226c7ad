"""The data.police.uk API client, against a local server that speaks the API."""

from __future__ import annotations

import logging
import math
import socket
from typing import Any

import pytest
import shapely
from shapely.geometry import Point, Polygon, box

from endurance import sources
from endurance._errors import AreaNotFoundError, MonthNotAvailableError, PoliceApiError
from endurance.forces import DEFAULT_FORCE
from endurance.sources.policeuk_api import (
    ARCHIVE_URL,
    CRIME_TYPES,
    PoliceApi,
    fetch_policeuk_month,
    fetch_street_crimes,
    street_csv_name,
    write_street_csv,
)
from tests._fake_policeuk import (
    MONTH,
    ON_CUT,
    RECTANGLE,
    SLUGS,
    FakeClock,
    lonlat,
    make_crime,
)


def ids_where(crimes: list[dict[str, Any]], keep: Any) -> list[int]:
    return sorted(c["id"] for c in crimes if keep(*lonlat(c)))


# --- splitting, POST, holes ------------------------------------------------------------


def test_split_on_503_returns_exactly_the_crimes_inside_once(fake_api):
    fake_api.limit = 20
    got = fetch_street_crimes(RECTANGLE, MONTH, api=PoliceApi(fake_api.url))

    # By hand: 10 grid longitudes x 5 latitudes (54.565 .. 54.645) inside, plus ON_CUT.
    expected = ids_where(fake_api.crimes, lambda x, y: -1.25 <= x <= -1.05 and 54.55 <= y <= 54.65)
    assert len(expected) == 51
    assert [c["id"] for c in got] == expected  # in id order, each once
    statuses = [s.status for s in fake_api.requests_to("/api/crimes-street/")]
    assert statuses.count(503) == 3 and statuses.count(200) == 4  # whole, 2 halves, 4 quarters
    # ON_CUT lies on both cut lines: four pieces returned it, the client kept it once.
    on_cut_id = fake_api.crimes[-1]["id"]
    assert sum(on_cut_id in s.ids for s in fake_api.seen) == 4
    assert {s.method for s in fake_api.seen} == {"GET"}


def test_split_gives_up_with_a_clear_error_at_the_depth_limit(fake_api):
    fake_api.limit = 0  # every piece holding a crime is "too busy"
    with pytest.raises(PoliceApiError, match=r"503 after cutting the area in two 2 times"):
        fetch_street_crimes(RECTANGLE, MONTH, api=PoliceApi(fake_api.url, max_split_depth=2))


def test_a_long_outline_is_sent_as_post(fake_api):
    fake_api.limit = 200
    cx, cy, r = ON_CUT[0], ON_CUT[1], 0.05
    ring = [
        (cx + r * math.cos(2 * math.pi * k / 300), cy + r * math.sin(2 * math.pi * k / 300))
        for k in range(300)
    ]
    circle = Polygon(ring)
    got = fetch_street_crimes(circle, MONTH, api=PoliceApi(fake_api.url))

    (request,) = fake_api.requests_to("/api/crimes-street/")
    assert request.method == "POST" and request.status == 200
    poly = ":".join(f"{y:.6f},{x:.6f}" for x, y in ring)
    assert len(fake_api.url) + len("/crimes-street/all-crime?poly=&date=2025-06") + len(poly) > 4094
    assert request.target_length < 100  # the outline travelled in the body
    # By hand: grid points closer to the centre than r. None lies within 5e-4 of the rim,
    # far more than the 300-gon's 3e-6 departure from the circle.
    assert min(abs(math.hypot(x - cx, y - cy) - r) for x, y in map(lonlat, fake_api.crimes)) > 5e-4
    expected = ids_where(fake_api.crimes, lambda x, y: math.hypot(x - cx, y - cy) < r)
    assert len(expected) == 21
    assert [c["id"] for c in got] == expected


def test_crimes_in_a_hole_are_dropped_and_lat_lon_pairs_work(fake_api):
    fake_api.limit = 200
    hole = box(-1.20, 54.57, -1.10, 54.63)
    holed = Polygon(RECTANGLE.exterior.coords, [hole.exterior.coords])
    got = fetch_street_crimes(holed, MONTH, api=PoliceApi(fake_api.url))

    in_hole = lambda x, y: -1.20 < x < -1.10 and 54.57 < y < 54.63  # noqa: E731
    expected = ids_where(
        fake_api.crimes, lambda x, y: -1.25 <= x <= -1.05 and 54.55 <= y <= 54.65 and not in_hole(x, y)
    )
    assert len(expected) == 51 - 5 * 3 - 1  # 5 longitudes x 3 latitudes and ON_CUT sit in the hole
    assert [c["id"] for c in got] == expected

    pairs = [(lat, lon) for lon, lat in list(RECTANGLE.exterior.coords)[:-1]]
    by_pairs = fetch_street_crimes(pairs, MONTH, api=PoliceApi(fake_api.url))
    assert len(by_pairs) == 51


def test_category_is_passed_to_the_api(fake_api):
    got = fetch_street_crimes(RECTANGLE, MONTH, category="anti-social-behaviour", api=PoliceApi(fake_api.url))
    assert got and {c["category"] for c in got} == {"anti-social-behaviour"}
    assert fake_api.requests_to("/api/crimes-street/anti-social-behaviour")
    with pytest.raises(ValueError, match="category must be 'all-crime' or one of"):
        fetch_street_crimes(RECTANGLE, MONTH, category="violence", api=PoliceApi(fake_api.url))


def test_polygon_in_metres_or_swapped_is_refused_before_any_request(fake_api):
    with pytest.raises(ValueError, match="not UK longitude/latitude"):
        fetch_street_crimes(box(445_000, 515_000, 460_000, 525_000), MONTH, api=PoliceApi(fake_api.url))
    with pytest.raises(ValueError, match="not UK longitude/latitude"):
        fetch_street_crimes(box(54.55, -1.25, 54.65, -1.05), MONTH, api=PoliceApi(fake_api.url))
    assert fake_api.seen == []


# --- retries ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("failures", "sleeps"),
    [
        ([(429, "2"), (429, "2")], [2.0, 2.0]),  # Retry-After honoured
        ([(429, None), (500, None), (502, None)], [1.0, 2.0, 4.0]),  # exponential without it
        ([(503, "1")], [1.0]),  # an overloaded server, not a busy area: retried, not split
    ],
)
def test_429_and_5xx_are_retried_with_backoff(fake_api, failures, sleeps):
    fake_api.failures = list(failures)
    fake_api.limit = 200
    clock = FakeClock()
    got = fetch_street_crimes(RECTANGLE, MONTH, api=PoliceApi(fake_api.url, sleep=clock.sleep))
    assert clock.sleeps == sleeps
    assert len(got) == 51
    statuses = [s.status for s in fake_api.requests_to("/api/crimes-street/")]
    assert statuses == [f[0] for f in failures] + [200]


def test_429_gives_a_clear_error_after_max_retries(fake_api):
    fake_api.failures = [(429, None)] * 3
    clock = FakeClock()
    with pytest.raises(PoliceApiError) as info:
        fetch_street_crimes(RECTANGLE, MONTH, api=PoliceApi(fake_api.url, sleep=clock.sleep, max_retries=2))
    message = str(info.value)
    assert "failed 3 time(s) (HTTP 429, HTTP 429, HTTP 429)" in message
    assert "max_retries=2" in message and "15 requests a second" in message
    assert "crimes-street/all-crime (date=2025-06, poly of 4 points)" in message
    assert clock.sleeps == [1.0, 2.0]


def test_a_hanging_server_times_out_and_is_reported(fake_api):
    fake_api.hang_seconds = 0.5
    api = PoliceApi(fake_api.url, timeout=0.1, max_retries=0)
    with pytest.raises(PoliceApiError, match=r"failed 1 time\(s\) \(.*timed out"):
        api.street_crimes(RECTANGLE, MONTH)


def test_a_refused_connection_says_so_and_nothing_about_the_rate_limit(caplog):
    with socket.socket() as probe:  # a port nothing listens on: bound, closed, not reused at once
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    clock = FakeClock()
    api = PoliceApi(f"http://127.0.0.1:{port}/api", sleep=clock.sleep, max_retries=2)
    with caplog.at_level(logging.WARNING, logger="endurance._http"), pytest.raises(PoliceApiError) as info:
        api.available_months()
    message = str(info.value)
    assert f"GET http://127.0.0.1:{port}/api/crimes-street-dates failed 3 time(s)" in message
    assert message.count("connection refused") == 3
    assert "429" not in message and "requests a second" not in message
    # Each retry is a warning saying what happened.
    retries = [r for r in caplog.records if r.name == "endurance._http"]
    assert [r.levelno for r in retries] == [logging.WARNING] * 2
    assert all("connection refused" in r.getMessage() and "retry" in r.getMessage() for r in retries)


def test_other_4xx_fail_at_once(fake_api):
    fake_api.failures = [(400, None)]
    with pytest.raises(PoliceApiError, match="HTTP 400"):
        fetch_street_crimes(RECTANGLE, MONTH, api=PoliceApi(fake_api.url, sleep=FakeClock().sleep))
    assert len(fake_api.requests_to("/api/crimes-street/")) == 1


# --- months ----------------------------------------------------------------------------


def test_a_month_older_than_the_api_keeps_names_the_range_and_the_archive(fake_api):
    with pytest.raises(MonthNotAvailableError) as info:
        fetch_street_crimes(RECTANGLE, "2019-05", api=PoliceApi(fake_api.url))
    message = str(info.value)
    assert "2019-05" in message and "2023-01 to 2025-12" in message and ARCHIVE_URL in message
    with pytest.raises(MonthNotAvailableError, match="2026-02 is not published yet .*2023-01 to 2025-12"):
        fetch_street_crimes(RECTANGLE, "2026-02", api=PoliceApi(fake_api.url))
    assert fake_api.requests_to("/api/crimes-street/") == []  # refused before asking for crimes
    with pytest.raises(ValueError, match="month must be YYYY-MM"):
        fetch_street_crimes(RECTANGLE, "2025-6", api=PoliceApi(fake_api.url))


def test_one_client_asks_for_the_months_once(fake_api):
    fake_api.limit = 200
    api = PoliceApi(fake_api.url)
    api.street_crimes(RECTANGLE, "2025-05")
    api.street_crimes(RECTANGLE, "2025-06")
    assert len(fake_api.requests_to("/api/crimes-street-dates")) == 1
    assert len(fake_api.requests_to("/api/crimes-street/")) == 2


# --- the CSV -------------------------------------------------------------------------


def test_street_csv_has_the_police_uk_header_and_loads(tmp_path, geo_con):
    # One record per category around Eston (inside Cleveland), ASB first.
    crimes = [make_crime(i, -1.13 + 0.001 * i, 54.56 + 0.001 * i) for i in range(len(SLUGS))]
    for crime, slug in zip(crimes, SLUGS, strict=True):
        crime["category"] = slug
        crime["persistent_id"] = "" if slug == "anti-social-behaviour" else f"{crime['id']:064x}"
    crimes[1]["location"]["street"]["name"] = 'On or near "The Avenue", Eston'  # needs CSV quoting
    crimes[2]["outcome_status"] = {"category": "Investigation complete; no suspect identified", "date": MONTH}
    path = write_street_csv(crimes, tmp_path / street_csv_name(MONTH), force_name="Cleveland Police")

    assert path.name == "2025-06-cleveland-street.csv"
    lines = path.read_text(encoding="utf-8").split("\n")
    assert lines[0] == (
        "Crime ID,Month,Reported by,Falls within,Longitude,Latitude,Location,LSOA code,LSOA name,"
        "Crime type,Last outcome category,Context"
    )
    assert lines[1] == (
        ",2025-06,Cleveland Police,Cleveland Police,-1.130000,54.560000,On or near Street 0,,,"
        "Anti-social behaviour,,"
    )
    (load,) = sources.ingest_folder(geo_con, tmp_path)
    assert (load.source, load.rows_in, load.staged, load.rejected, load.unlocated) == (
        "policeuk_street",
        14,
        14,
        0,
        0,
    )
    rows = geo_con.execute(
        "SELECT crime_type, crime_id, location, last_outcome_category, reported_by"
        " FROM staging.stg_policeuk_street ORDER BY row_number"
    ).fetchall()
    assert [r[0] for r in rows] == [CRIME_TYPES[s] for s in SLUGS]
    assert rows[0][1] is None  # antisocial behaviour has no Crime ID
    assert [r[1] for r in rows[1:]] == [c["persistent_id"] for c in crimes[1:]]
    assert rows[1][2] == 'On or near "The Avenue", Eston'
    assert rows[2][3] == "Investigation complete; no suspect identified"
    assert {r[4] for r in rows} == {"Cleveland Police"}


def test_street_csv_refuses_unknown_categories_listing_them(tmp_path):
    crimes = [make_crime(1, -1.1, 54.6), make_crime(2, -1.1, 54.6), make_crime(3, -1.1, 54.6)]
    crimes[0]["category"] = "pickpocketing"
    crimes[2]["category"] = "weather"
    with pytest.raises(PoliceApiError, match=r"2 crime record\(s\).*'pickpocketing'.*'weather'"):
        write_street_csv(crimes, tmp_path / "x.csv", force_name="Cleveland Police")
    assert list(tmp_path.iterdir()) == []


# --- the entry point -----------------------------------------------------------------


def _area(geo_con, sql: str, code: str) -> shapely.Geometry:
    return shapely.from_wkb(bytes(geo_con.execute(sql, [code]).fetchone()[0]))


def test_fetch_policeuk_month_writes_a_file_that_loads(tmp_path, geo_con, fake_api):
    out = tmp_path / "api"
    path = fetch_policeuk_month(geo_con, MONTH, out, base_url=fake_api.url)

    assert path == out / "2025-06-cleveland-api-street.csv"
    force = _area(
        geo_con,
        "SELECT ST_AsWKB(geom_4326) FROM geo.force_areas WHERE pfa_code = ? ORDER BY vintage DESC",
        DEFAULT_FORCE.force_code,
    )
    expected = ids_where(fake_api.crimes, lambda x, y: force.covers(Point(x, y)))
    assert len(expected) > 50
    assert "POST" in {s.method for s in fake_api.seen}  # the force outline has ~1,400 points
    assert 503 in {s.status for s in fake_api.seen}  # and holds more than the server's limit

    (load,) = sources.ingest_folder(geo_con, out)
    assert (load.rows_in, load.staged, load.rejected) == (len(expected), len(expected), 0)
    asb = sum(c["category"] == "anti-social-behaviour" for c in fake_api.crimes if c["id"] in expected)
    nulls = geo_con.execute("SELECT count(*) FROM staging.stg_policeuk_street WHERE crime_id IS NULL")
    assert nulls.fetchone()[0] == asb


def test_fetch_policeuk_month_for_one_ward(tmp_path, geo_con, fake_api):
    (code,) = geo_con.execute(
        "SELECT ward_code FROM geo.wards WHERE vintage = (SELECT max(vintage) FROM geo.wards)"
        " AND ST_Contains(geom_4326, ST_Point(-1.145, 54.565))"
    ).fetchone()
    path = fetch_policeuk_month(geo_con, MONTH, tmp_path, area=code, base_url=fake_api.url)

    assert path.name == f"2025-06-cleveland-api-{code.lower()}-street.csv"
    ward = _area(
        geo_con, "SELECT ST_AsWKB(geom_4326) FROM geo.wards WHERE ward_code = ? ORDER BY vintage DESC", code
    )
    expected = ids_where(fake_api.crimes, lambda x, y: ward.covers(Point(x, y)))
    (load,) = sources.ingest_folder(geo_con, tmp_path)
    assert expected and load.staged == len(expected) and load.rejected == 0

    with pytest.raises(AreaNotFoundError, match="'E05999999' is not a ward code"):
        fetch_policeuk_month(geo_con, MONTH, tmp_path, area="E05999999", base_url=fake_api.url)


def test_fetch_policeuk_for_durham_writes_durham_constabulary_s_file(
    tmp_path, two_forces_db, fake_api, monkeypatch
):
    import csv

    from typer.testing import CliRunner

    from pipelines.cli import app

    # Crimes around Durham city beside the Cleveland grid the fake API holds.
    start = len(fake_api.crimes)
    fake_api.crimes += [
        make_crime(start + k, -1.62 + 0.02 * (k % 5), 54.74 + 0.02 * (k // 5)) for k in range(20)
    ]
    db = tmp_path / "endurance.duckdb"
    db.write_bytes(two_forces_db.read_bytes())
    for key, value in {
        "ENDURANCE_DB": db,
        "ENDURANCE_OUT": tmp_path,
        "ENDURANCE_FORCES": "cleveland,durham",
        "ENDURANCE_POLICEUK_API": fake_api.url,
    }.items():
        monkeypatch.setenv(key, str(value))
    runner = CliRunner()
    done = runner.invoke(app, ["fetch-policeuk", MONTH, "--force", "durham", "--out", str(tmp_path / "api")])
    assert done.exit_code == 0, done.output
    path = tmp_path / "api" / f"{MONTH}-durham-api-street.csv"
    with open(path, encoding="utf-8", newline="") as handle:
        rows = list(csv.DictReader(handle))
    assert len(rows) == 20 and {r["Reported by"] for r in rows} == {"Durham Constabulary"}
    refused = runner.invoke(app, ["fetch-policeuk", MONTH, "--force", "kent"])
    assert refused.exit_code == 1
    assert (
        "--force must be a force in use (cleveland, durham: ENDURANCE_FORCES), got 'kent'" in refused.output
    )
