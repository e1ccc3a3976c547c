"""Fixtures for import tests: a real sandbox over HTTP on 127.0.0.1 and a connection to it."""

from __future__ import annotations

import pytest
from django.db import connection as db

from thrive_integration.connections import create_connection
from thrive_integration.sandbox import SandboxOptions, SandboxServer, SandboxState
from thrive_integration.sync.runner import execute_run, request_sync

API_KEY = "sync-test-key-7c1d93a2"


@pytest.fixture
def thrive_settings(settings):
    """Small pages so a few dozen records span many pages; short timeouts for fault tests."""
    settings.THRIVE_INTEGRATION = {
        **settings.THRIVE_INTEGRATION,
        "ALLOW_INSECURE_BASE_URL": True,
        "PAGE_SIZE": 10,
        "READ_TIMEOUT": 2.0,
        "MAX_RETRY_WAIT": 0.5,
        "MAX_RETRIES": 4,
        "REQUESTS_PER_SECOND": 1000.0,
    }
    return settings


@pytest.fixture
def make_sandbox():
    servers = []

    def start(**options) -> tuple[SandboxState, str]:
        options.setdefault("contacts", 40)
        options.setdefault("rate_limit", 10_000)
        state = SandboxState(SandboxOptions(**options))
        state.add_token(API_KEY)
        server = SandboxServer(state).start()
        servers.append(server)
        return state, server.url

    yield start
    for server in servers:
        server.stop()


@pytest.fixture
def sandbox(make_sandbox):
    return make_sandbox()


@pytest.fixture
def connection(db, thrive_settings, sandbox):
    _, url = sandbox
    return create_connection(owner="tenant-a", name="thrive", api_key=API_KEY, base_url=url)


def connect(url: str, name: str = "thrive"):
    return create_connection(owner="tenant-a", name=name, api_key=API_KEY, base_url=url)


def sync(connection, *, full: bool = False, resources=None):
    run = request_sync(connection, full=full, resources=resources)
    while not execute_run(run.pk):
        pass
    run.refresh_from_db()
    return run


def steps_by_resource(run) -> dict:
    return {step.resource: step for step in run.steps.all()}


class WriteCounter:
    """Counts INSERT/UPDATE/DELETE statements against mirror tables."""

    def __init__(self) -> None:
        self.writes: list[str] = []

    def __call__(self, execute, sql, params, many, context):
        verb = sql.lstrip().split(" ", 1)[0].upper()
        # Run bookkeeping (SyncRun, SyncStep, SyncCursor, SyncLock) is expected to change.
        if verb in ("INSERT", "UPDATE", "DELETE") and "thrive_integration_sync" not in sql:
            self.writes.append(sql[:120])
        return execute(sql, params, many, context)


@pytest.fixture
def count_writes():
    counter = WriteCounter()
    with db.execute_wrapper(counter):
        yield counter
