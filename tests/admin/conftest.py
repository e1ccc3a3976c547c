"""Admin fixtures: a logged-in superuser and connections to the shared sandbox."""

from __future__ import annotations

import pytest
from django.contrib.auth import get_user_model
from django.test import Client

from thrive_integration.connections import create_connection
from thrive_integration.models import Connection
from thrive_integration.sandbox import SandboxServer

ADMIN_KEY = "admin-test-key-full-5e6f7a8b"


@pytest.fixture
def thrive(sandbox: SandboxServer) -> SandboxServer:
    sandbox.add_token(ADMIN_KEY)
    return sandbox


@pytest.fixture
def superuser(db):
    return get_user_model().objects.create_superuser(username="root", email="root@example.com")


@pytest.fixture
def admin_client(superuser) -> Client:
    client = Client()
    client.force_login(superuser)
    return client


@pytest.fixture
def connection(thrive, integration_settings) -> Connection:
    return create_connection(owner="org-1", name="thrive", api_key=ADMIN_KEY, base_url=thrive.url)
