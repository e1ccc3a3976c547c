"""Faults, permissions, locking, resume and secrecy of the import, against the real sandbox."""

from __future__ import annotations

import logging
import socket
from datetime import timedelta

import pytest
import requests
from django.utils import timezone

from tests.conftest import queued_tasks
from thrive_integration import models as m
from thrive_integration.exceptions import ConfigurationError, SyncLocked
from thrive_integration.models import RunStatus, StepStatus, SyncCursor, SyncLock
from thrive_integration.sync import locking
from thrive_integration.sync.runner import execute_run, request_sync
from thrive_integration.tasks import enqueue_run
from thrive_integration.verify import verify_connection

from .conftest import API_KEY, connect, steps_by_resource, sync
from .test_import import assert_mirror_matches, listed_records

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.mark.parametrize(
    "fault",
    [
        {"kind": "rate_limit", "count": 3, "seconds": 0},
        {"kind": "server_error", "count": 2, "status": 502},
        {"kind": "truncated", "count": 2},
        {"kind": "reset", "count": 2},
        {"kind": "slow", "count": 2, "seconds": 0.3},
        {"kind": "hang", "count": 1, "seconds": 4},
    ],
    ids=lambda fault: fault["kind"],
)
def test_transient_faults_are_survived(connection, sandbox, fault):
    state, url = sandbox
    state.faults.add(path="/contacts", **fault)
    run = sync(connection, full=True)
    assert run.status == RunStatus.SUCCEEDED, run.error
    assert_mirror_matches(connection, url)
    assert state.faults.pending() == []


def test_one_malformed_record_is_isolated(connection, sandbox):
    state, url = sandbox
    state.faults.add("malformed_record", path="/contacts", shape="missing_id")
    run = sync(connection, full=True, resources=["contacts"])
    step = steps_by_resource(run)["contacts"]
    assert run.status == RunStatus.NEEDS_ATTENTION
    assert step.status == StepStatus.NEEDS_ATTENTION
    assert step.failed == 1
    error = m.SyncError.objects.get(run=run)
    assert error.reason
    # Everything else of the listing is kept; the next run heals the bad one.
    assert m.Contact.objects.count() >= state.collections["contacts"].live_count() - 1
    sync(connection, full=True, resources=["contacts"])
    assert m.Contact.objects.filter(remote_deleted_at=None).count() == (
        state.collections["contacts"].live_count()
    )


def test_a_list_field_sent_as_a_string_loses_nothing(connection, sandbox):
    state, url = sandbox
    state.faults.add("malformed_record", path="/contacts", shape="string_list")
    run = sync(connection, full=True, resources=["contacts"])
    assert run.status in (RunStatus.SUCCEEDED, RunStatus.NEEDS_ATTENTION)
    stored = m.Contact.objects.count() + m.SyncError.objects.filter(run=run).count()
    assert stored == state.collections["contacts"].live_count()


def test_records_changed_or_deleted_while_paging(connection, sandbox):
    state, url = sandbox
    state.faults.add("mutate_while_paging", path="/contacts", page=1, delete="served")
    first = sync(connection, full=True)
    assert first.status in (RunStatus.SUCCEEDED, RunStatus.NEEDS_ATTENTION)
    sync(connection, full=True)
    assert_mirror_matches(connection, url)
    remote_ids = list(m.Contact.objects.values_list("remote_id", flat=True))
    assert len(remote_ids) == len(set(remote_ids))


def test_a_stored_record_the_listing_skipped_is_refreshed_with_its_children(connection, sandbox):
    state, url = sandbox
    sync(connection, full=True)
    # Deleting a served record shifts the next page's first contact onto page 1, already read.
    state.faults.add("mutate_while_paging", path="/contacts", page=1, delete="served")
    run = sync(connection, full=True)
    assert run.status == RunStatus.SUCCEEDED, run.error
    assert steps_by_resource(run)["contacts"].updated == 1
    refreshed = m.Contact.objects.get(connection=connection, remote_id="11")
    assert refreshed.last_name.endswith(" (edited)")
    assert "positions" in refreshed.remote_data
    # The record served before it was deleted is confirmed gone by the next full run.
    sync(connection, full=True)
    assert_mirror_matches(connection, url)


