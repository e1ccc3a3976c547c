"""REST endpoints for field mappings and candidate profiles, owner-scoped."""

import datetime

import pytest
from django.contrib.auth import get_user_model
from django.utils import timezone
from rest_framework.test import APIClient

from thrive_integration.mapping import map_contacts
from thrive_integration.mapping.defaults import DEFAULT_MAPPINGS
from thrive_integration.models import CandidateProfile, FieldMapping, SyncRun
from thrive_integration.sync.runner import execute_run

from .factories import make_connection, make_contact

pytestmark = pytest.mark.urls("tests.mapping.urls")


@pytest.fixture
def user(db):
    return get_user_model().objects.create_user("recruiter")


@pytest.fixture
def client(user):
    api = APIClient()
    api.force_authenticate(user)
    return api


@pytest.fixture
def own(user):
    return make_connection(owner=f"user:{user.pk}")


@pytest.fixture
def foreign(db):
    return make_connection(owner="user:someone-else")


def _mappings_url(connection, suffix=""):
    return f"/api/thrive/connections/{connection.pk}/field-mappings/{suffix}"


def test_anonymous_is_refused(db, own):
    assert APIClient().get(_mappings_url(own)).status_code in (401, 403)


def test_list_shows_the_seed_defaults(client, own):
    response = client.get(_mappings_url(own))
    assert response.status_code == 200
    fields = {row["platform_field"] for row in response.json()["results"]}
    assert {"name", "company", "location", "tags", "source"} <= fields


def test_another_owners_connection_and_mapping_are_404(client, foreign):
    mapping = FieldMapping.objects.create(
        connection=foreign, platform_field="name", thrive_paths=["first_name"], transform="text"
    )
    assert client.get(_mappings_url(foreign)).status_code == 404
    assert client.get(_mappings_url(foreign, f"{mapping.pk}/")).status_code == 404
    assert client.delete(_mappings_url(foreign, f"{mapping.pk}/")).status_code == 404
    assert client.post(_mappings_url(foreign, "remap/")).status_code == 404
    assert FieldMapping.objects.filter(pk=mapping.pk).exists()


def test_a_first_change_starts_from_the_seed_defaults(client, own):
    # Nobody listed this connection's mappings, which used to be what seeded them: a first
    # create then left the connection with that one mapping, and imports with empty profiles.
    body = {"platform_field": "name", "thrive_paths": ["preferred_name"], "transform": "text"}

    response = client.post(_mappings_url(own), body, format="json")

    assert response.status_code == 400
    assert "two mappings write CandidateProfile.name" in " ".join(response.json()["mappings"])
    stored = FieldMapping.objects.filter(connection=own)
    assert stored.count() == len(DEFAULT_MAPPINGS)
    assert stored.get(platform_field="name").thrive_paths == ["first_name", "last_name"]


def test_preview_of_the_stored_set_before_any_change_uses_the_seed_defaults(client, own):
    make_contact(own, first_name="Grace", last_name="Hopper", city="Arlington")

    response = client.post(_mappings_url(own, "preview/"), {}, format="json")

    assert response.status_code == 200, response.json()
    (result,) = response.json()["results"]
    assert result["profile"]["name"] == "Grace Hopper"
    assert not FieldMapping.objects.filter(connection=own).exists()  # a look saves nothing


def test_create_update_delete(client, own):
    seeded_phone = client.get(_mappings_url(own)).json()["results"]
    phone_id = next(row["id"] for row in seeded_phone if row["platform_field"] == "phone")
    assert client.delete(_mappings_url(own, f"{phone_id}/")).status_code == 204
    body = {"platform_field": "phone", "thrive_paths": ["phone"], "transform": "text"}
    created = client.post(_mappings_url(own), body, format="json")
    assert created.status_code == 201, created.json()
    url = _mappings_url(own, f"{created.json()['id']}/")
    updated = client.patch(url, {"thrive_paths": ["work_email"]}, format="json")
    assert updated.status_code == 200 and updated.json()["thrive_paths"] == ["work_email"]
    assert client.delete(url).status_code == 204


@pytest.mark.parametrize(
    ("body", "message"),
    [
        (
            {"platform_field": "shoe_size", "thrive_paths": ["phone"], "transform": "text"},
            "unknown platform field 'shoe_size'",
        ),
        (
            {"platform_field": "phone", "thrive_paths": ["fax"], "transform": "text"},
            "Thrive contacts have no field 'fax'",
        ),
        (
            {"platform_field": "phone", "thrive_paths": ["positions.salary"], "transform": "text"},
            "no field 'positions.salary'",
        ),
        (
            {"platform_field": "phone", "thrive_paths": ["phone"], "transform": "rot13"},
            "unknown transform 'rot13'",
        ),
        (
            {"platform_field": "skills", "thrive_paths": ["phone"], "transform": "text"},
            "makes text, but CandidateProfile.skills holds list",
        ),
    ],
)
def test_invalid_mapping_is_refused_with_a_clear_message(client, own, body, message):
    response = client.post(_mappings_url(own), body, format="json")
    assert response.status_code == 400
    assert any(message in error for error in response.json()["mappings"]), response.json()


def test_two_mappings_writing_one_field_are_refused(client, own):
    client.get(_mappings_url(own))  # defaults, which already write `name`
    body = {"platform_field": "name", "thrive_paths": ["preferred_name"], "transform": "text"}
    response = client.post(_mappings_url(own), body, format="json")
    assert response.status_code == 400
    assert "two mappings write CandidateProfile.name" in " ".join(response.json()["mappings"])


