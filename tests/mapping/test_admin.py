"""The mapping admin: lists render, invalid mappings are refused, re-map queues a run."""

import pytest
from django.urls import reverse

from thrive_integration.mapping import map_contacts
from thrive_integration.mapping.defaults import DEFAULT_MAPPINGS
from thrive_integration.models import CandidateProfile, FieldMapping, RunStatus, SyncRun
from thrive_integration.sync.runner import execute_run, request_remap

from .factories import make_contact


def test_changelists_and_profile_page_render(admin_client, connection):
    contact = make_contact(connection)
    map_contacts(connection, [contact.pk])
    profile = CandidateProfile.objects.get()
    for name in ("fieldmapping", "candidateprofile"):
        url = reverse(f"admin:thrive_integration_{name}_changelist")
        assert admin_client.get(url).status_code == 200
    detail = reverse("admin:thrive_integration_candidateprofile_change", args=[profile.pk])
    assert admin_client.get(detail).status_code == 200


def post_add_form(admin_client, connection, **fields):
    """The admin's add form for a contact mapping, imported only, with these fields."""
    return admin_client.post(
        reverse("admin:thrive_integration_fieldmapping_add"),
        {"connection": connection.pk, "thrive_object": "contact", "direction": "import", **fields},
    )


@pytest.mark.parametrize(
    ("fields", "refusal"),
    [
        (
            {"platform_field": "phone", "thrive_paths": '["phone"]', "transform": "rot13"},
            "unknown transform",
        ),
        # Checked against the seed's mappings, which the first change stores first.
        (
            {"platform_field": "name", "thrive_paths": '["preferred_name"]', "transform": "text"},
            "two mappings write CandidateProfile.name",
        ),
    ],
    ids=["unknown-transform", "against-the-defaults"],
)
def test_add_form_refuses_an_invalid_mapping_and_keeps_the_defaults(
    admin_client, connection, fields, refusal
):
    response = post_add_form(admin_client, connection, **fields)
    assert response.status_code == 200
    assert refusal in response.content.decode()
    stored = FieldMapping.objects.filter(connection=connection)
    assert sorted(
        (m.platform_field, m.thrive_object, tuple(m.thrive_paths)) for m in stored
    ) == sorted(
        (field, thrive_object, paths) for field, thrive_object, paths, _, _ in DEFAULT_MAPPINGS
    )


def _remap_selected(admin_client, mapping):
    return admin_client.post(
        reverse("admin:thrive_integration_fieldmapping_changelist"),
        {"action": "remap_connections", "_selected_action": [mapping.pk]},
        follow=True,
    ).content.decode()


def test_remap_action_queues_a_run(admin_client, connection, django_capture_on_commit_callbacks):
    make_contact(connection)
    mapping = FieldMapping.objects.create(
        connection=connection, platform_field="name", thrive_paths=["last_name"], transform="text"
    )
    with django_capture_on_commit_callbacks() as enqueued:
        page = _remap_selected(admin_client, mapping)
    run = SyncRun.objects.get(connection=connection)
    assert (run.kind, run.status) == (SyncRun.Kind.REMAP, RunStatus.PENDING)
    assert f"sync run #{run.pk} queued (Re-map)" in page
    assert len(enqueued) == 1
    assert not CandidateProfile.objects.exists()  # nothing is mapped inside the request

    assert execute_run(run.pk)
    assert CandidateProfile.objects.get().name.startswith("Lovelace")

    again = request_remap(connection)
    assert f"Sync run #{again.pk} of this connection is still active" in _remap_selected(
        admin_client, mapping
    )
