"""Re-mapping as a recorded run: queued by the API, executed in batches with checkpoints.

The contacts come from a full import of the sandbox over HTTP; the re-map itself reads only
what is stored.
"""

from __future__ import annotations

import pytest
from django.db import transaction

from tests.conftest import queued_tasks
from thrive_integration import tasks
from thrive_integration.exceptions import SyncLocked
from thrive_integration.mapping import engine
from thrive_integration.models import (
    Candidacy,
    CandidateProfile,
    Connection,
    Contact,
    FieldMapping,
    RunStatus,
    SyncError,
    SyncRun,
    SyncStep,
)
from thrive_integration.normalize import nfc_text
from thrive_integration.sync.runner import execute_run, request_remap, request_sync

pytestmark = pytest.mark.django_db

TINY_BUDGET = 1e-9  # spent as soon as it is checked: one batch per invocation
BATCH = 7


def remap_url(connection: Connection) -> str:
    return f"/api/thrive/connections/{connection.pk}/field-mappings/remap/"


def sync_url(connection: Connection) -> str:
    return f"/api/thrive/connections/{connection.pk}/sync/"


def location_from_country(connection: Connection) -> None:
    FieldMapping.objects.filter(connection=connection, platform_field="location").update(
        thrive_paths=["country"], transform="text"
    )


def counts(step: SyncStep) -> tuple[int, ...]:
    return (step.created, step.updated, step.unchanged, step.failed, step.pages)


def profiles(connection: Connection) -> list[tuple]:
    return list(
        CandidateProfile.objects.filter(connection=connection)
        .order_by("pk")
        .values_list("pk", "contact_id", "name", "location", "mapped_hash")
    )


def test_remap_answers_202_and_its_run_re_maps_the_stored_contacts(
    api, imported, django_capture_on_commit_callbacks, task_broker
):
    location_from_country(imported)

    with django_capture_on_commit_callbacks(execute=True):
        response = api.post(remap_url(imported))

    assert response.status_code == 202, response.data
    assert (response.data["kind"], response.data["status"]) == ("remap", "pending")
    assert [step["resource"] for step in response.data["steps"]] == ["profiles", "applications"]
    run_id = response.data["id"]
    queued = queued_tasks(task_broker)
    assert [(task["name"], task["args"]) for task in queued] == [
        (f"thrive-sync-run-{run_id}", (run_id,))
    ]

    assert tasks.run_sync(run_id)

    polled = api.get(f"/api/thrive/sync-runs/{run_id}/").data
    assert polled["status"] == RunStatus.SUCCEEDED, polled
    step, applications_step = polled["steps"]
    # The candidacy mappings did not change: every application keeps its mapped fields.
    candidacies = Candidacy.objects.filter(connection=imported).count()
    assert applications_step["records_done"] == applications_step["unchanged"] == candidacies > 0
    stored = Contact.objects.filter(connection=imported).count()
    assert step["records_done"] == stored
    assert (step["created"], step["failed"]) == (0, 0)
    assert step["updated"] > 0
    linked = CandidateProfile.objects.filter(connection=imported, contact__isnull=False)
    for profile in linked.select_related("contact"):
        assert profile.location == nfc_text(profile.contact.remote_data.get("country"))

    remaps = api.get("/api/thrive/sync-runs/", {"kind": "remap"}).data["results"]
    assert [run["id"] for run in remaps] == [run_id]
    imports = api.get("/api/thrive/sync-runs/", {"kind": "full"}).data["results"]
    assert imports and run_id not in [run["id"] for run in imports]
    assert api.get("/api/thrive/sync-runs/", {"kind": "nightly"}).status_code == 400


def one_shot_result(imported) -> tuple:
    """The counts and profiles a re-map in one go gives, rolled back to the state before it."""
    with transaction.atomic():
        one_shot = request_remap(imported)
        assert execute_run(one_shot.pk)
        expected = (counts(one_shot.steps.get(resource="profiles")), profiles(imported))
        transaction.set_rollback(True)
    return expected


