"""The thrive_* commands over the same core the API uses: schedules, refusals, messages."""

from __future__ import annotations

import os
import signal
import threading

import pytest
from django.core.management import CommandError, call_command
from django_q.models import Schedule

from tests.sync.conftest import API_KEY
from thrive_integration.connections import disconnect
from thrive_integration.models import Connection, ConnectionStatus, RunStatus, SyncRun

pytestmark = pytest.mark.django_db


def connect(monkeypatch, url: str, name: str = "thrive", owner: str = "tenant-a") -> None:
    monkeypatch.setenv("THRIVE_API_KEY", API_KEY)
    call_command("thrive_connect", name, "--base-url", url, "--owner", owner)


def test_thrive_connect_creates_the_schedules_the_connection_reports(
    thrive_settings, sandbox, monkeypatch
):
    connect(monkeypatch, sandbox[1], name="demo")

    connection = Connection.objects.get(name="demo")
    assert connection.import_enabled and connection.export_enabled
    assert set(Schedule.objects.values_list("name", flat=True)) == {
        f"thrive-import-{connection.pk}",
        f"thrive-export-{connection.pk}",
    }


def test_thrive_connect_again_reconnects_a_disconnected_connection(connection, monkeypatch):
    disconnect(connection)

    connect(monkeypatch, connection.base_url)

    connection.refresh_from_db()
    assert connection.status == ConnectionStatus.NEW


def test_thrive_sync_refuses_a_key_found_invalid_and_says_what_to_do(connection):
    Connection.objects.filter(pk=connection.pk).update(status=ConnectionStatus.INVALID_KEY)

    with pytest.raises(CommandError, match="fix the key .* verify the connection again"):
        call_command("thrive_sync", connection.name, "--no-progress")

    assert not SyncRun.objects.exists()


# Not inside the test's own transaction: the interruption lands anywhere, also inside a block
# that marks its enclosing transaction for rollback, which in the command is the page's own.
@pytest.mark.django_db(transaction=True)
def test_thrive_sync_stopped_by_sigterm_says_so_and_the_next_call_continues_at_once(
    connection, sandbox, capsys
):
    """A plain `kill` rolls the page back and releases the lock like Ctrl-C: no wait for the
    lock to expire, and the next call says it continues the interrupted run."""
    state, _ = sandbox
    state.faults.add("slow", count=10_000, path="/contacts", seconds=0.2)
    timer = threading.Timer(1.0, os.kill, (os.getpid(), signal.SIGTERM))
    timer.start()
    try:
        with pytest.raises(CommandError, match=r"Interrupted: sync run #\d+ stopped") as stopped:
            call_command("thrive_sync", connection.name, "--full", "--no-progress")
    finally:
        timer.cancel()
    assert stopped.value.returncode == 130
    interrupted = SyncRun.objects.get()
    assert interrupted.status == RunStatus.RUNNING
    assert f"sync run #{interrupted.pk} stopped" in str(stopped.value)
    state.faults.clear()

    call_command("thrive_sync", connection.name, "--no-progress")

    assert f"Continuing sync run #{interrupted.pk} (full)" in capsys.readouterr().err
    run = SyncRun.objects.get()
    assert run.status == RunStatus.SUCCEEDED and run.kind == SyncRun.Kind.FULL
