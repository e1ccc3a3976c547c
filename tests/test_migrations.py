"""Data migrations, run against the real test database from the state before them."""

from __future__ import annotations

import pytest
from django.db import connection as db
from django.db.migrations.executor import MigrationExecutor
from django.utils import timezone

from thrive_integration.normalize import name_key

pytestmark = pytest.mark.django_db(transaction=True)

BEFORE = [("thrive_integration", "0003_remap_runs")]
AFTER = [("thrive_integration", "0004_create_missing_schedules")]


def migrate(targets):
    executor = MigrationExecutor(db)
    executor.loader.build_graph()
    executor.migrate(targets)
    return executor.loader.project_state(targets).apps


@pytest.fixture(autouse=True)
def back_to_the_latest_state():
    yield
    executor = MigrationExecutor(db)
    executor.migrate(executor.loader.graph.leaf_nodes())


def test_connections_made_without_schedules_get_them():
    apps = migrate(BEFORE)
    Connection = apps.get_model("thrive_integration", "Connection")
    made = {
        "api": Connection.objects.create(owner="o", name="api", api_key_ciphertext="x"),
        "export only": Connection.objects.create(
            owner="o", name="export only", api_key_ciphertext="x", import_enabled=False
        ),
        "disconnected": Connection.objects.create(
            owner="o", name="disconnected", api_key_ciphertext="x", status="disconnected"
        ),
    }
    apps = migrate(AFTER)
    Schedule = apps.get_model("django_q", "Schedule")
    names = set(Schedule.objects.values_list("name", flat=True))
    api, export_only = made["api"].pk, made["export only"].pk
    assert names == {f"thrive-import-{api}", f"thrive-export-{api}", f"thrive-export-{export_only}"}
    schedule = Schedule.objects.get(name=f"thrive-import-{api}")
    assert (schedule.func, schedule.args, schedule.minutes) == (
        "thrive_integration.tasks.scheduled_import",
        f"({api},)",
        60,
    )


def test_excluded_reasons_spelt_alike_are_merged_into_the_first():
    apps = migrate([("thrive_integration", "0007_child_list_index")])
    Connection = apps.get_model("thrive_integration", "Connection")
    Excluded = apps.get_model("thrive_integration", "ExcludedRejectionReason")
    one, other = (
        Connection.objects.create(owner="o", name=name, api_key_ciphertext="x")
        for name in ("one", "other")
    )
    for connection, reason in [
        (one, " Not a fit"),
        (one, "Location"),
        (one, "NOT A FIT"),
        (one, "Not a fit"),
        (one, "not  a fit "),
        (other, "not a fit"),
    ]:
        Excluded.objects.create(connection=connection, reason=reason)

    apps = migrate([("thrive_integration", "0008_excluded_reason_key")])
    Excluded = apps.get_model("thrive_integration", "ExcludedRejectionReason")

    rows = Excluded.objects.order_by("id").values_list("connection__name", "reason", "reason_key")
    assert list(rows) == [
        ("one", "Not a fit", "not a fit"),
        ("one", "Location", "location"),
        ("other", "not a fit", "not a fit"),
    ]
    assert all(key == name_key(reason) for _, reason, key in rows)


def test_child_rows_are_kept_and_then_named_within_their_parent():
    apps = migrate([("thrive_integration", "0008_excluded_reason_key")])
    Connection = apps.get_model("thrive_integration", "Connection")
    Candidacy = apps.get_model("thrive_integration", "Candidacy")
    Tag = apps.get_model("thrive_integration", "CandidacyTag")
    connection = Connection.objects.create(owner="o", name="c", api_key_ciphertext="x")
    now = timezone.now()
    mirror = {
        "connection_id": connection.pk,
        "remote_data": {},
        "content_hash": "h",
        "first_synced_at": now,
        "last_synced_at": now,
    }
    first, second = (Candidacy.objects.create(remote_id=rid, **mirror) for rid in ("1", "2"))
    Tag.objects.create(candidacy_id=first.pk, remote_id="7", name="shortlist", **mirror)

    apps = migrate([("thrive_integration", "0009_child_identity_per_parent")])
    # Under the old key a shared child's row may have moved: each parent is rewritten once.
    Candidacy = apps.get_model("thrive_integration", "Candidacy")
    assert set(Candidacy.objects.values_list("content_hash", flat=True)) == {""}
    Tag = apps.get_model("thrive_integration", "CandidacyTag")
    Tag.objects.create(candidacy_id=second.pk, remote_id="7", name="shortlist", **mirror)

    assert sorted(Tag.objects.values_list("candidacy_id", "remote_id")) == [
        (first.pk, "7"),
        (second.pk, "7"),
    ]
