"""Incremental cursors, per (connection, resource).

Read inclusively from the cursor minus a lookback window (clock skew, records stamped before
their transaction became visible). The new cursor is the newest `updated_at` Thrive showed us,
capped at the run's start, and it is saved only when the resource's listing finished cleanly,
so a failed or interrupted run can never skip a record.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from ..conf import integration_settings
from ..models import Connection, SyncCursor


def read_from(connection: Connection, resource: str) -> datetime | None:
    """Where an incremental listing starts; None means read everything."""
    cursor = SyncCursor.objects.filter(connection=connection, resource=resource).first()
    if cursor is None or not cursor.server_filters:
        return None
    return cursor.value - timedelta(seconds=integration_settings.LOOKBACK_SECONDS)


def advance(
    connection: Connection,
    resource: str,
    *,
    newest_seen: datetime | None,
    run_started_at: datetime,
    server_filters: bool,
) -> None:
    current = SyncCursor.objects.filter(connection=connection, resource=resource).first()
    candidates = [value for value in (newest_seen, current and current.value) if value]
    value = min(max(candidates), run_started_at) if candidates else run_started_at
    SyncCursor.objects.update_or_create(
        connection=connection,
        resource=resource,
        defaults={"value": value, "server_filters": server_filters},
    )