def test_unknown_body_field_is_refused(client, own):
    body = {"platform_field": "phone", "thrive_paths": ["phone"], "transform": "text", "x": 1}
    assert client.post(_mappings_url(own), body, format="json").status_code == 400


def test_validate_a_proposal(client, own):
    good = {
        "mappings": [{"platform_field": "name", "thrive_paths": ["last_name"], "transform": "text"}]
    }
    assert client.post(_mappings_url(own, "validate/"), good, format="json").json() == {
        "valid": True,
        "errors": [],
    }
    bad = {"mappings": good["mappings"] * 2}
    response = client.post(_mappings_url(own, "validate/"), bad, format="json")
    assert response.status_code == 400 and response.json()["valid"] is False


def test_preview_shows_values_without_saving(client, own):
    contact = make_contact(own, first_name="Grace", last_name="Hopper", city="Arlington")
    body = {
        "mappings": [
            {
                "platform_field": "name",
                "thrive_paths": ["last_name", "first_name"],
                "transform": "join",
            },
            {"platform_field": "location", "thrive_paths": ["city"], "transform": "text"},
        ],
        "contact_ids": [contact.pk],
    }
    response = client.post(_mappings_url(own, "preview/"), body, format="json")
    assert response.status_code == 200, response.json()
    (result,) = response.json()["results"]
    assert result["remote_id"] == contact.remote_id
    assert result["profile"]["name"] == "Hopper Grace"
    assert result["profile"]["location"] == "Arlington"
    assert not CandidateProfile.objects.exists()
    assert not FieldMapping.objects.filter(connection=own).exists()


def test_preview_answers_every_id_asked_for_in_order(client, own, foreign):
    """Ids asked for are all previewed (`limit` only counts the default), each once, and an
    id naming no live contact of the connection says so instead of vanishing."""
    mine = [make_contact(own) for _ in range(7)]
    deleted = make_contact(own)
    deleted.remote_deleted_at = deleted.last_synced_at
    deleted.save()
    theirs = make_contact(foreign)
    asked = [c.pk for c in reversed(mine)] + [mine[0].pk, deleted.pk, theirs.pk, 10**9]

    body = {"contact_ids": asked, "candidacy_ids": [], "limit": 2}
    response = client.post(_mappings_url(own, "preview/"), body, format="json")

    assert response.status_code == 200, response.json()
    results = response.json()["results"]
    assert [r["contact_id"] for r in results] == [*[c.pk for c in reversed(mine)], *asked[-3:]]
    assert all("profile" in r for r in results[:7])
    for refused in results[7:]:
        assert refused["error"].startswith("This connection has no stored contact with this id")
        assert "profile" not in refused and "remote_id" not in refused
    assert response.json()["candidacy_results"] == []
    default = client.post(_mappings_url(own, "preview/"), {"limit": 2}, format="json").json()
    assert [r["contact_id"] for r in default["results"]] == [mine[0].pk, mine[1].pk]


def test_remap_records_a_run(client, own):
    contacts = [make_contact(own) for _ in range(3)]
    response = client.post(_mappings_url(own, "remap/"))
    assert response.status_code == 202
    assert (response.json()["kind"], response.json()["status"]) == ("remap", "pending")
    assert execute_run(response.json()["id"])
    step, applications_step = SyncRun.objects.get(pk=response.json()["id"]).steps.all()
    assert (step.resource, applications_step.resource) == ("profiles", "applications")
    assert (step.created, step.updated, step.unchanged, step.failed) == (3, 0, 0, 0)
    assert applications_step.records_done == 0  # no candidacies stored
    assert CandidateProfile.objects.filter(connection=own).count() == len(contacts)


def test_profiles_list_detail_and_filters(client, own, foreign):
    future = (timezone.localdate() + datetime.timedelta(days=9)).isoformat()
    blocked = make_contact(
        own, off_limit_reasons=[{"id": "1", "reason": "Client", "expires_on": future}]
    )
    free = make_contact(own)
    theirs = make_contact(foreign)
    map_contacts(own, [blocked.pk, free.pk])
    map_contacts(foreign, [theirs.pk])

    listed = client.get("/api/thrive/candidate-profiles/").json()["results"]
    assert {row["contact_remote_id"] for row in listed} == {blocked.remote_id, free.remote_id}
    assert "email_key" not in listed[0]

    off = client.get("/api/thrive/candidate-profiles/", {"off_limits": "true"}).json()["results"]
    assert [row["contact_remote_id"] for row in off] == [blocked.remote_id]
    assert off[0]["off_limit_reasons"][0]["reason"] == "Client"

    later = (timezone.now() + datetime.timedelta(hours=1)).isoformat()
    since = client.get("/api/thrive/candidate-profiles/", {"updated_since": later})
    assert since.json()["results"] == []
    by_connection = client.get("/api/thrive/candidate-profiles/", {"connection": foreign.pk})
    assert by_connection.json()["results"] == []

    mine = CandidateProfile.objects.get(links__contact=free)
    assert client.get(f"/api/thrive/candidate-profiles/{mine.pk}/").status_code == 200
    other = CandidateProfile.objects.get(links__contact=theirs)
    assert client.get(f"/api/thrive/candidate-profiles/{other.pk}/").status_code == 404
