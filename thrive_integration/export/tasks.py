"""django-q2 entry points of the export: thin, ids as arguments, never instances or secrets."""

from __future__ import annotations

from ..models import Connection, ConnectionStatus
from . import outbox
from .processor import process

_KEY_REFUSED = (ConnectionStatus.DISCONNECTED, ConnectionStatus.INVALID_KEY)


def export_outbox_entry(entry_id: int) -> str | None:
    """One attempt at one outbox row; returns its state afterwards."""
    entry = process(entry_id)
    return entry.state if entry else None


def scheduled_export(connection_id: int) -> int:
    """Every due row of the connection, each as its own task; returns how many were queued.

    Nothing is sent while Thrive would refuse the key (disconnected, or found invalid at the
    last verification): the rows wait, due, for the key to be fixed, rather than fail one by
    one and need retrying by hand.
    """
    connection = Connection.objects.get(pk=connection_id)
    if not connection.export_enabled or connection.status in _KEY_REFUSED:
        return 0
    entry_ids = outbox.due_entry_ids(connection)
    for entry_id in entry_ids:
        outbox.schedule(entry_id)
    return len(entry_ids)
