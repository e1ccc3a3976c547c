"""REST API fixtures: owners, clients authenticated as them, connections to the sandbox."""

from __future__ import annotations

import itertools

import pytest
from django.contrib.auth import get_user_model
from django.core.cache import cache
from rest_framework.test import APIClient

from thrive_integration.connections import create_connection
from thrive_integration.models import Connection, RunStatus
from thrive_integration.sandbox import SandboxServer
from thrive_integration.sync.runner import execute_run, request_sync
from thrive_integration.tenancy import owner_from_user

# A key the sandbox grants every permission; long enough to get a hint.
FULL_KEY = "api-test-key-full-0c3e5a9b71"
_names = itertools.count()


@pytest.fixture(autouse=True)
def fresh_throttles():
    # Throttle counters live in the cache, which outlives a test's database.
    cache.clear()
    yield
    cache.clear()


@pytest.fixture
def thrive(sandbox: SandboxServer) -> SandboxServer:
    sandbox.add_token(FULL_KEY)
    return sandbox


def make_user(*, staff: bool = False):
    return get_user_model().objects.create_user(username=f"user{next(_names)}", is_staff=staff)


def client_for(user) -> APIClient:
    client = APIClient()
    client.force_authenticate(user)
    return client


def owner_of(user) -> str:
    return owner_from_user(type("Request", (), {"user": user})())


@pytest.fixture
def user(db):
    return make_user(staff=True)


@pytest.fixture
def other_user(db):
    return make_user(staff=True)


@pytest.fixture
def api(user) -> APIClient:
    return client_for(user)


@pytest.fixture
def connection(user, thrive, integration_settings) -> Connection:
    return create_connection(
        owner=owner_of(user), name="main", api_key=FULL_KEY, base_url=thrive.url
    )


@pytest.fixture
def imported(connection: Connection) -> Connection:
    """The connection after one full import from the sandbox."""
    run = request_sync(connection, full=True)
    execute_run(run.pk)
    run.refresh_from_db()
    assert run.status in (RunStatus.SUCCEEDED, RunStatus.NEEDS_ATTENTION), run.error
    return connection


@pytest.fixture
def foreign_connection(other_user, thrive, integration_settings) -> Connection:
    """A connection of another owner: every request for it must answer 404."""
    return create_connection(
        owner=owner_of(other_user), name="theirs", api_key=FULL_KEY, base_url=thrive.url
    )