def test_a_budgeted_remap_continues_from_its_checkpoint_to_the_one_shot_result(imported, settings):
    settings.THRIVE_INTEGRATION = {**settings.THRIVE_INTEGRATION, "REMAP_BATCH_SIZE": BATCH}
    location_from_country(imported)
    expected = one_shot_result(imported)

    run = request_remap(imported)
    assert not execute_run(run.pk, budget_seconds=TINY_BUDGET)

    step = run.steps.get(resource="profiles")
    first_batch = list(Contact.objects.filter(connection=imported).order_by("remote_id")[:BATCH])
    assert step.status == "running"
    assert step.checkpoint == {"after": first_batch[-1].remote_id}
    assert (step.records_done, step.pages) == (BATCH, 1)

    invocations = 1
    while not execute_run(run.pk, budget_seconds=TINY_BUDGET):
        invocations += 1
    run.refresh_from_db()
    step.refresh_from_db()
    assert run.status == RunStatus.SUCCEEDED
    assert run.attempts == invocations + 1 > 3
    assert step.checkpoint is None
    assert (counts(step), profiles(imported)) == expected


class Killed(BaseException):
    """What a worker's death looks like from inside: nothing after it runs."""


def test_a_remap_killed_mid_batch_redoes_only_that_batch(imported, settings, monkeypatch):
    settings.THRIVE_INTEGRATION = {**settings.THRIVE_INTEGRATION, "REMAP_BATCH_SIZE": BATCH}
    location_from_country(imported)
    expected = one_shot_result(imported)

    map_contacts, calls = engine.map_contacts, []

    def dies_in_the_third_batch(connection, ids):
        calls.append(ids)
        outcome = map_contacts(connection, ids)
        if len(calls) == 3:
            raise Killed
        return outcome

    monkeypatch.setattr(engine, "map_contacts", dies_in_the_third_batch)
    run = request_remap(imported)
    with pytest.raises(Killed):
        execute_run(run.pk)
    monkeypatch.undo()

    step = run.steps.get(resource="profiles")
    assert (step.status, step.records_done, step.pages) == ("running", 2 * BATCH, 2)
    assert execute_run(run.pk)
    step.refresh_from_db()
    assert (counts(step), profiles(imported)) == expected


def test_remap_and_import_refuse_each_other_while_active(api, connection):
    import_run = request_sync(connection, resources=["users"])

    with pytest.raises(SyncLocked):
        request_remap(connection)
    refused = api.post(remap_url(connection))
    assert refused.status_code == 409
    assert refused.data["active_run"] == import_run.pk

    SyncRun.objects.filter(pk=import_run.pk).update(status=RunStatus.SUCCEEDED)
    remap_run = request_remap(connection)

    with pytest.raises(SyncLocked):
        request_sync(connection)
    refused = api.post(sync_url(connection), {}, format="json")
    assert refused.status_code == 409
    assert refused.data["active_run"] == remap_run.pk
    assert api.post(remap_url(connection)).status_code == 409


def test_a_contact_that_fails_to_map_is_recorded_and_the_run_needs_attention(api, imported):
    broken = Contact.objects.filter(connection=imported).order_by("remote_id")[3]
    broken.remote_data = ["not", "an", "object"]
    broken.save(update_fields=["remote_data"])

    run = request_remap(imported)
    assert execute_run(run.pk)

    run.refresh_from_db()
    step = run.steps.get(resource="profiles")
    assert run.status == RunStatus.NEEDS_ATTENTION
    assert (step.status, step.failed) == ("needs_attention", 1)
    assert step.records_done == Contact.objects.filter(connection=imported).count()
    error = SyncError.objects.get(run=run)
    assert (error.step_id, error.resource) == (step.pk, "profiles")
    assert (error.remote_id, error.reason) == (
        broken.remote_id,
        "the stored payload is a list, not an object",
    )
    detail = api.get(f"/api/thrive/sync-runs/{run.pk}/").data
    assert [e["remote_id"] for e in detail["errors"]] == [broken.remote_id]
