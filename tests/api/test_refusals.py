"""Malformed requests are refused by the API itself, in JSON: 400 for a bad body or query,
404 for a malformed id; never a 500 or the host's HTML error page."""

from __future__ import annotations

import pytest
from rest_framework import serializers

from thrive_integration.api import urls as api_urls
from thrive_integration.api.base import StrictSerializer, StringOnlyMixin
from thrive_integration.api.parsers import MAX_NESTING
from thrive_integration.models import (
    CandidateProfile,
    Connection,
    ExcludedRejectionReason,
    FieldMapping,
    OutboxEntry,
    OutboxState,
    SyncRun,
)

from .conftest import FULL_KEY

pytestmark = pytest.mark.django_db

API = "/api/thrive/"


def post_raw(api, path: str, body: str):
    return api.generic("POST", f"{API}{path}", body, content_type="application/json")


def nested(key: str, depth: int) -> str:
    return f'{{"{key}": {"[" * depth}{"]" * depth}}}'


@pytest.fixture
def failed_entry(connection: Connection) -> OutboxEntry:
    return OutboxEntry.objects.create(
        connection=connection,
        kind="add_note",
        payload={},
        idempotency_key="refusals",
        state=OutboxState.FAILED,
    )


# ---- bodies --------------------------------------------------------------------------------

BODY_PATHS = (
    "connections/",
    "connections/{c}/sync/",
    "connections/{c}/field-mappings/",
    "connections/{c}/field-mappings/preview/",
    "outbox/export-profile/",
    "stage-mappings/regroup/",
    "applications/bulk-advance/",
)


@pytest.mark.parametrize("path", BODY_PATHS)
@pytest.mark.parametrize(
    "body",
    [
        # Deeper than the interpreter's recursion limit: the decoder itself gives up.
        nested("name", 5000),
        # Decodable, but deep enough to exhaust the stack in the ORM (a profile lookup).
        nested("profile", 600),
        nested("connection", MAX_NESTING),
    ],
    ids=["5000-deep", "600-deep", "just-too-deep"],
)
def test_a_deeply_nested_body_is_a_json_400(api, connection, path, body):
    response = post_raw(api, path.format(c=connection.pk), body)

    assert response.status_code == 400
    assert response["Content-Type"] == "application/json"
    assert "nests" in response.json()["detail"]


def test_a_body_nested_within_the_bound_is_validated_as_usual(api, connection):
    response = post_raw(api, "connections/", nested("name", MAX_NESTING - 1))

    assert response.status_code == 400
    assert "name" in response.json()


@pytest.mark.parametrize("path", BODY_PATHS)
def test_a_body_over_the_upload_limit_is_a_json_400(api, connection, settings, path):
    settings.DATA_UPLOAD_MAX_MEMORY_SIZE = 1000
    response = post_raw(api, path.format(c=connection.pk), '{"name": "%s"}' % ("a" * 2000))

    assert response.status_code == 400
    assert response["Content-Type"] == "application/json"
    assert response.json() == {"detail": "The request body is larger than 1000 bytes."}


def test_only_json_bodies_are_read(api):
    response = api.post(f"{API}connections/", {"name": "x"}, format="multipart")

    assert response.status_code == 415


@pytest.mark.parametrize("action", ["remap", "retry", "verify", "disconnect"])
@pytest.mark.parametrize(
    ("body", "refused"),
    [("{bad", "detail"), ('{"junk": 1}', "junk"), ('{"full": true}', "full"), ("[]", None)],
)
def test_an_action_without_fields_refuses_any_body(
    api, connection, failed_entry, action, body, refused
):
    path = {
        "remap": f"connections/{connection.pk}/field-mappings/remap/",
        "retry": f"outbox/{failed_entry.pk}/retry/",
        "verify": f"connections/{connection.pk}/verify/",
        "disconnect": f"connections/{connection.pk}/disconnect/",
    }[action]

    response = post_raw(api, path, body)

    assert response.status_code == 400
    if refused:
        assert refused in response.json()
    assert not SyncRun.objects.exists()
    failed_entry.refresh_from_db()
    assert failed_entry.state == OutboxState.FAILED
    connection.refresh_from_db()
    assert connection.status == "new"


