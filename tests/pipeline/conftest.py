"""Fixtures for pipeline tests: a writable sandbox over HTTP on 127.0.0.1 per test, imported.

Advance and reject write candidacies, so each test gets its own sandbox (the session one in
tests/conftest.py is read-only by agreement) and its own connection.
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from django.contrib.auth import get_user_model
from django.core.cache import cache
from rest_framework.test import APIClient

from thrive_integration.connections import create_connection
from thrive_integration.models import Connection
from thrive_integration.sandbox import SandboxServer, SandboxState
from thrive_integration.sync.runner import execute_run, request_sync
from thrive_integration.tenancy import owner_from_user

API_KEY = "pipeline-test-key-3e9f04b1"


@pytest.fixture
def thrive_settings(settings):
    settings.THRIVE_INTEGRATION = {
        **settings.THRIVE_INTEGRATION,
        "ALLOW_INSECURE_BASE_URL": True,
        "PAGE_SIZE": 25,
        "READ_TIMEOUT": 2.0,
        "MAX_RETRY_WAIT": 0.05,
        "MAX_RETRIES": 2,
        "REQUESTS_PER_SECOND": 1000.0,
    }
    return settings


@pytest.fixture
def sandbox() -> Iterator[SandboxServer]:
    state = SandboxState(contacts=30, rate_limit=100_000)
    state.add_token(API_KEY)
    with SandboxServer(state) as server:
        yield server


@pytest.fixture
def user(db):
    return get_user_model().objects.create_user(username="recruiter")


@pytest.fixture
def api(user) -> APIClient:
    cache.clear()  # throttle counters outlive a test's database
    client = APIClient()
    client.force_authenticate(user)
    return client


@pytest.fixture
def connection(db, thrive_settings, sandbox, user) -> Connection:
    owner = owner_from_user(type("Request", (), {"user": user})())
    return create_connection(owner=owner, name="thrive", api_key=API_KEY, base_url=sandbox.url)


def sync(connection: Connection, *, full: bool = False, resources=None):
    run = request_sync(connection, full=full, resources=resources)
    while not execute_run(run.pk):
        pass
    run.refresh_from_db()
    return run


@pytest.fixture
def imported(connection) -> Connection:
    sync(connection, full=True)
    return connection


def mapping_of(connection: Connection, thrive_stage_name: str):
    from thrive_integration.models import StageMapping

    return StageMapping.objects.select_related("candidacy_stage", "pipeline_stage").get(
        connection=connection, candidacy_stage__name=thrive_stage_name
    )


def open_applications(connection: Connection, *, count: int | None = None):
    """Applications not rejected, in live stages, oldest first."""
    from thrive_integration.models import Application

    applications = (
        Application.objects.filter(connection=connection, rejected=False)
        .exclude(stage_mapping__candidacy_stage__active=False)
        .select_related("connection", "candidacy", "stage_mapping__candidacy_stage")
        .order_by("id")
    )
    return list(applications[:count] if count else applications)


def thrive_candidacy(sandbox: SandboxServer, remote_id: str) -> dict:
    """The candidacy as the sandbox holds it now (what Thrive would answer)."""
    state = sandbox.state
    return state.collections["candidacies"].get(state.codec.decode("candidacies", remote_id))
