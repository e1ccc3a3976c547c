"""django-q2 entry points: thin, ids as arguments, never a model instance or a secret.

Each one first looks up the row it names (`queued.named_row`) and returns None if it is gone.
"""

from __future__ import annotations

import logging

from django.db import transaction
from django_q.tasks import async_task

from .conf import integration_settings
from .exceptions import ConfigurationError, SyncLocked
from .models import Connection, SyncRun
from .queued import named_row
from .sync.runner import execute_run, request_sync
from .verify import verify_connection

logger = logging.getLogger(__name__)


def enqueue_run(run_id: int) -> None:
    """Enqueue once the surrounding transaction commits, so the worker finds the run."""
    transaction.on_commit(
        lambda: async_task(
            "thrive_integration.tasks.run_sync", run_id, task_name=f"thrive-sync-run-{run_id}"
        )
    )


def run_sync(run_id: int) -> bool | None:
    """Work within the time budget; re-enqueue to continue from the checkpoint if needed."""
    if named_row(SyncRun, run_id, task="run_sync") is None:
        return None
    finished = execute_run(run_id, budget_seconds=integration_settings.TASK_TIME_BUDGET_SECONDS)
    if not finished:
        enqueue_run(run_id)
    return finished


def scheduled_import(connection_id: int) -> int | None:
    """The hourly import; skipped visibly while another run is active or the connection
    cannot sync (disconnected, key found invalid), resumed if stalled."""
    connection = named_row(Connection, connection_id, task="scheduled_import")
    if connection is None or not connection.import_enabled:
        return None
    try:
        run = request_sync(connection, trigger=SyncRun.Trigger.SCHEDULE)
    except (SyncLocked, ConfigurationError) as exc:
        logger.info("scheduled import of connection %s skipped: %s", connection_id, exc)
        return None
    enqueue_run(run.pk)
    return run.pk


def verify(connection_id: int) -> str | None:
    """Verify a connection's key off the request path (the API and admin verify inline, to
    answer at once): for a host that re-checks keys on its own schedule or in bulk, e.g.
    `async_task("thrive_integration.tasks.verify", connection.pk)`. Returns the new status."""
    connection = named_row(Connection, connection_id, task="verify")
    return verify_connection(connection).status if connection else None
