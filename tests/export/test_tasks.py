"""django-q2 entry points and the export schedule."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone
from django_q.models import Schedule

from tests.export.conftest import API_KEY
from thrive_integration.connections import delete_connection
from thrive_integration.export import enqueue
from thrive_integration.export.contacts import refuse_off_limits_contact
from thrive_integration.export.errors import ExportRefused
from thrive_integration.export.tasks import export_outbox_entry, scheduled_export
from thrive_integration.models import (
    Connection,
    ConnectionStatus,
    OutboxEntry,
    OutboxKind,
    OutboxState,
)
from thrive_integration.schedules import sync_schedules

pytestmark = pytest.mark.django_db


def note(connection, key: str) -> OutboxEntry:
    return enqueue(
        OutboxKind.ADD_NOTE,
        connection=connection,
        payload={"contact_id": "1", "body": key},
        idempotency_key=key,
    )


def test_enqueue_runs_the_entry_after_commit(connection, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks() as callbacks:
        entry = note(connection, "after commit")
    assert len(callbacks) == 1
    assert export_outbox_entry(entry.pk) == OutboxState.SUCCEEDED


def test_scheduled_export_queues_only_due_rows(connection, django_capture_on_commit_callbacks):
    note(connection, "due")
    later = note(connection, "later")
    OutboxEntry.objects.filter(pk=later.pk).update(
        state=OutboxState.NEEDS_LOOKUP, next_attempt_at=timezone.now() + timedelta(minutes=5)
    )
    with django_capture_on_commit_callbacks() as callbacks:
        assert scheduled_export(connection.pk) == 1
    assert len(callbacks) == 1

    connection.export_enabled = False
    connection.save()
    assert scheduled_export(connection.pk) == 0


@pytest.mark.parametrize("status", [ConnectionStatus.INVALID_KEY, ConnectionStatus.DISCONNECTED])
def test_scheduled_export_waits_while_thrive_would_refuse_the_key(connection, status):
    entry = note(connection, "waits")
    Connection.objects.filter(pk=connection.pk).update(status=status)
    assert scheduled_export(connection.pk) == 0
    entry.refresh_from_db()
    assert (entry.state, entry.attempts) == (OutboxState.PENDING, 0)


def test_export_schedule_follows_the_connection(connection):
    sync_schedules(connection)
    schedule = Schedule.objects.get(name=f"thrive-export-{connection.pk}")
    assert schedule.func == "thrive_integration.export.tasks.scheduled_export"
    assert schedule.minutes == 10

    connection.export_enabled = False
    sync_schedules(connection)
    assert not Schedule.objects.filter(name=f"thrive-export-{connection.pk}").exists()


def test_an_export_queued_before_its_connection_was_deleted_does_nothing(
    connection, sandbox, call_as_worker
):
    entry = note(connection, "deleted with its connection")
    delete_connection(connection)  # its outbox rows go with it
    requests_before = len(sandbox.request_log)

    call = call_as_worker(export_outbox_entry, entry.pk)

    call.assert_nothing_done("export_outbox_entry", "outbox entry", entry.pk, API_KEY)
    assert len(sandbox.request_log) == requests_before


def test_a_scheduled_export_of_a_deleted_connection_does_nothing(
    connection, call_as_worker, django_capture_on_commit_callbacks
):
    note(connection, "deleted with its connection")
    delete_connection(connection)

    with django_capture_on_commit_callbacks() as callbacks:
        call = call_as_worker(scheduled_export, connection.pk)

    call.assert_nothing_done("scheduled_export", "connection", connection.pk, API_KEY)
    assert callbacks == []  # no task queued


@pytest.mark.parametrize(
    ("expires_on", "refused"),
    [(None, True), ("2999-01", True), ("2000-06", False), ("2000", False)],
)
def test_only_unexpired_off_limit_reasons_refuse(expires_on, refused):
    record = {"id": "9", "off_limit_reasons": [{"reason": "Client", "expires_on": expires_on}]}
    if refused:
        with pytest.raises(ExportRefused):
            refuse_off_limits_contact(record)
    else:
        refuse_off_limits_contact(record)
