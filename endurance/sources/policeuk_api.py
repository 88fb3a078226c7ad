"""data.police.uk API client: one month of street-level crime for an area, as a CSV.

The archive downloads (https://data.police.uk/data/archive/) give one CSV per force per
month. The API answers the same records for any area drawn as a polygon, for the
months it still holds, and this module writes them in the archive's street-level CSV
format so they load through ``endurance.sources.ingest_folder`` like any other month.

The API has limits, and the client keeps to each:

- **Rate**: 15 requests a second with bursts of up to 30; beyond that it answers
  HTTP 429. Every request first takes a token from a token bucket (``endurance._http``)
  that holds 30 tokens and refills at 15 a second, so a burst goes out at once and a
  long run settles at 15 a second.
- **Busy areas**: an area holding more than 10,000 crimes answers HTTP 503. The client
  cuts the polygon in two across the longer side of its bounding box (measured on
  the ground, so a degree of longitude counts for less than a degree of latitude),
  asks for each half, and repeats down to ``max_split_depth`` cuts before giving up
  with an error. A crime on a cut line comes back from both halves, so results are
  de-duplicated by the API's crime ``id``.
- **Long requests**: a GET longer than 4,094 characters is refused, so a detailed
  outline is sent as a POST with the same parameters in the form-encoded body.
- **Outlines only**: the ``poly`` parameter is one ring of ``lat,lng`` points. A
  multi-part area is asked part by part, and crimes the API returns inside a hole of
  the area (the Cleveland outline has six) are dropped afterwards.
- **Retention**: the API holds only recent months (``/crimes-street-dates`` lists
  them). The client asks for that list once and refuses an unlisted month with a
  message naming the range held; older months are in the archive downloads.
- **Failures**: a 429, another 5xx, a timeout or a dropped connection is retried up to
  ``max_retries`` times, waiting as long as ``Retry-After`` asks or else 1, 2, 4 ...
  seconds (at most 60); then the client raises ``PoliceApiError`` naming the request
  and every failure. Every request has a timeout.

What an area query cannot give: the API does not say which force recorded a crime,
so every row is written as reported by the force named by the caller; near a force
boundary a polygon query returns the neighbour's crimes inside it and misses the
force's own crimes snapped to map points just outside it (28 of 159,102 Cleveland
rows in the 2018 to 2025 archive files). The API also carries no LSOA, so those
columns stay empty, and an antisocial behaviour row (keyed on its content, LSOA
included) does not match the same row from an archive file. The archive file remains
the authoritative per-force record.
"""

from __future__ import annotations

import csv
import json
import logging
import math
import re
import time
from collections.abc import Callable, Iterable, Sequence
from pathlib import Path
from typing import Any

import duckdb
import shapely
from shapely.geometry import MultiPolygon, Polygon, box

from endurance import _http, _publish
from endurance._errors import AreaNotFoundError, MonthNotAvailableError, PoliceApiError
from endurance._http import TokenBucket
from endurance.forces import DEFAULT_FORCE, ForceProfile
from endurance.sources.policeuk import HEADER

log = logging.getLogger(__name__)

BASE_URL = "https://data.police.uk/api"
ARCHIVE_URL = "https://data.police.uk/data/archive/"
#: The longest GET the API accepts; anything longer goes as a POST.
MAX_GET_LENGTH = 4094
RATE_PER_SECOND = 15.0
BURST = 30
#: police.uk's label (the CSV's "Crime type") for every street-level category slug.
CRIME_TYPES: dict[str, str] = {
    "anti-social-behaviour": "Anti-social behaviour",
    "bicycle-theft": "Bicycle theft",
    "burglary": "Burglary",
    "criminal-damage-arson": "Criminal damage and arson",
    "drugs": "Drugs",
    "other-theft": "Other theft",
    "possession-of-weapons": "Possession of weapons",
    "public-order": "Public order",
    "robbery": "Robbery",
    "shoplifting": "Shoplifting",
    "theft-from-the-person": "Theft from the person",
    "vehicle-crime": "Vehicle crime",
    "violent-crime": "Violence and sexual offences",
    "other-crime": "Other crime",
}

