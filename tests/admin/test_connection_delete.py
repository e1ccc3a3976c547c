"""Deleting connections in the admin: refused with a message while a run is active."""

from __future__ import annotations

import html

import pytest
from django.contrib.admin.models import DELETION, LogEntry
from django.urls import reverse
from django_q.models import Schedule

from tests.admin.conftest import ADMIN_KEY
from thrive_integration.admin.connection import ConnectionAdmin
from thrive_integration.connections import create_connection
from thrive_integration.models import Connection, SyncRun, SyncStep
from thrive_integration.schedules import schedule_names
from thrive_integration.sync.runner import execute_run, request_sync

pytestmark = pytest.mark.django_db

CHANGELIST = reverse("admin:thrive_integration_connection_changelist")


def delete_url(connection: Connection) -> str:
    return reverse("admin:thrive_integration_connection_delete", args=[connection.pk])


def change_url(connection: Connection) -> str:
    return reverse("admin:thrive_integration_connection_change", args=[connection.pk])


def page_text(response) -> str:
    return html.unescape(response.content.decode())


def delete_selected(admin_client, *connections: Connection, confirmed: bool = True):
    form = {
        "action": "delete_selected",
        "_selected_action": [connection.pk for connection in connections],
    }
    return admin_client.post(
        CHANGELIST, {**form, "post": "yes"} if confirmed else form, follow=True
    )


@pytest.fixture
def idle(thrive, integration_settings) -> Connection:
    return create_connection(owner="org-1", name="idle", api_key=ADMIN_KEY, base_url=thrive.url)


@pytest.fixture
def record_a_run_once_confirmed(monkeypatch):
    """A run of `connection` recorded after the confirmation page listed what goes with it."""

    def start(connection: Connection) -> None:
        listed = ConnectionAdmin.get_deleted_objects

        def listed_then_recorded(self, objs, request):
            deleted = listed(self, objs, request)
            request_sync(connection)
            return deleted

        monkeypatch.setattr(ConnectionAdmin, "get_deleted_objects", listed_then_recorded)

    return start


def test_delete_page_refuses_while_a_run_works(admin_client, connection):
    run = request_sync(connection, resources=["users", "contacts"])
    answers = []

    def delete_midway(step: SyncStep) -> None:
        if not answers:
            answers.append(admin_client.get(delete_url(connection), follow=True))
            answers.append(admin_client.post(delete_url(connection), {"post": "yes"}, follow=True))

    assert execute_run(run.pk, progress=delete_midway)

    for answer in answers:
        assert answer.redirect_chain == [(change_url(connection), 302)]
        refusal = f"Not deleted. Sync run #{run.pk} of this connection is still active: wait"
        assert refusal in page_text(answer)
    assert Connection.objects.filter(pk=connection.pk).exists()
    assert not LogEntry.objects.filter(action_flag=DELETION).exists()


def test_delete_page_refuses_a_run_recorded_after_the_confirmation(
    admin_client, idle, record_a_run_once_confirmed
):
    record_a_run_once_confirmed(idle)

    answer = admin_client.post(delete_url(idle), {"post": "yes"}, follow=True)

    assert answer.redirect_chain == [(change_url(idle), 302)]
    assert "Not deleted. Sync run #" in page_text(answer)
    assert Connection.objects.filter(pk=idle.pk).exists()
    assert not LogEntry.objects.filter(action_flag=DELETION).exists()


def test_delete_selected_deletes_nothing_while_one_connection_has_an_active_run(
    admin_client, connection, idle
):
    run = request_sync(connection)  # pending: its worker may start it at any moment
    assert 'value="delete_selected"' in admin_client.get(CHANGELIST).content.decode()

    for confirmed in (False, True):
        answer = delete_selected(admin_client, idle, connection, confirmed=confirmed)

        assert answer.redirect_chain == [(CHANGELIST, 302)]
        assert f"Nothing was deleted. “thrive”: Sync run #{run.pk} of this connection" in (
            page_text(answer)
        )
    assert Connection.objects.filter(pk__in=[idle.pk, connection.pk]).count() == 2
    assert not LogEntry.objects.filter(action_flag=DELETION).exists()

    deleted = delete_selected(admin_client, idle)

    assert "Successfully deleted 1 connection." in page_text(deleted)
    assert not Connection.objects.filter(pk=idle.pk).exists()
    assert not Schedule.objects.filter(name__in=schedule_names(idle)).exists()
    assert Schedule.objects.filter(name__in=schedule_names(connection)).count() == 2


def test_delete_selected_refuses_a_run_recorded_after_the_confirmation(
    admin_client, idle, connection, record_a_run_once_confirmed
):
    record_a_run_once_confirmed(connection)

    answer = delete_selected(admin_client, idle, connection)

    assert "Nothing was deleted. “thrive”: Sync run #" in page_text(answer)
    assert Connection.objects.filter(pk__in=[idle.pk, connection.pk]).count() == 2
    assert not LogEntry.objects.filter(action_flag=DELETION).exists()
    assert not SyncRun.objects.exists()  # undone with the deletion


def test_a_connection_that_imported_is_deleted_with_its_records(admin_client, connection):
    """Its runs, mirrors and profiles are read-only in the admin and go with it; the page
    counts them instead of listing each."""
    assert execute_run(request_sync(connection, resources=["users", "contacts"]).pk)
    contacts = connection.contact_set.count()

    confirmation = page_text(admin_client.get(delete_url(connection)))
    assert f"Contacts: {contacts}" in confirmation and "Sync runs: 1" in confirmation
    assert "permission to delete" not in confirmation
    answer = admin_client.post(delete_url(connection), {"post": "yes"}, follow=True)

    assert answer.redirect_chain == [(CHANGELIST, 302)]
    assert not Connection.objects.filter(pk=connection.pk).exists()
    assert not SyncRun.objects.exists()
    assert not Schedule.objects.filter(name__in=schedule_names(connection)).exists()
