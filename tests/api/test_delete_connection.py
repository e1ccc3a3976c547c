"""Deleting a connection: refused with a 409 while one of its runs is active, never a 500."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.db import transaction
from django.utils import timezone
from django_q.models import Schedule

from thrive_integration import models as m
from thrive_integration.api.views import ConnectionViewSet
from thrive_integration.connections import delete_connection
from thrive_integration.models import RunStatus
from thrive_integration.schedules import schedule_names
from thrive_integration.sync import locking
from thrive_integration.sync.runner import execute_run, request_remap, request_sync

pytestmark = pytest.mark.django_db(transaction=False)


def url(connection: m.Connection) -> str:
    return f"/api/thrive/connections/{connection.pk}/"


def assert_refused(response, run: m.SyncRun) -> None:
    assert response.status_code == 409, response.data
    assert set(response.data) == {"detail"}
    assert f"Sync run #{run.pk} " in response.data["detail"]
    assert "wait for it to finish" in response.data["detail"]


def assert_deleted(response, connection: m.Connection) -> None:
    assert response.status_code == 204, getattr(response, "data", None)
    assert not m.Connection.objects.filter(pk=connection.pk).exists()
    for model in (m.SyncRun, m.SyncLock, m.Contact, m.CandidateProfile):
        assert not model.objects.filter(connection_id=connection.pk).exists(), model
    # Scheduled tasks name the connection by id: none may fire for it again.
    assert not Schedule.objects.filter(name__in=schedule_names(connection)).exists()


def run_killed_midway(connection: m.Connection) -> m.SyncRun:
    """A run whose worker claimed the lock, started it and was killed (no release)."""
    run = request_sync(connection)
    assert locking.claim(connection, f"run:{run.pk}:killed")
    m.SyncRun.objects.filter(pk=run.pk).update(
        status=RunStatus.RUNNING, started_at=timezone.now(), attempts=1
    )
    return run


@pytest.mark.parametrize(
    "request_run",
    [lambda connection: request_sync(connection, full=True), request_remap],
    ids=["import", "remap"],
)
def test_delete_is_refused_while_a_run_works_and_allowed_once_it_finished(
    api, imported, request_run
):
    run = request_run(imported)
    refusals = []

    def delete_midway(step: m.SyncStep) -> None:
        # Between two pages (or batches): the worker holds the lock, the run is running.
        if not refusals:
            refusals.append(api.delete(url(imported)))

    assert execute_run(run.pk, progress=delete_midway)

    assert_refused(refusals[0], run)
    run.refresh_from_db()
    assert run.status == RunStatus.SUCCEEDED, run.error
    assert_deleted(api.delete(url(imported)), imported)


def test_a_run_waiting_for_its_worker_refuses_until_it_is_stalled(api, connection):
    run = request_sync(connection)  # pending: a worker may pick it up at any moment

    assert_refused(api.delete(url(connection)), run)

    # Never reached a worker (the broker lost it): stalled after the lock's TTL.
    m.SyncRun.objects.filter(pk=run.pk).update(created_at=timezone.now() - timedelta(hours=1))
    assert_deleted(api.delete(url(connection)), connection)


def test_a_run_whose_worker_died_refuses_only_until_its_lease_expires(api, imported):
    run = run_killed_midway(imported)

    assert_refused(api.delete(url(imported)), run)
    assert m.Contact.objects.filter(connection=imported).exists()

    m.SyncLock.objects.filter(connection=imported).update(
        expires_at=timezone.now() - timedelta(seconds=1)
    )
    assert_deleted(api.delete(url(imported)), imported)


def test_a_refused_delete_leaves_the_lock_and_schedule_as_they_were(api, connection):
    api.patch(f"{url(connection)}schedule/", {"import_enabled": True}, format="json")
    run = run_killed_midway(connection)
    lock_before = m.SyncLock.objects.values("holder", "expires_at").get(connection=connection)

    assert_refused(api.delete(url(connection)), run)

    assert m.SyncLock.objects.values("holder", "expires_at").get(connection=connection) == (
        lock_before
    )
    assert m.SyncRun.objects.get(pk=run.pk).status == RunStatus.RUNNING
    assert Schedule.objects.filter(name=f"thrive-import-{connection.pk}").exists()


@pytest.mark.parametrize(
    ("path", "body"),
    [("", {"name": "Renamed"}), ("schedule/", {"import_interval_minutes": 30})],
    ids=["rename", "schedule"],
)
def test_a_change_to_a_connection_deleted_meanwhile_is_a_404_and_does_not_bring_it_back(
    api, connection, monkeypatch, path, body
):
    """Another request deletes the connection after this one loaded it: saving it must not
    insert it again (Django's save of a row it no longer finds), schedules and all."""
    loaded = ConnectionViewSet.get_object

    def load_then_lose(view):
        found = loaded(view)
        delete_connection(m.Connection.objects.get(pk=found.pk))
        return found

    monkeypatch.setattr(ConnectionViewSet, "get_object", load_then_lose)
    response = api.patch(url(connection) + path, body, format="json")
    assert response.status_code == 404, response.data
    assert not m.Connection.objects.filter(pk=connection.pk).exists()
    assert not Schedule.objects.filter(name__in=schedule_names(connection)).exists()


def test_saving_a_stale_connection_raises_does_not_exist(connection):
    stale = m.Connection.objects.get(pk=connection.pk)
    m.Connection.objects.filter(pk=connection.pk).delete()
    stale.name = "Back again?"
    with pytest.raises(m.Connection.DoesNotExist), transaction.atomic():
        stale.save()
    assert not m.Connection.objects.filter(pk=connection.pk).exists()


def test_a_connection_deleted_by_the_hosts_own_orm_code_takes_its_schedules_with_it(connection):
    assert Schedule.objects.filter(name__in=schedule_names(connection)).count() == 2
    m.Connection.objects.filter(pk=connection.pk).delete()
    assert not Schedule.objects.filter(name__in=schedule_names(connection)).exists()
