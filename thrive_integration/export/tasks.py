"""django-q2 entry points of the export: thin, ids as arguments, never instances or secrets."""

from __future__ import annotations

from ..models import Connection
from . import outbox
from .processor import process


def export_outbox_entry(entry_id: int) -> str | None:
    """One attempt at one outbox row; returns its state afterwards."""
    entry = process(entry_id)
    return entry.state if entry else None


def scheduled_export(connection_id: int) -> int:
    """Every due row of the connection, each as its own task; returns how many were queued."""
    connection = Connection.objects.get(pk=connection_id)
    if not connection.export_enabled or connection.is_disconnected:
        return 0
    entry_ids = outbox.due_entry_ids(connection)
    for entry_id in entry_ids:
        outbox.schedule(entry_id)
    return len(entry_ids)
