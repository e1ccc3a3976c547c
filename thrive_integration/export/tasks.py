"""django-q2 entry points of the export: thin, ids as arguments, never instances or secrets.

Each one first looks up the row it names (`queued.named_row`) and returns None if it is gone.
"""

from __future__ import annotations

from ..models import Connection, ConnectionStatus, OutboxEntry
from ..queued import named_row
from . import outbox
from .processor import process

_KEY_REFUSED = (ConnectionStatus.DISCONNECTED, ConnectionStatus.INVALID_KEY)


def export_outbox_entry(entry_id: int) -> str | None:
    """One attempt at one outbox row; returns its state afterwards."""
    if named_row(OutboxEntry, entry_id, task="export_outbox_entry") is None:
        return None
    entry = process(entry_id)
    return entry.state if entry else None


def scheduled_export(connection_id: int) -> int | None:
    """Every due row of the connection, each as its own task; returns how many were queued.

    Nothing is sent while Thrive would refuse the key (disconnected, or found invalid at the
    last verification): the rows wait, due, for the key to be fixed, rather than fail one by
    one and need retrying by hand.
    """
    connection = named_row(Connection, connection_id, task="scheduled_export")
    if connection is None:
        return None
    if not connection.export_enabled or connection.status in _KEY_REFUSED:
        return 0
    entry_ids = outbox.due_entry_ids(connection)
    for entry_id in entry_ids:
        outbox.schedule(entry_id)
    return len(entry_ids)
