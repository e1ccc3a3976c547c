"""Fixtures for the Thrive client tests: HTTP is mocked at the boundary with `responses`."""

from __future__ import annotations

import pytest
import responses

from thrive_integration.thrive import ThriveClient

BASE = "https://thrive.test/api/v2"
API_KEY = "sk_live_SECRET_abc123"


class FakeTime:
    """A monotonic clock that only moves when something sleeps."""

    def __init__(self) -> None:
        self.now = 1000.0
        self.sleeps: list[float] = []

    def clock(self) -> float:
        return self.now

    def sleep(self, seconds: float) -> None:
        self.sleeps.append(seconds)
        self.now += seconds


@pytest.fixture
def fake_time() -> FakeTime:
    return FakeTime()


@pytest.fixture
def mocked():
    with responses.RequestsMock(assert_all_requests_are_fired=False) as rsps:
        yield rsps


@pytest.fixture
def make_client(fake_time):
    def make(**kwargs) -> ThriveClient:
        # A huge rate keeps pacing out of the way unless a test is about pacing.
        options = {
            "requests_per_second": 1e6,
            "sleep": fake_time.sleep,
            "clock": fake_time.clock,
        }
        options.update(kwargs)
        return ThriveClient(BASE, API_KEY, **options)

    return make


@pytest.fixture
def client(make_client) -> ThriveClient:
    return make_client()