def test_missing_permissions_are_reported_by_name(db, thrive_settings, make_sandbox):
    state, url = make_sandbox(contacts=5)
    missing = {
        "Retrieves all Companies",
        "Creates a Note",
        "Retrieves References of the specified contact",
    }
    from thrive_integration.sandbox.permissions import ALL_PERMISSIONS

    state.add_token("limited-key-0987654321", ALL_PERMISSIONS - missing)
    from thrive_integration.connections import create_connection

    connection = create_connection(
        owner="o", name="limited", api_key="limited-key-0987654321", base_url=url
    )
    connection = verify_connection(connection)
    assert connection.status == m.ConnectionStatus.MISSING_PERMISSIONS
    assert set(connection.missing_permissions) == missing
    assert connection.permission_report["missing_by_group"]["Companies"] == [
        "Retrieves all Companies"
    ]
    full = verify_connection(connect(url, name="full"))
    assert full.status == m.ConnectionStatus.ACTIVE
    assert full.missing_permissions == []
    assert "created_by_probes" not in full.permission_report  # Thrive refused every empty create


@pytest.mark.parametrize("may_delete", [True, False], ids=["deleted-again", "left-in-thrive"])
def test_a_contact_made_by_an_empty_create_probe_is_reported(
    db, thrive_settings, make_sandbox, may_delete, capsys
):
    """docs/thrive-wire.md assumes Thrive refuses `POST /contacts {}` (422). A Thrive that
    validates nothing creates an empty contact instead: verification says so, and deletes it
    where the key may."""
    from django.core.management import call_command

    from thrive_integration.connections import create_connection
    from thrive_integration.sandbox.permissions import ALL_PERMISSIONS

    state, url = make_sandbox(contacts=5, accept_empty_contacts=True)
    granted = ALL_PERMISSIONS - (set() if may_delete else {"Destroys a Contact"})
    state.add_token("lenient-key-0987654321", granted)
    connection = create_connection(
        owner="o", name="lenient", api_key="lenient-key-0987654321", base_url=url
    )

    call_command("thrive_verify", "lenient", "--owner", "o")

    connection.refresh_from_db()
    [creation] = connection.permission_report["created_by_probes"]
    assert creation["operation"] == "Creates a new Contact"
    assert creation["removed"] is may_delete
    left = requests.get(
        f"{url}/contacts/{creation['record_id']}",
        headers={"Authorization": f"Bearer {API_KEY}"},
        timeout=5,
    )
    assert left.status_code == (404 if may_delete else 200)
    printed = capsys.readouterr().out
    assert f"made record {creation['record_id']}" in printed
    assert ("deleted again" if may_delete else "NOT deleted") in printed


def test_verifying_again_makes_no_second_stray_contact(db, thrive_settings, make_sandbox):
    """The record an earlier probe could not delete is reported until it is gone, its create
    is not probed again meanwhile, and it is deleted once the key may."""
    from thrive_integration.connections import create_connection
    from thrive_integration.sandbox.permissions import ALL_PERMISSIONS

    state, url = make_sandbox(contacts=5, accept_empty_contacts=True)
    key = "lenient-key-0987654321"
    state.add_token(key, ALL_PERMISSIONS - {"Destroys a Contact"})
    connection = create_connection(owner="o", name="lenient", api_key=key, base_url=url)

    first = verify_connection(connection).permission_report["created_by_probes"]
    again = verify_connection(connection)
    assert again.permission_report["created_by_probes"] == first
    assert again.status == m.ConnectionStatus.MISSING_PERMISSIONS  # the delete, still missing
    stray = [r for r in listed_records(url, "/contacts") if not r["first_name"]]
    assert [str(r["id"]) for r in stray] == [first[0]["record_id"]]

    state.add_token(key, ALL_PERMISSIONS)
    cleaned = verify_connection(connection).permission_report["created_by_probes"]
    assert [c["removed"] for c in cleaned] == [True, True]  # the earlier one, and today's
    assert not [r for r in listed_records(url, "/contacts") if not r["first_name"]]