_MONTH = re.compile(r"\d{4}-(0[1-9]|1[0-2])")
# data.police.uk covers England, Wales and Northern Ireland: a polygon outside this box around
# the UK is in another CRS or has latitude and longitude swapped.
_UK_LON = (-11.0, 3.0)
_UK_LAT = (49.0, 61.0)
# API points have six decimals (about 0.1 m); a point this close to the area counts as in it.
_EDGE_TOLERANCE = 1e-6
_LIMITS = (
    f"The API allows {RATE_PER_SECOND:g} requests a second (bursts of {BURST}) and answers 429 beyond that, "
    "5xx when it is struggling"
)


class _AreaTooBusy(Exception):
    """The API answered 503 to an area query: more than 10,000 crimes inside it."""


class PoliceApi(_http.JsonClient):
    """A data.police.uk client that paces, retries and splits its requests.

    One client asks for the list of available months once and reuses it, and shares
    one rate limiter across all its requests; use one client for a batch of months.

    Parameters
    ----------
    base_url
        The API root (``https://data.police.uk/api``); tests point it at a local server.
    timeout, max_retries, backoff
        Seconds to wait for each response; retries after a 429, another 5xx or a network
        failure; the first wait between them (see ``endurance._http.JsonClient``).
    max_split_depth
        How many times an area may be cut in two after 503 answers before giving up.
    limiter
        The rate limiter; by default 15 a second with bursts of 30, sleeping with ``sleep``.
    sleep
        Called with the seconds to wait between retries (and by the default limiter).
    """

    error = PoliceApiError
    max_get_length = MAX_GET_LENGTH
    safe = ",:"  # the separators of ``poly`` stay literal: the URL stays short and readable
    give_up_hint = _LIMITS

    def __init__(
        self,
        base_url: str = BASE_URL,
        *,
        timeout: float = 60.0,
        max_retries: int = 5,
        backoff: float = 1.0,
        max_split_depth: int = 6,
        limiter: TokenBucket | None = None,
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        problems = _http.option_problems(timeout=timeout, max_retries=max_retries, backoff=backoff)
        if max_split_depth < 0:
            problems.append(f"max_split_depth must be 0 or more, got {max_split_depth!r}")
        if problems:
            raise ValueError("; ".join(problems))
        limiter = limiter or TokenBucket(RATE_PER_SECOND, BURST, sleep=sleep)
        super().__init__(
            base_url, limiter=limiter, timeout=timeout, max_retries=max_retries, backoff=backoff, sleep=sleep
        )
        self.max_split_depth = max_split_depth
        self._months: list[str] | None = None

    def describe(self, method: str, url: str, params: dict[str, str]) -> str:
        """Name a request in messages, its outline by the number of points only."""
        shown = [f"{k}={v}" for k, v in params.items() if k != "poly"]
        if "poly" in params:
            shown.append(f"poly of {params['poly'].count(':') + 1} points")
        return f"{method} {url}" + (f" ({', '.join(shown)})" if shown else "")

    def available_months(self) -> list[str]:
        """Return the months the API holds street-level crime for, oldest first."""
        if self._months is None:
            answer = self.get_json("/crimes-street-dates", {})
            try:
                months = sorted({str(entry["date"]) for entry in answer})
            except (TypeError, KeyError) as exc:
                raise PoliceApiError(
                    f"{self.base_url}/crimes-street-dates answered {str(answer)[:200]!r}, "
                    'not a list of {"date": "YYYY-MM", ...}'
                ) from exc
            self._months = months
        return list(self._months)

    def check_month(self, month: str) -> None:
        """Raise ``MonthNotAvailableError`` unless the API holds ``month``."""
        _check_month_format(month)
        months = self.available_months()
        if month in months:
            return
        if not months:
            raise MonthNotAvailableError(
                f"month {month} is not available: the API lists no months at all; "
                f"use the archive downloads at {ARCHIVE_URL}"
            )
        held = f"the API holds {months[0]} to {months[-1]}"
        if month < months[0]:
            message = (
                f"month {month} is older than the API keeps ({held}); older months are in the "
                f"archive downloads at {ARCHIVE_URL}"
            )
        elif month > months[-1]:
            message = f"month {month} is not published yet ({held})"
        else:
            message = f"month {month} is missing from the API's list of months ({held}, with gaps)"
        raise MonthNotAvailableError(message)

    def street_crimes(
        self,
        polygon: shapely.Geometry | Sequence[tuple[float, float]],
        month: str,
        *,
        category: str = "all-crime",
    ) -> list[dict[str, Any]]:
        """Return every street-level crime of ``month`` inside ``polygon``.

        See ``fetch_street_crimes`` for the parameters.
        """
        _check_category(category)
        area = _as_area(polygon)
        self.check_month(month)
        found: dict[str, dict[str, Any]] = {}
        for part in _polygons(area):
            for crime in self._fetch_piece(part, month, category, depth=0):
                found.setdefault(_crime_key(crime), crime)
        inside = _clip(list(found.values()), area)
        return sorted(inside, key=_sort_key)

    def _fetch_piece(self, piece: Polygon, month: str, category: str, *, depth: int) -> list[dict[str, Any]]:
        params = {"poly": _poly_param(piece), "date": month}
        try:
            answer = self.get_json(f"/crimes-street/{category}", params, refuse=_refuse_busy_area)
        except _AreaTooBusy:
            if depth >= self.max_split_depth:
                minx, miny, maxx, maxy = piece.bounds
                raise PoliceApiError(
                    f"crimes-street/{category} for {month} still answered 503 after cutting the area in "
                    f"two {depth} times (last piece {minx:.4f},{miny:.4f} to {maxx:.4f},{maxy:.4f} lon/lat). "
                    "The API answers 503 when an area holds more than 10,000 crimes, or when it is down: "
                    "ask for one category at a time, raise max_split_depth, or try again later"
                ) from None
            halves = _halves(piece)
            log.info("crimes-street: area too busy (503), cut in %d at depth %d", len(halves), depth + 1)
            return [c for half in halves for c in self._fetch_piece(half, month, category, depth=depth + 1)]
        if not isinstance(answer, list) or not all(isinstance(c, dict) for c in answer):
            raise PoliceApiError(
                f"crimes-street/{category} for {month} answered {str(answer)[:200]!r}, not a list of crimes"
            )
        return answer


def _refuse_busy_area(status: int, retry_after: str | None) -> None:
    """Stop at the API's answer to a too-busy area: a 503 that does not ask to come back later.

    A 503 with ``Retry-After`` is an overloaded server instead, and is retried.
    """
    if status == 503 and retry_after is None:
        raise _AreaTooBusy


def fetch_street_crimes(
    polygon: shapely.Geometry | Sequence[tuple[float, float]],
    month: str,
    *,
    category: str = "all-crime",
    api: PoliceApi | None = None,
) -> list[dict[str, Any]]:
    """Fetch every street-level crime of one month inside an area from data.police.uk.

    Parameters
    ----------
    polygon
        The area: a shapely Polygon or MultiPolygon in WGS 84 longitude/latitude
        (EPSG:4326), or a list of ``(lat, lon)`` pairs tracing its outline.
    month
        ``YYYY-MM``; must be one the API still holds (see ``PoliceApi.check_month``).
    category
        ``all-crime`` or one category slug (a key of ``CRIME_TYPES``).
    api
        The client to ask (its address, pacing, retries, timeouts and how deep it may
        split a busy area); by default ``PoliceApi()``, data.police.uk at its published limits.

    Returns
    -------
    list of dict
        The API's crime records, each once (by ``id``), in ``id`` order.

    Raises
    ------
    MonthNotAvailableError
        When the API does not hold ``month``; the message names the range it holds.
    PoliceApiError
        When a request keeps failing after the retries or splits allowed.
    """
    return (api or PoliceApi()).street_crimes(polygon, month, category=category)


def street_csv_name(
    month: str, force_slug: str = DEFAULT_FORCE.policeuk_slug, *, qualifiers: Iterable[str] = ()
) -> str:
    """Return the police.uk file name for a month, ``YYYY-MM-<force-slug>-street.csv``.

    ``qualifiers`` (a ward code, a category) go between the force slug and ``street``,
    so a partial fetch never overwrites the whole force's file for the month.
    """
    parts = [month, force_slug, *(q.lower() for q in qualifiers), "street"]
    return "-".join(parts) + ".csv"


def write_street_csv(crimes: Iterable[dict[str, Any]], path: Path, *, force_name: str) -> Path:
    """Write API crime records as a data.police.uk street-level CSV; return its path.

    The file has the archive's header and layout: Crime ID is the ``persistent_id``
    (empty for antisocial behaviour), Reported by and Falls within are ``force_name``,
    Location is the street name ("On or near ..."), LSOA code and name are empty (the
    API gives none), Crime type is police.uk's label for the category slug, and Last
    outcome category is the latest outcome, if any. The file is written beside its
    final name and renamed into place, so a reader never sees half of it.

    Raises
    ------
    PoliceApiError
        When records carry a category with no police.uk label, or no month; every
        such record is listed.
    """
    rows: list[list[str]] = []
    problems: list[str] = []
    for i, crime in enumerate(crimes):
        slug = crime.get("category")
        if slug not in CRIME_TYPES:
            problems.append(f"record {i} (id {crime.get('id')}): category {slug!r} has no police.uk label")
            continue
        month = str(crime.get("month") or "")
        if not _MONTH.fullmatch(month):
            problems.append(f"record {i} (id {crime.get('id')}): month {month!r} is not YYYY-MM")
            continue
        location = crime.get("location") or {}
        street = location.get("street") or {}
        outcome = crime.get("outcome_status") or {}
        rows.append(
            [
                crime.get("persistent_id") or "",
                month,
                force_name,
                force_name,
                str(location.get("longitude") or ""),
                str(location.get("latitude") or ""),
                street.get("name") or "",
                "",
                "",
                CRIME_TYPES[slug],
                outcome.get("category") or "",
                crime.get("context") or "",
            ]
        )
    if problems:
        shown = "; ".join(problems[:20]) + (f"; and {len(problems) - 20} more" if len(problems) > 20 else "")
        raise PoliceApiError(
            f"{len(problems)} crime record(s) cannot be written to {path}: {shown}. "
            f"Known categories: {', '.join(CRIME_TYPES)}"
        )
    path = Path(path)
    # The partial file's name ends in .partial: ingest_folder never picks up a half-written file.
    with _publish.publishing(path) as partial, open(partial, "w", encoding="utf-8", newline="") as handle:
        writer = csv.writer(handle, lineterminator="\n")
        writer.writerow(HEADER)
        writer.writerows(rows)
    return path


def fetch_policeuk_month(
    con: duckdb.DuckDBPyConnection,
    month: str,
    out_dir: Path,
    *,
    area: str | None = None,
    force: ForceProfile = DEFAULT_FORCE,
    base_url: str = BASE_URL,
    category: str = "all-crime",
    max_retries: int = 5,
) -> Path:
    """Fetch one month of one force's street-level crime from the API into a police.uk CSV.

    The area is the force's polygon from ``geo.force_areas``, or, when ``area`` is a
    ward code, that ward's polygon from the newest vintage of ``geo.wards`` holding the
    code. The file is written under ``out_dir`` as ``YYYY-MM-<force>-street.csv`` (e.g.
    ``2025-12-durham-api-street.csv``, with the ward code and the category, when given,
    before ``street``), as the force's, and loads with ``endurance.sources.ingest_folder``.

    Parameters
    ----------
    con
        A warehouse with the geography loaded.
    month
        ``YYYY-MM``; must be one the API still holds.
    out_dir
        Folder to write the CSV into (created if missing).
    area
        A GSS ward code (``E05...``), or None for the whole force area.
    force
        The force (its profile): its area, its police.uk name and file-name slug.
    base_url, category, max_retries
        See ``fetch_street_crimes`` and ``PoliceApi``.

    Returns
    -------
    Path
        The CSV written.

    Raises
    ------
    AreaNotFoundError
        When the force area or the ward is not in the warehouse.
    MonthNotAvailableError, PoliceApiError
        As ``fetch_street_crimes``.
    """
    _check_month_format(month)
    _check_category(category)
    polygon = _area_from_warehouse(con, area, force.force_code)
    api = PoliceApi(base_url, max_retries=max_retries)
    crimes = fetch_street_crimes(polygon, month, category=category, api=api)
    # "api" keeps the name apart from the archive file for the same month, which must
    # not be taken for a re-issue of it (the archive carries LSOA codes the API lacks).
    qualifiers = ["api", *(q for q in (area, None if category == "all-crime" else category) if q)]
    path = Path(out_dir) / street_csv_name(month, force.policeuk_slug, qualifiers=qualifiers)
    write_street_csv(crimes, path, force_name=force.name)
    log.info("police.uk API: %d crime(s) for %s written to %s", len(crimes), month, path)
    return path


def _area_from_warehouse(
    con: duckdb.DuckDBPyConnection, area: str | None, force_code: str
) -> shapely.Geometry:
    if area is None:
        row = con.execute(
            "SELECT ST_AsWKB(geom_4326) FROM geo.force_areas WHERE pfa_code = ?"
            " ORDER BY vintage DESC LIMIT 1",
            [force_code],
        ).fetchone()
        if row is None:
            raise AreaNotFoundError(
                f"force area {force_code} is not in geo.force_areas; load the geography first"
            )
        return shapely.from_wkb(bytes(row[0]))
    row = con.execute(
        "SELECT ST_AsWKB(geom_4326) FROM geo.wards WHERE ward_code = ? ORDER BY vintage DESC LIMIT 1",
        [area],
    ).fetchone()
    if row is None:
        vintages = [r[0] for r in con.execute("SELECT DISTINCT vintage FROM geo.wards ORDER BY 1").fetchall()]
        raise AreaNotFoundError(
            f"area {area!r} is not a ward code in geo.wards (vintages loaded: "
            f"{', '.join(vintages) or 'none'}); pass a GSS ward code (E05...) or no area for the whole force"
        )
    return shapely.from_wkb(bytes(row[0]))


def _check_month_format(month: str) -> None:
    if not isinstance(month, str) or not _MONTH.fullmatch(month):
        raise ValueError(f"month must be YYYY-MM (for example 2025-06), got {month!r}")


def _check_category(category: str) -> None:
    if category != "all-crime" and category not in CRIME_TYPES:
        raise ValueError(f"category must be 'all-crime' or one of {', '.join(CRIME_TYPES)}; got {category!r}")


def _as_area(polygon: shapely.Geometry | Sequence[tuple[float, float]]) -> shapely.Geometry:
    """Check the area at the boundary: polygonal, valid, and in UK longitude/latitude."""
    if isinstance(polygon, Polygon | MultiPolygon):
        area = polygon
    elif isinstance(polygon, shapely.Geometry):
        raise ValueError(f"polygon must be a Polygon or MultiPolygon, got a {polygon.geom_type}")
    else:
        pairs = list(polygon)
        if len(pairs) < 3 or any(len(p) != 2 for p in pairs):
            raise ValueError(f"polygon as a list needs at least 3 (lat, lon) pairs, got {pairs[:4]!r}")
        area = Polygon([(float(lon), float(lat)) for lat, lon in pairs])
    if area.is_empty:
        raise ValueError("polygon is empty")
    if not area.is_valid:
        raise ValueError(f"polygon is not valid ({shapely.is_valid_reason(area)}); repair it first")
    minx, miny, maxx, maxy = area.bounds
    if not (_UK_LON[0] <= minx and maxx <= _UK_LON[1] and _UK_LAT[0] <= miny and maxy <= _UK_LAT[1]):
        raise ValueError(
            f"polygon bounds {minx:g},{miny:g} to {maxx:g},{maxy:g} are not UK longitude/latitude "
            f"(EPSG:4326, longitude {_UK_LON[0]:g} to {_UK_LON[1]:g}, latitude {_UK_LAT[0]:g} to "
            f"{_UK_LAT[1]:g}); reproject it (British National Grid metres?) or swap its axes"
        )
    return area


def _polygons(geometry: shapely.Geometry) -> list[Polygon]:
    """Return the parts of a geometry that have an area, as polygons."""
    if isinstance(geometry, Polygon):
        return [geometry] if geometry.area > 0 else []
    parts = getattr(geometry, "geoms", [])
    return [p for part in parts for p in _polygons(part)]


def _halves(piece: Polygon) -> list[Polygon]:
    """Cut a polygon in two across the longer side of its bounding box."""
    minx, miny, maxx, maxy = piece.bounds
    # Compare ground lengths: a degree of longitude is cos(latitude) of a degree of latitude.
    width = (maxx - minx) * math.cos(math.radians((miny + maxy) / 2))
    if width >= maxy - miny:
        mid = (minx + maxx) / 2
        cuts = (box(minx, miny, mid, maxy), box(mid, miny, maxx, maxy))
    else:
        mid = (miny + maxy) / 2
        cuts = (box(minx, miny, maxx, mid), box(minx, mid, maxx, maxy))
    return [part for cut in cuts for part in _polygons(piece.intersection(cut))]


def _coordinate(value: float) -> str:
    return f"{value:.6f}".rstrip("0").rstrip(".")


def _poly_param(piece: Polygon) -> str:
    """Write a polygon's outline as the API's ``lat,lng:lat,lng:...`` (it closes the ring)."""
    ring = list(piece.exterior.coords)[:-1]
    return ":".join(f"{_coordinate(lat)},{_coordinate(lon)}" for lon, lat in ring)


def _crime_key(crime: dict[str, Any]) -> str:
    if crime.get("id") is not None:
        return str(crime["id"])
    return json.dumps(crime, sort_keys=True)


def _sort_key(crime: dict[str, Any]) -> tuple[int, str]:
    key = _crime_key(crime)
    return (len(key), key)


def _clip(crimes: list[dict[str, Any]], area: shapely.Geometry) -> list[dict[str, Any]]:
    """Drop crimes outside ``area``: the API sees only outlines, so holes come back full."""
    if not crimes:
        return crimes
    lon = [_to_float((c.get("location") or {}).get("longitude")) for c in crimes]
    lat = [_to_float((c.get("location") or {}).get("latitude")) for c in crimes]
    points = shapely.points(lon, lat)
    shapely.prepare(area)
    near = shapely.dwithin(area, points, _EDGE_TOLERANCE)
    # A record without readable coordinates is kept: staging counts it as unlocated.
    return [c for c, x, y, ok in zip(crimes, lon, lat, near, strict=True) if ok or math.isnan(x + y)]


def _to_float(value: object) -> float:
    try:
        return float(value)  # type: ignore[arg-type]
    except (TypeError, ValueError):
        return math.nan
