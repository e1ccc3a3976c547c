"""The export REST routes and the outbox admin action."""

from __future__ import annotations

import pytest
from django.contrib.admin.sites import site
from django.contrib.auth import get_user_model
from django.contrib.messages.storage.fallback import FallbackStorage
from django.test import RequestFactory
from django.urls import include, path
from rest_framework.routers import SimpleRouter
from rest_framework.test import APIClient

from thrive_integration.admin.outbox import OutboxEntryAdmin
from thrive_integration.api.export_views import register_export_routes
from thrive_integration.export import process
from thrive_integration.models import CandidateProfile, OutboxEntry, OutboxState

router = SimpleRouter()
register_export_routes(router)
urlpatterns = [path("api/thrive/", include(router.urls))]

pytestmark = [pytest.mark.django_db, pytest.mark.urls(__name__)]


@pytest.fixture
def user():
    return get_user_model().objects.create_user("recruiter", password="x")


@pytest.fixture
def api(user) -> APIClient:
    client = APIClient()
    client.force_authenticate(user)
    return client


@pytest.fixture
def owned(connection, user):
    connection.owner = f"user:{user.pk}"
    connection.save()
    return connection


def test_export_a_profile_into_a_search_and_list_rows(api, owned, sandbox):
    profile = CandidateProfile.objects.create(
        connection=owned, name="Api Person", email="api@example.net"
    )

    answer = api.post(
        "/api/thrive/outbox/export-profile/",
        {"profile": profile.pk, "search_id": "1", "icp_name": "Project X"},
        format="json",
    )

    assert answer.status_code == 202, answer.json()
    row = answer.json()
    assert (row["kind"], row["state"]) == ("export_profile", "pending")
    assert row["payload"] == {"icp_name": "Project X", "search_id": "1"}
    # A double click answers with the same row.
    again = api.post(
        "/api/thrive/outbox/export-profile/",
        {"profile": profile.pk, "search_id": "1", "icp_name": "Project X"},
        format="json",
    )
    assert again.json()["id"] == row["id"]

    process(row["id"])
    listed = api.get("/api/thrive/outbox/", {"state": "succeeded"}).json()["results"]
    assert {r["kind"] for r in listed} == {"export_profile", "add_to_search"}


def test_off_limits_profile_is_refused_at_once(api, owned):
    profile = CandidateProfile.objects.create(connection=owned, name="No", off_limits=True)

    answer = api.post("/api/thrive/outbox/export-profile/", {"profile": profile.pk}, format="json")

    assert answer.status_code == 400
    assert "off-limits" in answer.json()["profile"][0]
    assert not OutboxEntry.objects.exists()


def test_a_tag_with_a_comma_is_refused_at_once(api, owned):
    """Thrive's `Tags: a, b` line would give it back as two tags on the next import."""
    profile = CandidateProfile.objects.create(connection=owned, name="Tagged")

    answer = api.post(
        "/api/thrive/outbox/export-profile/",
        {"profile": profile.pk, "tags": ["fine", "Berlin, Germany"]},
        format="json",
    )

    assert answer.status_code == 400
    assert answer.json()["tags"] == {"1": ["A tag cannot contain a comma."]}
    assert not OutboxEntry.objects.exists()


def test_another_owners_profile_and_rows_are_invisible(api, connection):
    profile = CandidateProfile.objects.create(connection=connection, name="Theirs")
    entry = OutboxEntry.objects.create(
        connection=connection, kind="add_note", payload={}, idempotency_key="k"
    )

    export = api.post("/api/thrive/outbox/export-profile/", {"profile": profile.pk}, format="json")

    assert export.status_code == 400
    assert api.get(f"/api/thrive/outbox/{entry.pk}/").status_code == 404
    assert api.post(f"/api/thrive/outbox/{entry.pk}/retry/").status_code == 404


def test_retry_a_failed_row(api, owned, sandbox):
    profile = CandidateProfile.objects.create(connection=owned, name="", email="f@example.net")
    failed = api.post(
        "/api/thrive/outbox/export-profile/", {"profile": profile.pk}, format="json"
    ).json()
    assert process(failed["id"]).state == OutboxState.FAILED

    answer = api.post(f"/api/thrive/outbox/{failed['id']}/retry/")
    assert answer.status_code == 202
    assert answer.json()["state"] == "needs_lookup"
    assert api.post(f"/api/thrive/outbox/{failed['id']}/retry/").status_code == 409


def test_admin_action_retries_only_failed_rows(connection):
    failed = OutboxEntry.objects.create(
        connection=connection, kind="add_note", idempotency_key="a", state=OutboxState.FAILED
    )
    done = OutboxEntry.objects.create(
        connection=connection, kind="add_note", idempotency_key="b", state=OutboxState.SUCCEEDED
    )
    request = RequestFactory().post("/")
    request.session = {}
    request._messages = FallbackStorage(request)

    OutboxEntryAdmin(OutboxEntry, site).retry_failed(
        request, OutboxEntry.objects.filter(pk__in=[failed.pk, done.pk])
    )

    failed.refresh_from_db()
    done.refresh_from_db()
    assert (failed.state, done.state) == (OutboxState.NEEDS_LOOKUP, OutboxState.SUCCEEDED)
