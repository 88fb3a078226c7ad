"""A local server that speaks the data.police.uk API, and a clock that moves only when slept on.

The ``fake_api`` fixture (registered for every test in ``conftest.py``) serves synthetic
crimes with the API's limits, errors and delays, so the client is tested over real HTTP
with no network.
"""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs, urlsplit

import pytest
from shapely.geometry import Point, Polygon, box

from endurance.sources import policeuk_api
from endurance.sources.policeuk_api import CRIME_TYPES


class FakeClock:
    """Monotonic time that moves only when something sleeps."""

    def __init__(self) -> None:
        self.now = 0.0
        self.sleeps: list[float] = []

    def __call__(self) -> float:
        return self.now

    def sleep(self, seconds: float) -> None:
        self.sleeps.append(seconds)
        self.now += seconds


MONTH = "2025-06"
MONTHS = [f"{y}-{m:02d}" for y in (2023, 2024, 2025) for m in range(1, 13)]
SLUGS = list(CRIME_TYPES)
# A point exactly on the first cut line of RECTANGLE (and on the second, latitude cut):
# both halves return it, so the client must de-duplicate.
ON_CUT = (-1.15, 54.60)
RECTANGLE = box(-1.25, 54.55, -1.05, 54.65)


def make_crime(i: int, lon: float, lat: float) -> dict[str, Any]:
    """One record shaped like the API's: every third is antisocial behaviour (no persistent_id)."""
    slug = "anti-social-behaviour" if i % 3 == 0 else SLUGS[1 + i % (len(SLUGS) - 1)]
    asb = slug == "anti-social-behaviour"
    return {
        "category": slug,
        "location_type": "Force",
        "location": {
            "latitude": f"{lat:.6f}",
            "longitude": f"{lon:.6f}",
            "street": {"id": 1_000_000 + i, "name": f"On or near Street {i}"},
        },
        "context": "",
        "outcome_status": None if asb or i % 2 else {"category": "Under investigation", "date": MONTH},
        "persistent_id": "" if asb else f"{i:064x}",
        "id": 90_000_000 + i,
        "location_subtype": "",
        "month": MONTH,
    }


def synthetic_crimes() -> list[dict[str, Any]]:
    """Return a 10 x 9 grid over Cleveland (lon -1.245..-1.065, lat 54.525..54.685) plus ON_CUT."""
    points = [(-1.245 + 0.02 * i, 54.525 + 0.02 * j) for i in range(10) for j in range(9)]
    points.append(ON_CUT)
    return [make_crime(n, lon, lat) for n, (lon, lat) in enumerate(points)]


def lonlat(crime: dict[str, Any]) -> tuple[float, float]:
    return float(crime["location"]["longitude"]), float(crime["location"]["latitude"])


@dataclass(frozen=True)
class Seen:
    """One request as the server saw it."""

    method: str
    path: str
    target_length: int
    at: float
    status: int
    ids: tuple[int, ...] = ()


@dataclass
class FakeApi:
    """The state of the local data.police.uk: its crimes, its limits and what it saw."""

    crimes: list[dict[str, Any]]
    months: list[str]
    limit: int = 40
    failures: list[tuple[int, str | None]] = field(default_factory=list)  # next answers, in order
    hang_seconds: float = 0.0
    seen: list[Seen] = field(default_factory=list)
    url: str = ""
    lock: threading.Lock = field(default_factory=threading.Lock)

    def requests_to(self, prefix: str) -> list[Seen]:
        return [s for s in self.seen if s.path.startswith(prefix)]


class Handler(BaseHTTPRequestHandler):
    server: Any

    def log_message(self, format: str, *args: object) -> None:  # keep pytest output clean
        pass

    def do_GET(self) -> None:
        if len(self.path) > policeuk_api.MAX_GET_LENGTH:
            self.reply(414, None, {})
            return
        self.answer("GET", parse_qs(urlsplit(self.path).query))

    def do_POST(self) -> None:
        length = int(self.headers.get("Content-Length", 0))
        body = self.rfile.read(length).decode("ascii")
        self.answer("POST", parse_qs(body))

    def reply(self, status: int, payload: object, headers: dict[str, str], ids: tuple[int, ...] = ()) -> None:
        api: FakeApi = self.server.api
        with api.lock:
            api.seen.append(
                Seen(self.command, urlsplit(self.path).path, len(self.path), time.monotonic(), status, ids)
            )
        body = b"" if payload is None else json.dumps(payload).encode()
        self.send_response(status)
        for name, value in headers.items():
            self.send_header(name, value)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def answer(self, method: str, params: dict[str, list[str]]) -> None:
        api: FakeApi = self.server.api
        path = urlsplit(self.path).path
        if path == "/api/crimes-street-dates":
            self.reply(200, [{"date": m, "stop-and-search": []} for m in reversed(api.months)], {})
            return
        if not path.startswith("/api/crimes-street/"):
            self.reply(404, None, {})
            return
        if api.hang_seconds:
            time.sleep(api.hang_seconds)
        with api.lock:
            failure = api.failures.pop(0) if api.failures else None
        if failure is not None:
            status, retry_after = failure
            self.reply(status, None, {"Retry-After": retry_after} if retry_after else {})
            return
        category = path.rsplit("/", 1)[1]
        if params.get("date", [""])[0] not in api.months or "poly" not in params:
            self.reply(400, None, {})
            return
        pairs = [p.split(",") for p in params["poly"][0].split(":")]
        area = Polygon([(float(lng), float(lat)) for lat, lng in pairs])
        inside = [
            c
            for c in api.crimes
            if category in ("all-crime", c["category"]) and area.covers(Point(lonlat(c)))
        ]
        if len(inside) > api.limit:
            self.reply(503, None, {})
            return
        self.reply(200, inside, {}, tuple(c["id"] for c in inside))


@pytest.fixture
def fake_api() -> Iterator[FakeApi]:
    """Yield a local HTTP server speaking the data.police.uk API, on a free port."""
    api = FakeApi(crimes=synthetic_crimes(), months=list(MONTHS))
    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    server.api = api  # type: ignore[attr-defined]
    api.url = f"http://127.0.0.1:{server.server_address[1]}/api"
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)
    thread.start()
    yield api
    server.shutdown()
    server.server_close()
    thread.join(timeout=5)
