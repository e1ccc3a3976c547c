"""The import against the sandbox over real HTTP: every resource, every dialect, reruns."""

from __future__ import annotations

import gc
from collections import Counter

import pytest
import requests

from thrive_integration import models as m
from thrive_integration.models import RunStatus, StepStatus, SyncCursor
from thrive_integration.sync.payloads import full_payloads
from thrive_integration.sync.registry import RESOURCES
from thrive_integration.sync.runner import execute_run, request_sync

from .conftest import API_KEY, connect, steps_by_resource, sync

pytestmark = pytest.mark.django_db(transaction=True)

AUTH = {"Authorization": f"Bearer {API_KEY}"}


def live_remote_ids(model, connection) -> set[str]:
    return set(
        model.objects.filter(connection=connection, remote_deleted_at__isnull=True).values_list(
            "remote_id", flat=True
        )
    )


def listed_records(url: str, path: str, include: tuple[str, ...] = ()) -> list[dict]:
    """Every record Thrive lists, in its order, read directly over HTTP (the test's own view)."""
    records, page = [], 1
    params = {"include": ",".join(include)} if include else {}
    while True:
        body = requests.get(
            f"{url}{path}",
            params={**params, "page": page, "per_page": 100},
            headers=AUTH,
            timeout=10,
        ).json()
        listed = body.get("data", body.get(path.strip("/")))
        records += listed
        if len(listed) < 100:
            return records
        page += 1


def listed_ids(url: str, path: str) -> list[str]:
    return [str(record["id"]) for record in listed_records(url, path)]


def stored_children(child, connection) -> dict[str, list[str]]:
    """Per parent remote id, the remote ids of its live `child` rows, in their list's order."""
    parent = f"{child.parent_field}__remote_id"
    alive = child.model.objects.filter(connection=connection, remote_deleted_at=None)
    if child.id_prefix:
        alive = alive.filter(remote_id__startswith=child.id_prefix)
    by_parent: dict[str, list[str]] = {}
    rows = alive.order_by(parent, "list_index").values_list(parent, "remote_id")
    for parent_id, remote_id in rows:
        by_parent.setdefault(parent_id, []).append(remote_id)
    return by_parent


def assert_mirror_matches(connection, url: str) -> None:
    """Every record Thrive lists is stored alive, and nothing else; so is each child, under its
    parent, in Thrive's order."""
    for spec in RESOURCES:
        listed = listed_records(url, spec.path, spec.include)
        ids = {str(record["id"]) for record in listed}
        assert live_remote_ids(spec.model, connection) == ids, spec.name
        for child in spec.children:
            expected = {
                str(record["id"]): [child.id_prefix + str(item["id"]) for item in items]
                for record in listed
                if (items := record.get(child.key))
            }
            assert stored_children(child, connection) == expected, f"{spec.name}.{child.key}"


def test_full_import_mirrors_every_resource_with_children(connection, sandbox):
    _, url = sandbox
    run = sync(connection, full=True)
    assert run.status == RunStatus.SUCCEEDED, run.error
    steps = steps_by_resource(run)
    assert set(steps) == {spec.name for spec in RESOURCES}
    assert all(step.status == StepStatus.SUCCEEDED for step in steps.values())
    assert steps["contacts"].created == m.Contact.objects.count() > 0
    assert steps["contacts"].pages > 1
    assert_mirror_matches(connection, url)
    # Children really arrived: every kind the generator makes is present.
    for model in (m.Position, m.Education, m.ContactNote, m.OffLimitReason, m.CandidacyTag):
        assert model.objects.exists(), model.__name__
    contact = m.Contact.objects.exclude(first_name="").first()
    assert contact.remote_data["first_name"] == contact.first_name
    assert contact.remote_updated_at is not None


def test_payloads_are_put_back_as_thrive_sent_them(connection, sandbox):
    """Each child is stored once, as its own row: the parent keeps a list it included as [],
    and `full_payloads` gives back exactly the record Thrive served."""
    _, url = sandbox
    assert sync(connection, full=True).status == RunStatus.SUCCEEDED
    assert_payloads_put_back(connection, url)


def test_a_child_listed_by_several_parents_stays_with_each(db, thrive_settings, make_sandbox):
    """A child's id may name it only within its parent: here a tag's id names the tag, so
    every candidacy carrying it lists the same id. Each candidacy keeps its own row of it."""
    _, url = make_sandbox(contacts=40, shared_tags=True)
    connection = connect(url)
    listed = listed_records(url, "/candidacies", ("tags",))
    carriers = Counter(tag["id"] for record in listed for tag in record["tags"] or ())
    assert carriers.most_common(1)[0][1] > 1  # the case under test does happen

    assert sync(connection, full=True).status == RunStatus.SUCCEEDED
    assert_mirror_matches(connection, url)
    assert_payloads_put_back(connection, url)
    rerun = sync(connection, full=True)
    assert sum(step.created + step.updated + step.deleted for step in rerun.steps.all()) == 0
    assert_mirror_matches(connection, url)