def test_a_resource_the_key_may_not_read_fails_alone(db, thrive_settings, make_sandbox):
    from thrive_integration.connections import create_connection
    from thrive_integration.sandbox.permissions import ALL_PERMISSIONS

    state, url = make_sandbox(contacts=5)
    state.add_token("no-users-key-0987654321", ALL_PERMISSIONS - {"Retrieves all Users"})
    connection = create_connection(
        owner="o", name="no users", api_key="no-users-key-0987654321", base_url=url
    )
    run = sync(connection, resources=["users", "companies", "contacts"])
    steps = {step.resource: step for step in run.steps.all()}
    assert steps["users"].status == StepStatus.FAILED
    assert "403 This API key lacks the permission: Retrieves all Users" in steps["users"].error
    assert steps["companies"].status == steps["contacts"].status == StepStatus.SUCCEEDED
    assert m.Contact.objects.filter(connection=connection).count() == 5
    assert not m.ThriveUser.objects.filter(connection=connection).exists()
    assert (run.status, run.error) == (RunStatus.FAILED, f"users: {steps['users'].error}")
    # The failed resource's cursor stays where it was; the others moved.
    assert not m.SyncCursor.objects.filter(connection=connection, resource="users").exists()
    assert m.SyncCursor.objects.filter(connection=connection, resource="contacts").exists()


def test_wrong_key_is_reported(db, thrive_settings, sandbox):
    from thrive_integration.connections import create_connection

    _, url = sandbox
    connection = create_connection(
        owner="o", name="bad", api_key="not-a-real-key-123", base_url=url
    )
    run = sync(connection, resources=["users"])  # not verified yet: the run finds out
    assert run.status == RunStatus.FAILED
    assert "not-a-real-key-123" not in run.error
    connection = verify_connection(connection)
    assert connection.status == m.ConnectionStatus.INVALID_KEY
    with pytest.raises(ConfigurationError, match="fix the key"):  # now refused up front
        sync(connection, resources=["users"])


def test_a_base_url_that_is_not_thrive_is_not_reported_as_working(db, thrive_settings, sandbox):
    from thrive_integration.connections import create_connection

    _, url = sandbox
    wrong = url.replace("/api/v2", "/wrong/path")
    connection = create_connection(owner="o", name="typo", api_key=API_KEY, base_url=wrong)
    connection = verify_connection(connection)
    assert connection.status == m.ConnectionStatus.UNREACHABLE
    assert "does not serve the Thrive API" in connection.permission_report["error"]


def test_a_host_nobody_listens_on_is_reported_by_name(db, thrive_settings):
    from thrive_integration.connections import create_connection

    with socket.socket() as probe:  # a free port, closed again: connecting is refused
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    url = f"http://127.0.0.1:{port}/api/v2"
    connection = create_connection(owner="o", name="down", api_key=API_KEY, base_url=url)
    connection = verify_connection(connection)
    assert connection.status == m.ConnectionStatus.UNREACHABLE
    assert connection.permission_report["error"] == (
        f"POST /api/v2/candidacies: cannot connect (refused, unreachable or unknown host) "
        f"(127.0.0.1:{port})"
    )


def test_a_failed_tls_handshake_is_reported_as_such(db, thrive_settings, sandbox):
    """HTTPS to a server that speaks plain HTTP: no TLS session, so nothing was sent, a
    write included."""
    from thrive_integration.connections import create_connection

    _, url = sandbox
    tls_url = url.replace("http://", "https://")
    connection = create_connection(owner="o", name="tls", api_key=API_KEY, base_url=tls_url)
    connection = verify_connection(connection)
    assert connection.status == m.ConnectionStatus.UNREACHABLE
    host = tls_url.split("/")[2]
    assert connection.permission_report["error"] == (
        f"POST /api/v2/candidacies: TLS handshake or certificate verification failed ({host})"
    )


class WorkerKilled(BaseException):
    """Stands for SIGKILL: nothing in the engine may catch it."""


