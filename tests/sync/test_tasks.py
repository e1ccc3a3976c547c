"""The django-q2 path: tasks go through the configured broker (ORM here, Redis in CI)."""

from __future__ import annotations

import logging
from datetime import timedelta
from multiprocessing import Event, Value

import pytest
from django.conf import settings
from django.utils import timezone
from django_q.brokers import get_broker
from django_q.models import Task
from django_q.monitor import monitor
from django_q.pusher import pusher
from django_q.queues import Queue
from django_q.tasks import async_task
from django_q.worker import worker

from tests.conftest import nothing_done_line
from tests.sync.conftest import API_KEY
from thrive_integration.connections import delete_connection
from thrive_integration.models import Connection, ConnectionStatus, RunStatus, SyncRun
from thrive_integration.schedules import (
    export_schedule_name,
    import_schedule_name,
    sync_schedules,
)
from thrive_integration.sync.runner import request_remap, request_sync
from thrive_integration.tasks import run_sync, scheduled_import, verify

pytestmark = pytest.mark.django_db(transaction=True)


def work_off(broker) -> None:
    """One pass of a cluster: pull everything queued, run it, save the results."""
    while broker.queue_size():
        task_queue, result_queue, stop = Queue(), Queue(), Event()
        stop.set()
        pusher(task_queue, stop, broker=broker)
        task_queue.put("STOP")
        worker(task_queue, result_queue, Value("f", -1))
        result_queue.put("STOP")
        monitor(result_queue, broker)


def test_scheduled_import_runs_through_the_broker(connection):
    broker = get_broker()
    broker.purge_queue()
    expected = "redis" if "redis" in settings.Q_CLUSTER else "orm"
    assert expected in type(broker).__module__.lower()
    run_id = scheduled_import(connection.pk)
    assert broker.queue_size() == 1
    assert scheduled_import(connection.pk) is None  # visible skip while the run is active
    work_off(broker)
    run = SyncRun.objects.get(pk=run_id)
    assert run.status == RunStatus.SUCCEEDED, run.error
    assert run.trigger == SyncRun.Trigger.SCHEDULE


def test_verify_task_runs_through_the_broker_with_only_the_id(connection):
    broker = get_broker()
    broker.purge_queue()
    async_task("thrive_integration.tasks.verify", connection.pk)
    work_off(broker)
    task = Task.objects.get(func="thrive_integration.tasks.verify")
    assert (task.success, task.args, task.result) == (True, (connection.pk,), "active")
    assert API_KEY not in repr((task.args, task.kwargs, task.result))
    connection.refresh_from_db()
    assert (connection.status, connection.missing_permissions) == (ConnectionStatus.ACTIVE, [])


def test_budgeted_task_re_enqueues_itself_until_done(connection, settings):
    settings.THRIVE_INTEGRATION = {**settings.THRIVE_INTEGRATION, "TASK_TIME_BUDGET_SECONDS": 1e-6}
    broker = get_broker()
    broker.purge_queue()
    run_id = scheduled_import(connection.pk)
    work_off(broker)
    run = SyncRun.objects.get(pk=run_id)
    assert run.status == RunStatus.SUCCEEDED
    assert run.attempts > 3


def test_schedules_follow_the_connection(connection):
    from django_q.models import Schedule

    sync_schedules(connection)
    schedule = Schedule.objects.get(name=import_schedule_name(connection))
    assert schedule.func == "thrive_integration.tasks.scheduled_import"
    assert schedule.minutes == connection.import_interval_minutes
    export = Schedule.objects.get(name=export_schedule_name(connection))
    assert export.func == "thrive_integration.export.tasks.scheduled_export"
    assert export.minutes == 10
    connection.import_enabled = False
    sync_schedules(connection)
    assert not Schedule.objects.filter(name=import_schedule_name(connection)).exists()
    assert Schedule.objects.filter(name=export_schedule_name(connection)).exists()


@pytest.mark.parametrize("status", [ConnectionStatus.DISCONNECTED, ConnectionStatus.INVALID_KEY])
def test_scheduled_import_skips_a_connection_that_cannot_sync(connection, status, caplog):
    Connection.objects.filter(pk=connection.pk).update(status=status)

    with caplog.at_level(logging.INFO, logger="thrive_integration.tasks"):
        assert scheduled_import(connection.pk) is None

    assert not SyncRun.objects.exists()
    assert "skipped" in caplog.text


def test_a_continuation_queued_before_its_connection_was_deleted_ends_quietly(
    connection, sandbox, settings, caplog
):
    settings.THRIVE_INTEGRATION = {**settings.THRIVE_INTEGRATION, "TASK_TIME_BUDGET_SECONDS": 1e-6}
    broker = get_broker()
    broker.purge_queue()
    run = request_sync(connection)
    assert run_sync(run.pk) is False  # one page, then its continuation is queued
    # Between two invocations nobody holds the run: it is stalled, and goes with the connection.
    delete_connection(connection)
    requests_before = len(sandbox[0].request_log)

    with caplog.at_level(logging.INFO, logger="thrive_integration"):
        work_off(broker)

    task = Task.objects.get(name=f"thrive-sync-run-{run.pk}")
    assert (task.success, task.result) == (True, None)
    lines = [r.getMessage() for r in caplog.records if r.name.startswith("thrive_integration")]
    assert lines == [nothing_done_line("run_sync", "sync run", run.pk)]
    assert API_KEY not in caplog.text
    assert len(sandbox[0].request_log) == requests_before
    assert not SyncRun.objects.exists()


@pytest.mark.parametrize("request_run", [request_sync, request_remap], ids=["import", "remap"])
def test_run_sync_of_a_run_deleted_with_its_connection_does_nothing(
    connection, sandbox, request_run, call_as_worker
):
    run = request_run(connection)
    # Never reached a worker (the broker lost it, no cluster ran): deletable once stalled.
    SyncRun.objects.filter(pk=run.pk).update(created_at=timezone.now() - timedelta(hours=1))
    delete_connection(connection)
    requests_before = len(sandbox[0].request_log)

    call = call_as_worker(run_sync, run.pk)

    call.assert_nothing_done("run_sync", "sync run", run.pk, API_KEY)
    assert len(sandbox[0].request_log) == requests_before


@pytest.mark.parametrize("task", [scheduled_import, verify], ids=lambda task: task.__name__)
def test_a_connection_task_queued_before_the_connection_was_deleted_does_nothing(
    connection, sandbox, task, call_as_worker
):
    delete_connection(connection)
    requests_before = len(sandbox[0].request_log)

    call = call_as_worker(task, connection.pk)

    call.assert_nothing_done(task.__name__, "connection", connection.pk, API_KEY)
    assert len(sandbox[0].request_log) == requests_before