def assert_payloads_put_back(connection, url: str) -> None:
    for spec in (spec for spec in RESOURCES if spec.children):
        served = {str(r["id"]): r for r in listed_records(url, spec.path, spec.include)}
        rows = dict(spec.model.objects.filter(connection=connection).values_list("pk", "remote_id"))
        stored = dict(spec.model.objects.filter(pk__in=rows).values_list("pk", "remote_data"))
        kept = [data[child.key] for data in stored.values() for child in spec.children]
        assert all(value in ([], None) for value in kept), spec.name
        whole = full_payloads(spec.model, stored)
        assert {rows[pk]: data for pk, data in whole.items()} == served, spec.name


def test_records_are_stored_in_listing_order(db, thrive_settings, make_sandbox):
    """Primary keys follow Thrive's order on every backend: matching duplicates depends on it
    (PostgreSQL's staging table once handed its rows back shuffled)."""
    _, url = make_sandbox(contacts=300)
    thrive_settings.THRIVE_INTEGRATION = {**thrive_settings.THRIVE_INTEGRATION, "PAGE_SIZE": 50}
    run = sync(connect(url), full=True, resources=["contacts"])
    assert run.status == RunStatus.SUCCEEDED, run.error
    stored = list(m.Contact.objects.order_by("pk").values_list("remote_id", flat=True))
    assert stored == listed_ids(url, "/contacts")


def test_second_run_writes_nothing(connection, count_writes):
    sync(connection, full=True)
    count_writes.writes.clear()
    for full in (False, True):
        run = sync(connection, full=full)
        assert run.status == RunStatus.SUCCEEDED
        for step in run.steps.all():
            assert (step.created, step.updated, step.deleted, step.failed) == (0, 0, 0, 0)
    assert count_writes.writes == []


@pytest.mark.parametrize("dialect", ["link", "next_url", "meta", "bare"])
@pytest.mark.parametrize("ids", ["int", "str"])
def test_every_dialect(db, thrive_settings, make_sandbox, dialect, ids):
    _, url = make_sandbox(dialect=dialect, ids=ids, contacts=25)
    connection = connect(url)
    run = sync(connection, full=True)
    assert run.status == RunStatus.SUCCEEDED, run.error
    assert_mirror_matches(connection, url)
    rerun = sync(connection)
    assert sum(step.created + step.updated for step in rerun.steps.all()) == 0


def test_incremental_picks_up_changes_and_cursor_moves(connection, sandbox):
    _, url = sandbox
    sync(connection, full=True)
    cursor_before = SyncCursor.objects.get(connection=connection, resource="contacts").value
    target = m.Contact.objects.order_by("id")[3]
    answer = requests.patch(
        f"{url}/contacts/{target.remote_id}",
        json={"contact": {"city": "Reykjavík"}},
        headers=AUTH,
        timeout=10,
    )
    assert answer.status_code == 200, answer.text
    run = sync(connection)
    steps = steps_by_resource(run)
    assert steps["contacts"].updated == 1
    assert steps["contacts"].updated_since is not None
    target.refresh_from_db()
    assert target.city == "Reykjavík"
    assert SyncCursor.objects.get(connection=connection, resource="contacts").value > cursor_before


def test_server_ignoring_updated_since_is_noticed(db, thrive_settings, make_sandbox):
    _, url = make_sandbox(ignore_updated_since=True, contacts=20)
    connection = connect(url)
    sync(connection, full=True)
    run = sync(connection)
    assert run.status == RunStatus.SUCCEEDED
    assert all(step.created + step.updated == 0 for step in run.steps.all())
    cursor = SyncCursor.objects.get(connection=connection, resource="contacts")
    assert cursor.server_filters is False
    # Later incremental runs stop sending a filter the server does not honour.
    later = steps_by_resource(sync(connection))
    assert later["contacts"].updated_since is None


def test_hard_delete_is_swept_after_full_listing_only(connection, sandbox):
    _, url = sandbox
    sync(connection, full=True)
    victim = m.Contact.objects.order_by("id")[5]
    assert requests.delete(f"{url}/contacts/{victim.remote_id}", headers=AUTH, timeout=10).ok
    sync(connection)  # incremental: a vanished record is not visible, nothing is swept
    victim.refresh_from_db()
    assert victim.remote_deleted_at is None
    run = sync(connection, full=True)
    victim.refresh_from_db()
    assert victim.remote_deleted_at is not None
    assert steps_by_resource(run)["contacts"].deleted == 1
    assert m.Position.objects.filter(contact=victim, remote_deleted_at=None).count() == 0
    assert m.Contact.objects.filter(pk=victim.pk).exists()  # never hard-deleted


def test_soft_delete_tombstone_marks_deleted_incrementally(db, thrive_settings, make_sandbox):
    _, url = make_sandbox(deletes="soft", contacts=20)
    connection = connect(url)
    sync(connection, full=True)
    victim = m.Contact.objects.order_by("id")[2]
    assert requests.delete(f"{url}/contacts/{victim.remote_id}", headers=AUTH, timeout=10).ok
    run = sync(connection)
    victim.refresh_from_db()
    assert victim.remote_deleted_at is not None
    assert steps_by_resource(run)["contacts"].deleted == 1


def test_a_run_collects_garbage_less_often_and_puts_the_thresholds_back(connection):
    before = gc.get_threshold()
    during = []
    run = request_sync(connection, resources=["users"])
    execute_run(run.pk, progress=lambda step: during.append(gc.get_threshold()))
    assert during and all(threshold[0] > before[0] for threshold in during)
    assert gc.get_threshold() == before
