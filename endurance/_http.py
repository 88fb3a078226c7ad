"""A small HTTP client for JSON APIs: paced, retried, with a timeout on every request.

Public web APIs limit how fast they may be asked and fail now and then, so every
request goes through the same steps:

- **Pacing**: before each attempt the client takes a token from a token bucket
  (``TokenBucket``): a burst goes out at once, a long run settles at the bucket's rate.
- **Long queries**: a GET longer than the server accepts is sent as a POST with the
  same parameters form-encoded in the body.
- **Retries**: a 429, another 5xx, a timeout or a dropped connection is tried again up
  to ``max_retries`` times, waiting as long as ``Retry-After`` asks or else 1, 2, 4 ...
  times ``backoff`` seconds (at most 60). Any other 4xx fails at once.
- **Errors**: every failure ends as one exception of the client's class (``error``), naming
  the request and each failed attempt, so a message says what was asked and what went
  wrong without a traceback.

The caller may look at each HTTP error status first (``refuse``) and stop the request
with its own exception: an API can use a status for something other than failure
(police.uk answers 503 for an area holding too many crimes).
"""

from __future__ import annotations

import email.utils
import http.client
import json
import logging
import threading
import time
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

from endurance import __version__
from endurance._errors import EnduranceError

log = logging.getLogger(__name__)

#: Longest wait between retries, whatever the backoff or ``Retry-After`` works out to.
MAX_BACKOFF = 60.0
USER_AGENT = f"endurance/{__version__} (Operation Endurance pipeline)"


