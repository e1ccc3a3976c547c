"""Fixtures shared across test folders: one real Thrive sandbox for the whole session."""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any

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


def nothing_done_line(task: str, row: str, pk: int) -> str:
    """The one line a task logs when the row it was queued for is gone (`queued.named_row`)."""
    return f"{task}: {row} {pk} no longer exists (deleted after the task was queued); nothing done"


@dataclass
class WorkerCall:
    """What a task did when called as a worker calls it: its result, the app's log lines
    and every INSERT, UPDATE or DELETE it sent."""

    result: Any
    log: list[str]
    writes: list[str]

    def assert_nothing_done(self, task: str, row: str, pk: int, api_key: str) -> None:
        """The row was gone: a None result, one line naming the task, the row and why, no key
        in it, and nothing written."""
        assert self.result is None
        assert self.log == [nothing_done_line(task, row, pk)]
        assert api_key not in self.log[0]
        assert self.writes == []


@pytest.fixture
def call_as_worker(caplog) -> Callable[[Callable[[int], Any], int], WorkerCall]:
    """`call_as_worker(task, pk)`: call a django-q2 task function with the id it was queued
    with, as a worker does, recording what it logged and wrote."""
    from django.db import connection as db

    def call(task: Callable[[int], Any], pk: int) -> WorkerCall:
        writes: list[str] = []

        def record_writes(execute, sql, params, many, context):
            if sql.lstrip().split(" ", 1)[0].upper() in ("INSERT", "UPDATE", "DELETE"):
                writes.append(sql[:120])
            return execute(sql, params, many, context)

        caplog.clear()
        with (
            caplog.at_level(logging.INFO, logger="thrive_integration"),
            db.execute_wrapper(record_writes),
        ):
            result = task(pk)
        log = [r.getMessage() for r in caplog.records if r.name.startswith("thrive_integration")]
        return WorkerCall(result, log, writes)

    return call
