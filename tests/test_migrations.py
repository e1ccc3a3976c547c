"""Data migrations, run against the real test database from the state before them."""

from __future__ import annotations

import pytest
from django.db import connection as db
from django.db.migrations.executor import MigrationExecutor

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
