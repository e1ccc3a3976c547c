"""The mapping admin: lists render, invalid mappings are refused, re-map runs from storage."""

from django.urls import reverse

from thrive_integration.mapping import map_contacts
from thrive_integration.models import CandidateProfile, FieldMapping

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


def test_add_form_refuses_an_unknown_transform(admin_client, connection):
    response = admin_client.post(
        reverse("admin:thrive_integration_fieldmapping_add"),
        {
            "connection": connection.pk,
            "platform_field": "phone",
            "thrive_object": "contact",
            "thrive_paths": '["phone"]',
            "transform": "rot13",
            "direction": "import",
        },
    )
    assert response.status_code == 200
    assert "unknown transform" in response.content.decode()
    assert not FieldMapping.objects.exists()


def test_remap_action(admin_client, connection):
    make_contact(connection)
    mapping = FieldMapping.objects.create(
        connection=connection, platform_field="name", thrive_paths=["last_name"], transform="text"
    )
    response = admin_client.post(
        reverse("admin:thrive_integration_fieldmapping_changelist"),
        {"action": "remap_connections", "_selected_action": [mapping.pk]},
        follow=True,
    )
    assert "1 created" in response.content.decode()
    assert CandidateProfile.objects.get().name.startswith("Lovelace")
