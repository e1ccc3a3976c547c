import threading

import pytest

from thrive_integration.thrive.ratelimit import RateLimiter


def test_paces_requests_evenly(fake_time):
    limiter = RateLimiter(10.0, clock=fake_time.clock, sleep=fake_time.sleep)
    start = fake_time.now
    for _ in range(5):
        limiter.acquire()
    assert fake_time.sleeps == pytest.approx([0.1, 0.1, 0.1, 0.1])
    assert fake_time.now - start == pytest.approx(0.4)


def test_no_wait_when_requests_are_already_slow(fake_time):
    limiter = RateLimiter(10.0, clock=fake_time.clock, sleep=fake_time.sleep)
    limiter.acquire()
    fake_time.now += 5
    assert limiter.acquire() == 0.0
    assert fake_time.sleeps == []


def test_never_more_than_rate_plus_one_in_any_second(fake_time):
    limiter = RateLimiter(90.0, clock=fake_time.clock, sleep=fake_time.sleep)
    stamps = []
    for _ in range(300):
        limiter.acquire()
        stamps.append(fake_time.now)
    worst = max(sum(1 for t in stamps if s <= t < s + 1.0) for s in stamps)
    assert worst <= 91  # Thrive allows 100 in a sliding one-second window


def test_hold_pushes_everyone_back(fake_time):
    limiter = RateLimiter(10.0, clock=fake_time.clock, sleep=fake_time.sleep)
    limiter.hold(3.0)
    assert limiter.acquire() == pytest.approx(3.0)


def test_threads_get_distinct_slots():
    # Real clock, but a sleep that records instead of waiting: each thread reserves its own
    # slot, so the promised waits are all different multiples of the interval.
    waits: list[float] = []
    lock = threading.Lock()

    def record(seconds: float) -> None:
        with lock:
            waits.append(seconds)

    limiter = RateLimiter(1.0, sleep=record)
    threads = [threading.Thread(target=limiter.acquire) for _ in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert len(waits) == 7
    assert sorted(round(w) for w in waits) == [1, 2, 3, 4, 5, 6, 7]


def test_rejects_non_positive_rate():
    with pytest.raises(ValueError):
        RateLimiter(0)
