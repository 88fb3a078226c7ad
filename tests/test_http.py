"""The generic HTTP client's rate limiter (``endurance._http``).

The client's retries, timeouts and error messages are tested through the data.police.uk
client against a local server standing in for the API, in ``tests/test_policeuk_api.py``.
"""

from __future__ import annotations

import pytest

from endurance._http import TokenBucket
from tests._fake_policeuk import FakeClock


def test_token_bucket_lets_a_burst_of_30_through_then_holds_15_a_second():
    clock = FakeClock()
    bucket = TokenBucket(15, 30, clock=clock, sleep=clock.sleep)
    times = []
    for _ in range(330):
        bucket.acquire()
        times.append(clock.now)
    assert times.count(0.0) == 30  # the burst, all in the first instant
    assert times[30] == pytest.approx(1 / 15)
    assert times[-1] == pytest.approx((330 - 30) / 15)  # 20 s: 15 a second after the burst
    # No one-second window ever holds more than the burst plus one second's refill.
    for start in times:
        assert sum(start <= t < start + 1.0 for t in times) <= 30 + 15
    # The long-run rate, away from the burst, is 15 a second.
    assert sum(10.0 <= t < 20.0 for t in times) == pytest.approx(150, abs=1)


def test_token_bucket_refills_to_the_burst_and_no_further():
    clock = FakeClock()
    bucket = TokenBucket(15, 30, clock=clock, sleep=clock.sleep)
    for _ in range(30):
        bucket.acquire()
    clock.now += 100.0  # a long quiet spell would earn 1,500 tokens without the cap
    waits = [bucket.acquire() for _ in range(31)]
    assert waits[:30] == [0.0] * 30
    assert waits[30] == pytest.approx(1 / 15)
