"""Sync run drill-down and mirrored records in the admin: read-only, searchable, escaped."""

from __future__ import annotations

import pytest
from django.urls import reverse
from django.utils import timezone

from thrive_integration.models import Contact, SyncError, SyncRun, SyncStep
from thrive_integration.sync.registry import RESOURCES

pytestmark = pytest.mark.django_db


@pytest.fixture
def run(connection) -> SyncRun:
    run = SyncRun.objects.create(connection=connection, kind="full", status="needs_attention")
    step = SyncStep.objects.create(run=run, resource="contacts", order=0, pages=3, created=7)
    SyncError.objects.create(
        run=run, step=step, resource="contacts", remote_id="42", reason="no <b>name</b>"
    )
    return run


@pytest.fixture
def contact(connection) -> Contact:
    now = timezone.now()
    return Contact.objects.create(
        connection=connection,
        remote_id="c-1",
        first_name="Ada",
        last_name="Lovelace",
        remote_data={"id": "c-1", "first_name": "Ada", "notes": [{"body": "<script>x()</script>"}]},
        content_hash="h",
        first_synced_at=now,
        last_synced_at=now,
    )


def test_run_pages_show_steps_and_errors(admin_client, run):
    changelist = admin_client.get(reverse("admin:thrive_integration_syncrun_changelist"))
    page = admin_client.get(reverse("admin:thrive_integration_syncrun_change", args=[run.pk]))
    step = run.steps.get()
    step_page = admin_client.get(
        reverse("admin:thrive_integration_syncstep_change", args=[step.pk])
    )

    assert changelist.status_code == page.status_code == step_page.status_code == 200
    html = page.content.decode()
    assert "contacts" in html and "no &lt;b&gt;name&lt;/b&gt;" in html
    assert "Needs Attention" in html
    assert "42" in step_page.content.decode()


def test_runs_are_read_only(admin_client, run):
    assert admin_client.get(reverse("admin:thrive_integration_syncrun_add")).status_code == 403
    url = reverse("admin:thrive_integration_syncrun_change", args=[run.pk])
    admin_client.post(url, {"status": "succeeded"})
    run.refresh_from_db()
    assert run.status == "needs_attention"
    delete = reverse("admin:thrive_integration_syncrun_delete", args=[run.pk])
    assert admin_client.post(delete, {"post": "yes"}).status_code == 403


def test_mirror_change_page_shows_the_payload_formatted_and_escaped(admin_client, contact):
    url = reverse("admin:thrive_integration_contact_change", args=[contact.pk])

    html = admin_client.get(url).content.decode()

    assert '<pre class="thrive-payload">' in html
    assert "&quot;first_name&quot;: &quot;Ada&quot;" in html  # indented JSON, escaped
    assert "<script>x()</script>" not in html
    assert "&lt;script&gt;x()&lt;/script&gt;" in html


def test_mirror_search(admin_client, contact):
    url = reverse("admin:thrive_integration_contact_changelist")

    found = admin_client.get(url, {"q": "Lovelace"}).content.decode()
    missed = admin_client.get(url, {"q": "Babbage"}).content.decode()

    assert "c-1" in found and "c-1" not in missed


def test_mirrors_are_read_only(admin_client, contact):
    assert admin_client.get(reverse("admin:thrive_integration_contact_add")).status_code == 403
    url = reverse("admin:thrive_integration_contact_change", args=[contact.pk])
    admin_client.post(url, {"first_name": "Eve"})
    contact.refresh_from_db()
    assert contact.first_name == "Ada"


@pytest.mark.parametrize(
    "model",
    sorted(
        {m for spec in RESOURCES for m in (spec.model, *(c.model for c in spec.children))},
        key=lambda m: m.__name__,
    ),
    ids=lambda m: m.__name__,
)
def test_every_mirror_changelist_renders(admin_client, model):
    url = reverse(f"admin:thrive_integration_{model._meta.model_name}_changelist")

    assert admin_client.get(url, {"q": "x"}).status_code == 200
