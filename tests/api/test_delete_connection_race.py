"""A run that starts while a connection is being deleted: real threads and row locks, so
PostgreSQL only (SQLite's IMMEDIATE transactions run the whole deletion under its one write
lock, so nothing can start in between there).

Each test stops the deletion at one point of its transaction and starts the run from another
thread right there: neither side may end in an IntegrityError.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from datetime import timedelta
from typing import Any

from django.db import connections
from django.utils import timezone

from tests.api.test_delete_connection import assert_deleted, assert_refused, url
from tests.markers import POSTGRES_CONCURRENCY
from thrive_integration import models as m
from thrive_integration import schedules
from thrive_integration.exceptions import SyncLocked
from thrive_integration.models import RunStatus
from thrive_integration.sync import locking, runner
from thrive_integration.sync.runner import execute_run, request_sync
from thrive_integration.tasks import run_sync

pytestmark = POSTGRES_CONCURRENCY


class Worker(threading.Thread):
    """Runs `work` on its own database connection; keeps its result or its exception."""

    def __init__(self, work: Callable[[], Any]) -> None:
        super().__init__(daemon=True)
        self.work = work
        self.result: Any = None
        self.error: BaseException | None = None

    def run(self) -> None:
        try:
            self.result = self.work()
        except BaseException as exc:  # asserted on in the test thread
            self.error = exc
        finally:
            connections.close_all()


def test_a_worker_resuming_the_stalled_run_meanwhile_refuses_the_delete(api, imported, monkeypatch):
    run = request_sync(imported, full=True)
    # Its worker started it and died before taking the lock: stalled, so it may be deleted.
    m.SyncRun.objects.filter(pk=run.pk).update(status=RunStatus.RUNNING, attempts=1)
    paging, go_on = threading.Event(), threading.Event()

    def between_pages(step: m.SyncStep) -> None:
        paging.set()
        go_on.wait(10)

    worker = Worker(lambda: execute_run(run.pk, progress=between_pages))
    checked_stalled = runner.is_stalled

    def checked_then_resumed(active: m.SyncRun) -> bool:
        stalled = checked_stalled(active)
        worker.start()  # another request continues the run, which claims the lock
        assert paging.wait(10)
        return stalled

    monkeypatch.setattr(runner, "is_stalled", checked_then_resumed)
    response = api.delete(url(imported))
    go_on.set()
    worker.join(30)
    monkeypatch.undo()

    assert worker.error is None and worker.result is True
    assert_refused(response, run)
    run.refresh_from_db()
    assert run.status == RunStatus.SUCCEEDED, run.error
    assert_deleted(api.delete(url(imported)), imported)


def test_a_run_recorded_before_the_row_is_locked_refuses_the_delete(api, connection, monkeypatch):
    recorder = Worker(lambda: request_sync(connection))
    claim = locking.claim

    def recorded_then_claimed(target: m.Connection, holder: str) -> bool:
        if holder.startswith("delete:") and recorder.ident is None:
            recorder.start()
            recorder.join(10)
        return claim(target, holder)

    monkeypatch.setattr(locking, "claim", recorded_then_claimed)
    response = api.delete(url(connection))
    monkeypatch.undo()

    assert recorder.error is None
    assert_refused(response, recorder.result)
    assert m.SyncRun.objects.get(pk=recorder.result.pk).status == RunStatus.PENDING


def test_a_run_recorded_after_the_row_is_locked_waits_and_is_refused(api, connection, monkeypatch):
    recorder = Worker(lambda: request_sync(connection))
    remove_schedules = schedules.remove_schedules

    def record_meanwhile(target: m.Connection) -> None:
        recorder.start()
        recorder.join(0.5)
        assert recorder.is_alive()  # waiting for the connection's row
        remove_schedules(target)

    monkeypatch.setattr(schedules, "remove_schedules", record_meanwhile)
    response = api.delete(url(connection))
    recorder.join(10)

    assert_deleted(response, connection)
    assert isinstance(recorder.error, SyncLocked), recorder.error
    assert not m.SyncRun.objects.exists()


def test_a_worker_picking_up_the_stalled_run_during_the_deletion_ends_quietly(
    api, connection, monkeypatch, caplog
):
    """It read the run before the deletion committed, and finds no lock to claim after."""
    run = request_sync(connection)
    # Never reached a worker until now (no cluster ran): stalled, so it may be deleted.
    m.SyncRun.objects.filter(pk=run.pk).update(created_at=timezone.now() - timedelta(hours=1))
    worker = Worker(lambda: run_sync(run.pk))
    remove_schedules = schedules.remove_schedules

    def picked_up_meanwhile(target: m.Connection) -> None:
        worker.start()
        worker.join(0.5)
        assert worker.is_alive()  # waiting for the lock row the deletion claimed
        remove_schedules(target)

    monkeypatch.setattr(schedules, "remove_schedules", picked_up_meanwhile)
    response = api.delete(url(connection))
    worker.join(10)

    assert_deleted(response, connection)
    assert (worker.error, worker.result) == (None, True)
    skipped = f"sync run {run.pk} skipped: connection {connection.pk} is held by another worker"
    assert skipped in caplog.text
