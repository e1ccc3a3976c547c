"""Fixtures for the Thrive client tests: HTTP is mocked at the boundary with `responses`."""

from __future__ import annotations

import pytest

from tests.thrive.helpers import API_KEY, BASE, FakeTime
from thrive_integration.thrive import ThriveClient


@pytest.fixture
def fake_time() -> FakeTime:
    return FakeTime()


@pytest.fixture
def make_client(fake_time):
    def make(base_url: str = BASE, **kwargs) -> ThriveClient:
        # A huge rate keeps pacing out of the way unless a test is about pacing.
        options = {
            "requests_per_second": 1e6,
            "sleep": fake_time.sleep,
            "clock": fake_time.clock,
        }
        options.update(kwargs)
        return ThriveClient(base_url, API_KEY, **options)

    return make


@pytest.fixture
def client(make_client) -> ThriveClient:
    return make_client()
