"""Connection admin with Django's test client: verified add, masked key, actions, rotation."""

from __future__ import annotations

import logging

import pytest
from django.urls import reverse
from django_q.models import Schedule

from tests.admin.conftest import ADMIN_KEY
from thrive_integration.models import Connection, ConnectionStatus, SyncRun
from thrive_integration.sandbox import ALL_PERMISSIONS

pytestmark = pytest.mark.django_db

ADD = reverse("admin:thrive_integration_connection_add")
CHANGELIST = reverse("admin:thrive_integration_connection_changelist")


def change_url(connection: Connection) -> str:
    return reverse("admin:thrive_integration_connection_change", args=[connection.pk])


def add_form(thrive, **overrides) -> dict:
    return {
        "owner": "org-1",
        "name": "acme",
        "base_url": thrive.url,
        "api_key": ADMIN_KEY,
        **overrides,
    }


def test_add_page_takes_the_key_as_a_password(admin_client, integration_settings):
    page = admin_client.get(ADD).content.decode()

    assert 'type="password" name="api_key"' in page


def test_add_verifies_the_key_with_thrive_before_saving(
    admin_client, thrive, integration_settings, caplog
):
    caplog.set_level(logging.DEBUG)
    response = admin_client.post(ADD, add_form(thrive), follow=True)

    connection = Connection.objects.get(name="acme")
    assert response.status_code == 200
    assert connection.status == ConnectionStatus.ACTIVE
    assert connection.api_key == ADMIN_KEY
    assert any(entry.path.endswith("/contacts") for entry in thrive.request_log)
    assert ADMIN_KEY not in response.content.decode()
    assert ADMIN_KEY not in caplog.text


def test_add_refuses_an_invalid_key_without_echoing_it(admin_client, thrive, integration_settings):
    bad_key = "not-a-known-key-1234567"

    response = admin_client.post(ADD, add_form(thrive, api_key=bad_key))

    assert response.status_code == 200  # the form again, with the error
    page = response.content.decode()
    assert "Invalid key" in page
    assert bad_key not in page
    assert not Connection.objects.exists()


def test_add_refuses_an_unreachable_thrive(admin_client, integration_settings):
    form = {"owner": "o", "name": "n", "base_url": "http://127.0.0.1:9/api/v2", "api_key": "k" * 20}

    response = admin_client.post(ADD, form)

    assert "Unreachable" in response.content.decode()
    assert not Connection.objects.exists()


def test_add_saves_a_key_with_missing_permissions_and_names_them(
    admin_client, thrive, integration_settings
):
    missing = sorted(ALL_PERMISSIONS)[:3]
    limited = "admin-limited-key-99aa77bb"
    thrive.add_token(limited, ALL_PERMISSIONS - set(missing))

    response = admin_client.post(ADD, add_form(thrive, api_key=limited), follow=True)

    connection = Connection.objects.get(name="acme")
    assert connection.status == ConnectionStatus.MISSING_PERMISSIONS
    assert "lacks 3 permissions" in response.content.decode()
    page = admin_client.get(change_url(connection)).content.decode()
    for label in missing:
        assert label in page
    assert limited not in page


def test_add_refuses_plain_http_when_insecure_urls_are_not_allowed(admin_client, thrive, settings):
    settings.THRIVE_INTEGRATION = {**settings.THRIVE_INTEGRATION, "ALLOW_INSECURE_BASE_URL": False}

    response = admin_client.post(ADD, add_form(thrive))

    assert "HTTPS" in response.content.decode()
    assert not Connection.objects.exists()


def test_add_refuses_a_duplicate_name_without_calling_thrive(admin_client, connection, thrive):
    calls = len(thrive.request_log)

    response = admin_client.post(ADD, add_form(thrive, owner="org-1", name="thrive"))

    assert response.status_code == 200
    assert Connection.objects.count() == 1
    assert len(thrive.request_log) == calls


def test_pages_show_the_key_only_masked(admin_client, connection):
    for url in (CHANGELIST, change_url(connection)):
        page = admin_client.get(url).content.decode()
        assert f"••••{ADMIN_KEY[-4:]}" in page
        assert ADMIN_KEY not in page
        assert connection.api_key_ciphertext not in page