@pytest.mark.parametrize("body", ["", "{}"])
def test_an_action_without_fields_takes_an_empty_body(api, connection, failed_entry, body):
    remap = post_raw(api, f"connections/{connection.pk}/field-mappings/remap/", body)
    retry = post_raw(api, f"outbox/{failed_entry.pk}/retry/", body)

    assert remap.status_code == 202
    assert retry.status_code == 202


# ---- list queries ----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("path", "params"),
    [
        ("contacts/", {"deleted": "maybe"}),
        ("candidate-profiles/", {"off_limits": "maybe"}),
        ("stage-mappings/", {"needs_attention": "maybe"}),
        ("applications/", {"rejected": "maybe"}),
        ("applications/", {"sla_breached": "maybe"}),
        ("outbox/", {"state": "bogus"}),
        ("outbox/", {"kind": "bogus"}),
        ("outbox/", {"connection": "abc"}),
        ("outbox/", {"profile": "1.5"}),
        ("applications/", {"connection": "1.5"}),
        ("sync-runs/", {"status": "bogus"}),
    ],
)
def test_a_filter_value_it_cannot_read_is_a_400(api, connection, path, params):
    response = api.get(f"{API}{path}", params)

    assert response.status_code == 400
    assert set(response.json()) == set(params)


@pytest.mark.parametrize("spelling", ["true", "True", "1", "false", "0"])
def test_booleans_are_true_or_false(api, connection, spelling):
    assert api.get(f"{API}contacts/", {"deleted": spelling}).status_code == 200


def test_outbox_filters_do_not_tell_another_owners_connection_from_none(
    api, connection, foreign_connection
):
    theirs = api.get(f"{API}outbox/", {"connection": foreign_connection.pk})
    nobody = api.get(f"{API}outbox/", {"connection": foreign_connection.pk + 1000})

    assert (theirs.status_code, theirs.json()["results"]) == (200, [])
    assert (nobody.status_code, nobody.json()["results"]) == (200, [])


LISTS = ("connections/", "sync-runs/", "contacts/", "outbox/", "applications/", "stage-mappings/")


@pytest.mark.parametrize("path", LISTS)
def test_an_unknown_ordering_is_a_400(api, connection, path):
    response = api.get(f"{API}{path}", {"ordering": "id,bogus"})

    assert response.status_code == 400
    assert "bogus" in response.json()["ordering"][0]
    assert api.get(f"{API}{path}", {"ordering": "-id"}).status_code == 200


@pytest.mark.parametrize("path", LISTS)
def test_a_bad_cursor_is_a_400(api, connection, path):
    response = api.get(f"{API}{path}", {"cursor": "bad"})

    assert response.status_code == 400
    assert response.json() == {"cursor": ["Invalid cursor"]}


def test_choices_say_whether_the_connection_is_missing_or_malformed(api, connection):
    url = f"{API}applications/choices/"

    missing = api.get(url).json()["connection"][0]
    malformed = api.get(url, {"connection": "abc"})

    assert missing == "A connection id is required."
    assert malformed.status_code == 400
    assert malformed.json() == {"connection": ["This is not a valid connection id."]}


# ---- ids in the path ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    "path",
    [
        "connections/1.5/field-mappings/",
        "connections/1.5/field-mappings/remap/",
        "connections/%2e%2e/field-mappings/remap/",
        "connections/../field-mappings/",
        "connections/{c}/field-mappings/1.5/",
        "connections/1.5/",
        "contacts/1.5/",
        "outbox/1.5/retry/",
        "pipeline-stages/1.5/",
    ],
)
def test_a_malformed_id_is_the_apis_json_404(api, connection, path):
    url = f"{API}{path.format(c=connection.pk)}"
    method = api.post if url.endswith(("remap/", "retry/")) else api.get

    response = method(url)

    assert response.status_code == 404
    assert response["Content-Type"] == "application/json"
    assert "detail" in response.json()


