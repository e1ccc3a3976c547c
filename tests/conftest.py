"""Fixtures shared across test folders: one real Thrive sandbox for the whole session."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
import responses

from thrive_integration.sandbox import SandboxServer


@pytest.fixture(scope="session")
def sandbox() -> Iterator[SandboxServer]:
    """A sandbox on 127.0.0.1 with an ephemeral port; `sandbox.add_token(key, labels)`.

    Session-scoped because its data is read-only for these tests; tests that change remote
    data or arm faults start their own (see tests/sync/conftest.py).
    """
    with SandboxServer(contacts=30, rate_limit=100_000) as server:
        yield server


@pytest.fixture
def mocked():
    """HTTP faked at the boundary with `responses`: an unregistered request fails."""
    with responses.RequestsMock(assert_all_requests_are_fired=False) as rsps:
        yield rsps


@pytest.fixture
def integration_settings(settings):
    """Talk to a local sandbox fast: plain HTTP to loopback, no pacing, one short retry."""
    settings.THRIVE_INTEGRATION = {
        **settings.THRIVE_INTEGRATION,
        "ALLOW_INSECURE_BASE_URL": True,
        "REQUESTS_PER_SECOND": 10_000.0,
        "MAX_RETRIES": 1,
        "MAX_RETRY_WAIT": 0.1,
        "CONNECT_TIMEOUT": 1.0,
    }
    return settings


@pytest.fixture
def task_broker():
    """The configured django-q2 broker (the ORM here, Redis in CI), empty for the test."""
    from django_q.brokers import get_broker

    broker = get_broker()
    broker.purge_queue()
    yield broker
    broker.purge_queue()


def queued_tasks(broker) -> list[dict]:
    """Take every queued task off the broker, decoded (name, func, args...)."""
    from django_q.signing import SignedPackage

    tasks = []
    while broker.queue_size():
        for _, package in broker.dequeue() or []:
            tasks.append(SignedPackage.loads(package))
    return tasks
