"""Admin: the mapping shows what needs attention; reject from the change list goes to the
outbox per application, with the same refusals as the API."""

from __future__ import annotations

import pytest
from django.contrib.auth import get_user_model
from django.urls import reverse

from thrive_integration.models import (
    Application,
    ExcludedRejectionReason,
    OutboxEntry,
    PipelineStage,
    StageMapping,
)

from .conftest import mapping_of, open_applications

pytestmark = pytest.mark.django_db


@pytest.fixture
def admin_client(client):
    client.force_login(get_user_model().objects.create_superuser("admin", "a@example.com", "pw"))
    return client


def test_mapping_and_applications_pages_render(imported, admin_client):
    for name in ("stagemapping", "application", "pipelinestage", "excludedrejectionreason"):
        page = admin_client.get(reverse(f"admin:thrive_integration_{name}_changelist"))
        assert page.status_code == 200, name


def test_reject_action_sends_each_application_and_refuses_an_excluded_reason(
    imported, admin_client
):
    url = reverse("admin:thrive_integration_application_changelist")
    ids = [str(application.pk) for application in open_applications(imported, count=2)]
    ExcludedRejectionReason.objects.create(connection=imported, reason="Location")

    refused = admin_client.post(
        url,
        {"action": "reject_selected", "_selected_action": ids, "reason": "Location"},
        follow=True,
    )
    assert "excluded" in refused.content.decode() and not OutboxEntry.objects.exists()

    admin_client.post(
        url, {"action": "reject_selected", "_selected_action": ids, "reason": "Withdrew"}
    )
    assert sorted(OutboxEntry.objects.values_list("application_id", flat=True)) == sorted(
        int(pk) for pk in ids
    )


def test_an_excluded_reason_in_another_spelling_is_a_form_error(connection, admin_client):
    ExcludedRejectionReason.objects.create(connection=connection, reason="Not a fit")
    url = reverse("admin:thrive_integration_excludedrejectionreason_add")

    page = admin_client.post(url, {"connection": connection.pk, "reason": "  NOT A FIT "})
    added = admin_client.post(url, {"connection": connection.pk, "reason": " Too junior "})

    assert page.status_code == 200  # the form again, not a redirect
    assert page.context["adminform"].form.errors == {
        "reason": [
            "This reason is already excluded for this connection (case and spacing are ignored)."
        ]
    }
    assert added.status_code == 302
    assert sorted(ExcludedRejectionReason.objects.values_list("reason", flat=True)) == [
        "Not a fit",
        "Too junior",
    ]


def test_editing_a_mapping_in_the_list_regroups_its_applications(imported, admin_client):
    submitted = mapping_of(imported, "Submitted")
    interview = PipelineStage.objects.get(key="interview")
    mappings = list(StageMapping.objects.order_by("pk"))
    form = {
        "form-TOTAL_FORMS": len(mappings),
        "form-INITIAL_FORMS": len(mappings),
        "_save": "Save",
    }
    for index, mapping in enumerate(
        StageMapping.objects.order_by("pipeline_stage__position", "position", "id")
    ):
        chosen = interview if mapping == submitted else mapping.pipeline_stage
        form.update(
            {
                f"form-{index}-id": mapping.pk,
                f"form-{index}-pipeline_stage": chosen.pk if chosen else "",
                f"form-{index}-position": mapping.position,
                f"form-{index}-sla_days": mapping.sla_days or "",
                f"form-{index}-inbound": "on" if mapping.inbound else "",
                f"form-{index}-excluded_from_advance": "",
            }
        )
    form = {name: value for name, value in form.items() if value != ""}

    answer = admin_client.post(reverse("admin:thrive_integration_stagemapping_changelist"), form)

    assert answer.status_code == 302, answer.content.decode()[:2000]
    submitted.refresh_from_db()
    assert submitted.pipeline_stage == interview
    moved = Application.objects.filter(stage_mapping=submitted)
    assert moved.exists() and all(a.pipeline_stage == interview for a in moved)