class TokenBucket:
    """Pace calls to ``rate`` a second on average, letting bursts of up to ``burst`` through.

    The bucket starts full. Each call to ``acquire`` takes one token; tokens refill
    continuously at ``rate`` a second up to ``burst``. A call that finds the bucket
    empty reserves the next token and sleeps until it is due, so callers sharing
    one bucket (across threads too) are spaced ``1 / rate`` seconds apart.

    Parameters
    ----------
    rate
        Tokens added per second (the long-run request rate).
    burst
        Bucket size: how many calls may go at once after a quiet spell.
    clock
        Monotonic time in seconds; injectable so tests need no real waiting.
    sleep
        Called with the seconds to wait; injectable with ``clock``.
    """

    def __init__(
        self,
        rate: float,
        burst: int,
        *,
        clock: Callable[[], float] = time.monotonic,
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        if not rate > 0 or burst < 1:
            raise ValueError(f"rate must be above 0 and burst at least 1, got rate={rate!r}, burst={burst!r}")
        self.rate = float(rate)
        self.burst = int(burst)
        self._clock = clock
        self._sleep = sleep
        self._tokens = float(burst)
        self._last = clock()
        self._lock = threading.Lock()

    def acquire(self) -> float:
        """Take one token, sleeping until it is due; return the seconds slept."""
        with self._lock:
            now = self._clock()
            self._tokens = min(float(self.burst), self._tokens + (now - self._last) * self.rate)
            self._last = now
            # A negative balance is a queue of reservations: each waits its turn.
            self._tokens -= 1.0
            wait = -self._tokens / self.rate if self._tokens < 0 else 0.0
        if wait > 0:
            self._sleep(wait)
        return wait


def option_problems(*, timeout: float, max_retries: int, backoff: float) -> list[str]:
    """List what is wrong with a client's timeout, retries and backoff (empty when all is well)."""
    problems = []
    if not timeout > 0:
        problems.append(f"timeout must be above 0 seconds, got {timeout!r}")
    if max_retries < 0:
        problems.append(f"max_retries must be 0 or more, got {max_retries!r}")
    if backoff < 0:
        problems.append(f"backoff must be 0 or more seconds, got {backoff!r}")
    return problems


class JsonClient:
    """Send paced, retried requests to one JSON API and decode the answers.

    A client of one API subclasses this and sets the class attributes below to the
    API's own error and limits; it may also name requests its own way (``describe``).

    Parameters
    ----------
    base_url
        The API root; paths are appended to it.
    limiter
        The rate limiter every attempt takes a token from.
    timeout
        Seconds to wait for each response.
    max_retries
        Retries of a request after a 429, another 5xx or a network failure.
    backoff
        First wait, in seconds, when the server gives no ``Retry-After``; doubled each retry.
    sleep
        Called with the seconds to wait between retries.
    """

    #: The exception every failure is raised as; its message names the request.
    error: type[Exception] = EnduranceError
    #: The longest GET target (address and query) the server accepts; longer goes as a POST.
    max_get_length = 4094
    #: Characters left literal in a GET query (the separators of a parameter's own syntax).
    safe = ""
    #: A sentence added to the message when a request has failed every retry (the API's limits).
    give_up_hint = ""

    def __init__(
        self,
        base_url: str,
        *,
        limiter: TokenBucket,
        timeout: float = 60.0,
        max_retries: int = 5,
        backoff: float = 1.0,
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        problems = option_problems(timeout=timeout, max_retries=max_retries, backoff=backoff)
        if problems:
            raise ValueError("; ".join(problems))
        self.base_url = base_url.rstrip("/")
        self.limiter = limiter
        self.timeout = timeout
        self.max_retries = max_retries
        self.backoff = backoff
        self._sleep = sleep
        self._opener = urllib.request.build_opener()

    def describe(self, method: str, url: str, params: dict[str, str]) -> str:
        """Name a request in messages: its method, address and parameters."""
        shown = ", ".join(f"{k}={v}" for k, v in params.items())
        return f"{method} {url}" + (f" ({shown})" if shown else "")

    def get_json(
        self,
        path: str,
        params: dict[str, str],
        *,
        refuse: Callable[[int, str | None], None] | None = None,
    ) -> Any:
        """Send one request, paced and retried; return the decoded JSON answer.

        ``refuse`` is called with the status and ``Retry-After`` of every HTTP error
        answer before it is retried or failed, and may raise to end the request.
        """
        request, url = self._request(path, params)
        shown = self.describe(request.get_method(), url, params)
        failures: list[str] = []
        for attempt in range(self.max_retries + 1):
            self.limiter.acquire()
            try:
                with self._opener.open(request, timeout=self.timeout) as response:
                    data = response.read()
            except urllib.error.HTTPError as exc:
                retry_after = exc.headers.get("Retry-After") if exc.headers else None
                exc.close()
                if refuse is not None:
                    refuse(exc.code, retry_after)
                if exc.code != 429 and exc.code < 500:
                    raise self.error(f"{shown} answered HTTP {exc.code} {exc.reason}") from None
                failures.append(f"HTTP {exc.code}")
                wait = retry_after_seconds(retry_after)
            except (http.client.HTTPException, OSError) as exc:
                failures.append(network_failure(exc))
                wait = None
            else:
                return self._decode(data, shown)
            if attempt == self.max_retries:
                break
            if wait is None:
                wait = min(self.backoff * 2**attempt, MAX_BACKOFF)
            log.warning(
                "%s: %s; retry %d of %d in %.1f s", shown, failures[-1], attempt + 1, self.max_retries, wait
            )
            self._sleep(wait)
        # The API's limits explain a 429, not a server that could not be reached.
        hint = self.give_up_hint if "HTTP 429" in failures else ""
        raise self.error(
            f"{shown} failed {len(failures)} time(s) ({', '.join(failures)}); gave up after "
            f"max_retries={self.max_retries}." + (f" {hint}" if hint else "")
        )

    def _request(self, path: str, params: dict[str, str]) -> tuple[urllib.request.Request, str]:
        """Build the request: a GET, or a form-encoded POST when the GET would be too long."""
        url = self.base_url + path
        query = urllib.parse.urlencode(params, safe=self.safe)
        if len(f"{url}?{query}") > self.max_get_length:
            body = urllib.parse.urlencode(params).encode("ascii")
            headers = {"Content-Type": "application/x-www-form-urlencoded"}
            request = urllib.request.Request(url, data=body, headers=headers, method="POST")
        else:
            request = urllib.request.Request(f"{url}?{query}" if query else url, method="GET")
        request.add_header("User-Agent", USER_AGENT)
        request.add_header("Accept", "application/json")
        return request, url

    def _decode(self, data: bytes, shown: str) -> Any:
        try:
            return json.loads(data.decode("utf-8"))
        except (UnicodeDecodeError, json.JSONDecodeError) as exc:
            raise self.error(f"{shown} answered something that is not JSON: {data[:200]!r}") from exc


def network_failure(exc: Exception) -> str:
    """Say in words what went wrong below HTTP: refused, unreachable, timed out, dropped."""
    reason = getattr(exc, "reason", exc)  # urllib wraps the socket error in URLError.reason
    if isinstance(reason, ConnectionRefusedError):
        return "connection refused (nothing is listening at that address and port)"
    if isinstance(reason, TimeoutError):
        return f"timed out ({reason})"
    if isinstance(reason, ConnectionResetError | http.client.RemoteDisconnected):
        return f"connection dropped by the server ({reason})"
    return f"{type(exc).__name__}: {reason}"


def retry_after_seconds(value: str | None) -> float | None:
    """Read ``Retry-After`` as seconds or an HTTP date; None when absent or unreadable."""
    if not value:
        return None
    try:
        return max(0.0, float(value))
    except ValueError:
        pass
    try:
        when = email.utils.parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    if when.tzinfo is None:
        when = when.replace(tzinfo=UTC)
    return max(0.0, (when - datetime.now(UTC)).total_seconds())