@pytest.mark.parametrize("spelling", ["１", "1%20", "%201", "+1", "01", "1_0", "1%0A", "-1", "0"])
@pytest.mark.parametrize(
    "path",
    [
        "connections/{id}/",
        "connections/{id}/schedule/",
        "connections/{id}/field-mappings/",
        "connections/{c}/field-mappings/{id}/",
        "contacts/{id}/",
        "outbox/{id}/",
        "applications/{id}/",
        "pipeline-stages/{id}/",
    ],
)
def test_only_the_canonical_spelling_of_an_id_names_an_object(api, connection, path, spelling):
    # Each spelling is one that Python's or the database's int() reads as a small id.
    url = f"{API}{path.format(c=connection.pk, id=spelling)}"

    response = api.get(url)

    assert response.status_code == 404
    assert response["Content-Type"] == "application/json"
    assert "detail" in response.json()


def test_a_malformed_id_is_a_404_before_an_actions_body_is_read(api, connection):
    response = api.post(f"{API}applications/01/advance/", {"bogus": 1}, format="json")

    assert response.status_code == 404


def test_the_canonical_spelling_still_names_the_object(api, connection):
    assert api.get(f"{API}connections/{connection.pk}/").status_code == 200


@pytest.mark.parametrize("path", ["contacts/", "outbox/", "applications/", "sync-runs/"])
@pytest.mark.parametrize("spelling", ["1.0", "+1", " 1", "1 ", "01", "１", "1e0", "1_0"])
def test_an_id_filter_takes_only_the_canonical_spelling(api, connection, path, spelling):
    response = api.get(f"{API}{path}", {"connection": spelling})

    assert response.status_code == 400
    assert set(response.json()) == {"connection"}


def test_choices_take_only_the_canonical_spelling_of_a_connection(api, connection):
    response = api.get(f"{API}applications/choices/", {"connection": f"0{connection.pk}"})

    assert response.status_code == 400


@pytest.mark.parametrize("spelling", ["yes", "true", 1, "on", None])
@pytest.mark.parametrize(
    ("path", "field"),
    [("connections/{c}/sync/", "full"), ("connections/{c}/schedule/", "import_enabled")],
)
def test_a_body_boolean_is_json_true_or_false(api, connection, path, field, spelling):
    url = f"{API}{path.format(c=connection.pk)}"
    send = api.post if path.endswith("sync/") else api.patch
    response = send(url, {field: spelling}, format="json")
    assert response.status_code == 400, response.data
    assert field in response.data
    assert not SyncRun.objects.exists()


# ---- text in a body -------------------------------------------------------------------------

