"""Property-based run of schemathesis against the live OpenAPI schema of the whole API.

Every operation gets a bounded number of generated requests, valid and invalid ones; none may
answer 5xx, and every answer must match the documented body and content type. The schema is
fetched from the running app (`/api/thrive/schema/`), so it is the one clients see.

The operations are driven one by one from this test rather than with schemathesis' lazy
pytest fixture, which does not support pytest 9 yet.
"""

from __future__ import annotations

import traceback

import pytest
import schemathesis
from django.core.signals import request_finished, request_started
from django.db import close_old_connections
from hypothesis import HealthCheck, given, settings
from rest_framework.authentication import BaseAuthentication
from rest_framework.views import APIView
from schemathesis import GenerationMode, checks
from schemathesis.core.failures import FailureGroup
from schemathesis.specs.openapi import checks as openapi_checks

from project.wsgi import application
from tests.api.conftest import FULL_KEY, make_user, owner_of
from thrive_integration.connections import create_connection

pytestmark = pytest.mark.django_db

# Examples per operation and mode: enough to reach every field's edge cases, bounded for CI.
MAX_EXAMPLES = 25

CHECKS = [
    checks.not_a_server_error,
    openapi_checks.response_schema_conformance,
    openapi_checks.content_type_conformance,
]


class AsUser(BaseAuthentication):
    """Every request as one staff user, without a session: no CSRF, no password hashing."""

    user = None

    def authenticate(self, request):
        return (self.user, None)


# The live schema, fetched from the app once at collection (generating it needs no database).
SCHEMA = schemathesis.openapi.from_wsgi("/api/thrive/schema/", application)
OPERATIONS = {op.label: op for op in (result.ok() for result in SCHEMA.get_all_operations())}


@pytest.fixture
def keep_db_connection():
    """Requests go through the real WSGI handler, which closes the database connection after
    each one; in a test that would close the test's transaction. Django's test client
    disconnects the same handler for the same reason."""
    request_started.disconnect(close_old_connections)
    request_finished.disconnect(close_old_connections)
    yield
    request_started.connect(close_old_connections)
    request_finished.connect(close_old_connections)


@pytest.fixture
def owner_with_connections(thrive, monkeypatch, settings, keep_db_connection):
    settings.THRIVE_INTEGRATION = {
        **settings.THRIVE_INTEGRATION,
        "ALLOW_INSECURE_BASE_URL": False,
        "API_THROTTLE_RATE": None,
        "API_SYNC_THROTTLE_RATE": None,
        "REQUESTS_PER_SECOND": 10_000.0,
        "MAX_RETRIES": 0,
    }
    user = make_user(staff=True)
    # Real objects with small ids, so generated ids sometimes exist and reach the core.
    for name in ("one", "two"):
        connection = create_connection(
            owner=owner_of(user), name=name, api_key=FULL_KEY, base_url="https://127.0.0.1:9"
        )
        connection.base_url = thrive.url  # plain HTTP to the sandbox, past the HTTPS rule
        connection.save()
    monkeypatch.setattr(AsUser, "user", user)
    monkeypatch.setattr(APIView, "authentication_classes", [AsUser])
    return user


def failures_of(operation, mode: GenerationMode) -> list[str]:
    failures: list[str] = []

    @given(case=operation.as_strategy(generation_mode=mode))
    @settings(
        max_examples=MAX_EXAMPLES,
        deadline=None,
        derandomize=True,
        database=None,
        suppress_health_check=list(HealthCheck),
    )
    def run(case) -> None:
        case.call_and_validate(checks=CHECKS)

    try:
        run()
    except (Exception, FailureGroup) as exc:  # report both modes, not only the first failure
        failures.append(f"{mode}:\n" + "".join(traceback.format_exception(exc, limit=0)))
    return failures


def test_the_schema_covers_the_api():
    assert "POST /api/thrive/connections/{id}/sync/" in OPERATIONS
    assert len(OPERATIONS) > 20


@pytest.mark.parametrize("label", sorted(OPERATIONS))
def test_operation_has_no_server_errors_and_no_schema_violations(owner_with_connections, label):
    operation = OPERATIONS[label]
    failures = [
        failure
        for mode in (GenerationMode.POSITIVE, GenerationMode.NEGATIVE)
        for failure in failures_of(operation, mode)
    ]

    assert not failures, "\n\n".join(failures)