def test_killed_run_resumes_to_the_same_final_state(connection, sandbox, make_sandbox):
    _, url = sandbox
    run = request_sync(connection, full=True)
    pages_seen = []

    def die_after_three_contact_pages(step):
        if step.resource == "contacts":
            pages_seen.append(step.pages)
            if step.pages == 3:
                raise WorkerKilled

    with pytest.raises(WorkerKilled):
        execute_run(run.pk, progress=die_after_three_contact_pages)
    run.refresh_from_db()
    assert run.status == RunStatus.RUNNING
    contacts_step = steps_by_resource(run)["contacts"]
    assert contacts_step.pages == 3 and contacts_step.checkpoint
    # A real kill leaves the lease held until it expires.
    SyncLock.objects.filter(connection=connection).update(
        holder="dead-worker", expires_at=timezone.now() + timedelta(minutes=5)
    )
    assert execute_run(run.pk) is True  # lease still valid: this attempt stands aside
    run.refresh_from_db()
    assert run.status == RunStatus.RUNNING
    SyncLock.objects.filter(connection=connection).update(
        expires_at=timezone.now() - timedelta(seconds=1)
    )
    assert execute_run(run.pk) is True
    run.refresh_from_db()
    assert run.status == RunStatus.SUCCEEDED, run.error
    contacts_step = steps_by_resource(run)["contacts"]
    assert contacts_step.resumed and contacts_step.pages > 3
    assert run.attempts == 2
    assert_mirror_matches(connection, url)
    # Same final state as an uninterrupted import into a second connection.
    reference = connect(url, name="reference")
    sync(reference, full=True)
    for spec_model in (m.Contact, m.Position, m.Candidacy):
        ours = set(
            spec_model.objects.filter(connection=connection).values_list(
                "remote_id", "content_hash"
            )
        )
        theirs = set(
            spec_model.objects.filter(connection=reference).values_list("remote_id", "content_hash")
        )
        assert ours == theirs


def test_time_budget_checkpoints_and_continues(connection, sandbox):
    _, url = sandbox
    run = request_sync(connection, full=True)
    invocations = 1
    while not execute_run(run.pk, budget_seconds=0.000001):
        invocations += 1
    run.refresh_from_db()
    assert run.status == RunStatus.SUCCEEDED
    assert invocations > 5 and run.attempts == invocations
    assert_mirror_matches(connection, url)


def test_two_runs_on_one_connection_are_refused(connection):
    run = request_sync(connection)
    with pytest.raises(SyncLocked):
        request_sync(connection, full=True)
    assert locking.claim(connection, "worker-1")
    assert not locking.claim(connection, "worker-2")
    locking.release(connection, "worker-1")
    assert locking.claim(connection, "worker-2")
    locking.release(connection, "worker-2")
    execute_run(run.pk)
    request_sync(connection)  # allowed again once the first finished


def test_failed_run_leaves_cursors_where_they_were(connection, sandbox):
    state, url = sandbox
    sync(connection, full=True)
    before = {c.resource: c.value for c in SyncCursor.objects.filter(connection=connection)}
    state.faults.add("server_error", count=100, path="/contacts", status=503)
    run = sync(connection)
    assert run.status == RunStatus.FAILED
    steps = steps_by_resource(run)
    assert steps["contacts"].status == StepStatus.FAILED
    assert steps["candidacies"].status == StepStatus.NOT_STARTED
    after = {c.resource: c.value for c in SyncCursor.objects.filter(connection=connection)}
    assert after["contacts"] == before["contacts"]
    assert after["candidacies"] == before["candidacies"]
    state.faults.clear()


def test_key_never_leaks(connection, sandbox, caplog, task_broker):
    state, url = sandbox
    caplog.set_level(logging.DEBUG)
    state.faults.add("server_error", count=100, path="/searches", status=500)
    state.faults.add("malformed_record", path="/contacts")
    run = sync(connection, full=True)
    run_two = request_sync(connection)
    enqueue_run(run_two.pk)
    queued = queued_tasks(task_broker)
    assert [task["args"] for task in queued] == [(run_two.pk,)]
    stored = [
        run.error,
        *m.SyncError.objects.values_list("reason", flat=True),
        *m.SyncStep.objects.values_list("error", flat=True),
        connection.api_key_ciphertext,
        str(connection.permission_report),
        *[str(task) for task in queued],
        repr(connection),
        caplog.text,
    ]
    assert all(API_KEY not in text for text in stored)
    assert m.Contact.objects.filter(remote_data__icontains=API_KEY).count() == 0


def test_a_run_that_never_reached_a_worker_does_not_lock_the_connection(connection):
    lost = request_sync(connection)  # recorded, but the broker never got it
    with pytest.raises(SyncLocked):
        request_sync(connection)  # a fresh pending run is still waiting for its worker
    m.SyncRun.objects.filter(pk=lost.pk).update(created_at=timezone.now() - timedelta(minutes=30))
    resumed = request_sync(connection)
    assert resumed.pk == lost.pk
    assert execute_run(resumed.pk)
    resumed.refresh_from_db()
    assert resumed.status == RunStatus.SUCCEEDED