MAPPING = {"platform_field": "email", "thrive_paths": ["email"], "transform": "email"}
EXPORT = {
    "search_id": "1",
    "candidacy_stage_id": "2",
    "icp_name": "Project X",
    "icp_owner_name": "Owner",
    "shortlisted_by": "Recruiter",
    "tags": ["senior"],
}
# (method, path, a body valid field by field, where in it the text field is)
TEXT_FIELDS = [
    *[
        ("post", "connections/", {"name": "new", "api_key": FULL_KEY}, (f,))
        for f in ("name", "api_key")
    ],
    (
        "post",
        "connections/",
        {"name": "new", "api_key": FULL_KEY, "base_url": "https://a.test"},
        ("base_url",),
    ),
    ("patch", "connections/{c}/", {"name": "renamed"}, ("name",)),
    *[
        ("post", "connections/{c}/field-mappings/", MAPPING, where)
        for where in (("platform_field",), ("transform",), ("thrive_paths", 0))
    ],
    *[
        ("post", f"connections/{{c}}/field-mappings/{action}/", {"mappings": [MAPPING]}, where)
        for action in ("validate", "preview")
        for where in (("mappings", 0, "platform_field"), ("mappings", 0, "thrive_paths", 0))
    ],
    (
        "post",
        "excluded-rejection-reasons/",
        {"connection": "{c}", "reason": "Location"},
        ("reason",),
    ),
    ("post", "applications/1/reject/", {"reason": "Location"}, ("reason",)),
    (
        "post",
        "applications/bulk-reject/",
        {"connection": "{c}", "applications": [1], "reason": "Location"},
        ("reason",),
    ),
    *[
        ("post", "outbox/export-profile/", {"profile": "{p}", **EXPORT}, where)
        for where in [(name,) for name in EXPORT if name != "tags"] + [("tags", 0)]
    ],
]


def fill(body, ids: dict[str, int]):
    """The body with its "{c}"/"{p}" placeholders replaced by the test's ids."""
    if isinstance(body, dict):
        return {key: fill(value, ids) for key, value in body.items()}
    if isinstance(body, list):
        return [fill(value, ids) for value in body]
    return ids.get(body, body)


def saved_rows() -> list[int]:
    models = (Connection, FieldMapping, ExcludedRejectionReason, OutboxEntry, SyncRun)
    return [model.objects.count() for model in models]


@pytest.mark.parametrize("value", [123, 0, 1.5, True])
@pytest.mark.parametrize(("method", "path", "body", "where"), TEXT_FIELDS)
def test_a_text_field_refuses_a_number_or_boolean(
    api, connection, method, path, body, where, value
):
    profile = CandidateProfile.objects.create(connection=connection, name="Person")
    body = fill(body, {"{c}": connection.pk, "{p}": profile.pk})
    *outer, last = where
    container = body
    for key in outer:
        container = container[key]
    container[last] = value
    before = saved_rows()

    response = getattr(api, method)(f"{API}{path.format(c=connection.pk)}", body, format="json")

    assert response.status_code == 400, response.content
    refused = response.json()
    for key in where:  # the messages nest like the body, list items by index
        refused = refused[key] if isinstance(refused, list) else refused[str(key)]
    assert refused == ["Enter a valid URL." if where == ("base_url",) else "Not a valid string."]
    assert saved_rows() == before
    connection.refresh_from_db()
    assert connection.name == "main"


def writable_fields(field: serializers.Field, path: str):
    """(path, field) of every field a body may set under `field`, list items included."""
    if field.read_only:
        return
    if isinstance(
        field, serializers.ListSerializer | serializers.ListField | serializers.DictField
    ):
        yield from writable_fields(field.child, f"{path}[]")
    elif isinstance(field, serializers.Serializer):
        for name, child in field.fields.items():
            yield from writable_fields(child, f"{path}.{name}")
    else:
        yield path, field


def subclasses(cls: type) -> list[type]:
    return [cls, *(sub for direct in cls.__subclasses__() for sub in subclasses(direct))]


# Every serializer the API reads a body with is a StrictSerializer (the base module holds only
# their bases); importing the routes imports them all.
BODY_SERIALIZERS = [
    cls
    for cls in subclasses(StrictSerializer)
    if cls.__module__.startswith(api_urls.__package__)
    and cls.__module__ != StrictSerializer.__module__
]


@pytest.mark.parametrize("serializer", BODY_SERIALIZERS, ids=lambda cls: cls.__name__)
def test_every_text_field_a_body_takes_refuses_non_strings(serializer):
    plain = [
        path
        for path, field in writable_fields(serializer(), serializer.__name__)
        if isinstance(field, serializers.CharField) and not isinstance(field, StringOnlyMixin)
    ]

    assert not plain, f"text fields that would take a number as its digits: {plain}"