def test_change_page_shows_the_latest_run_and_report(admin_client, connection):
    admin_client.post(
        CHANGELIST, {"action": "verify_selected", "_selected_action": [connection.pk]}
    )
    run = SyncRun.objects.create(connection=connection, kind="full")

    page = admin_client.get(change_url(connection)).content.decode()

    assert f"#{run.pk} full" in page
    assert f"{len(ALL_PERMISSIONS)} of {len(ALL_PERMISSIONS)} required operations granted" in page
    assert "created-by-probes" not in page


def test_change_page_shows_a_record_an_empty_create_probe_made(admin_client, connection):
    connection.permission_report = {
        "granted": ["Creates a new Contact"],
        "missing": [],
        "created_by_probes": [
            {"operation": "Creates a new Contact", "record_id": "<b>7</b>", "removed": False}
        ],
    }
    connection.save()

    page = admin_client.get(change_url(connection)).content.decode()

    assert "made record &lt;b&gt;7&lt;/b&gt;: not deleted, delete it" in page


def test_change_form_updates_the_schedule(admin_client, connection):
    form = {
        "name": "thrive",
        "base_url": connection.base_url,
        "import_enabled": "on",
        "import_interval_minutes": "30",
        "export_interval_minutes": "10",
    }

    response = admin_client.post(change_url(connection), form)

    assert response.status_code == 302
    assert Schedule.objects.get(name=f"thrive-import-{connection.pk}").minutes == 30


def test_verify_action(admin_client, connection, thrive):
    response = admin_client.post(
        CHANGELIST, {"action": "verify_selected", "_selected_action": [connection.pk]}, follow=True
    )

    connection.refresh_from_db()
    assert connection.status == ConnectionStatus.ACTIVE
    assert "Thrive: Active (0 permissions missing)" in response.content.decode()


def test_sync_now_action_queues_a_run_and_refuses_a_second(
    admin_client, connection, django_capture_on_commit_callbacks, task_broker
):
    action = {"action": "sync_selected", "_selected_action": [connection.pk]}
    with django_capture_on_commit_callbacks(execute=True):
        first = admin_client.post(CHANGELIST, action, follow=True)
    second = admin_client.post(CHANGELIST, action, follow=True)

    run = SyncRun.objects.get(connection=connection)
    assert f"sync run #{run.pk} queued" in first.content.decode()
    assert "still active" in second.content.decode()
    assert task_broker.queue_size() == 1


def test_disconnect_action(admin_client, connection):
    admin_client.post(
        CHANGELIST, {"action": "disconnect_selected", "_selected_action": [connection.pk]}
    )

    connection.refresh_from_db()
    assert connection.status == ConnectionStatus.DISCONNECTED
    assert not connection.import_enabled


def test_change_form_refuses_to_schedule_a_disconnected_connection(admin_client, connection):
    admin_client.post(
        CHANGELIST, {"action": "disconnect_selected", "_selected_action": [connection.pk]}
    )
    form = {
        "name": connection.name,
        "import_enabled": "on",
        "import_interval_minutes": "30",
        "export_interval_minutes": "10",
    }

    response = admin_client.post(change_url(connection), form)

    assert response.status_code == 200  # the form again, with the error
    assert "reconnect it" in response.content.decode()
    connection.refresh_from_db()
    assert not connection.import_enabled
    assert not Schedule.objects.filter(name__endswith=f"-{connection.pk}").exists()


def test_rotate_key_form(admin_client, connection):
    url = reverse("admin:thrive_integration_connection_rotate_key", args=[connection.pk])
    new_key = "rotated-admin-key-0f0e0d0c"

    form_page = admin_client.get(url).content.decode()
    response = admin_client.post(url, {"api_key": new_key})

    assert 'type="password" name="api_key"' in form_page
    assert response.status_code == 302
    connection.refresh_from_db()
    assert connection.api_key == new_key
    assert connection.status == ConnectionStatus.NEW
    assert new_key not in admin_client.get(change_url(connection)).content.decode()


def test_rotate_key_refuses_a_bad_key(admin_client, connection):
    url = reverse("admin:thrive_integration_connection_rotate_key", args=[connection.pk])

    response = admin_client.post(url, {"api_key": "has spaces in it"})

    assert response.status_code == 200
    connection.refresh_from_db()
    assert connection.api_key == ADMIN_KEY


def test_non_staff_cannot_reach_the_admin(client, connection):
    assert client.get(change_url(connection)).status_code == 302  # to the login page
