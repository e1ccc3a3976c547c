"""Serialise the exports that could create the same Thrive contact.

The profile row lock (contacts.py) keeps two exports of one profile apart, but two profiles
can carry one person's email or LinkedIn URL: both would look Thrive up, find nothing and
create. So the find-or-create also holds a lock per (connection, dedup key), taken inside its
transaction and released when that transaction ends, so the second export looks up only
after the first's contact exists and is mirrored.

On PostgreSQL that is a transaction-level advisory lock on a 64-bit hash of the pair: no table
to keep, and a hash collision only makes two unrelated exports take turns. Locks are taken in
sorted order, so two exports sharing two keys cannot deadlock. SQLite needs nothing: its
transactions begin IMMEDIATE (project settings), so the export already holds the database's
single write lock.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable

from django.db import connection as db
from django.db.transaction import TransactionManagementError

from ..models import Connection

# Mixed into every hash so this app's locks stay apart from other users of advisory locks.
_NAMESPACE = "thrive_integration.export.contact"


def lock_keys(connection: Connection, keys: Iterable[str]) -> None:
    """Wait for, then hold until the current transaction ends, the lock on each key."""
    if not db.in_atomic_block:
        # Outside a transaction the lock would end with its own statement: no lock at all.
        raise TransactionManagementError("lock_keys needs a transaction (transaction.atomic)")
    if db.vendor != "postgresql":
        return
    with db.cursor() as cursor:
        for lock_id in sorted({_lock_id(connection, key) for key in keys}):
            cursor.execute("SELECT pg_advisory_xact_lock(%s)", [lock_id])


def _lock_id(connection: Connection, key: str) -> int:
    digest = hashlib.sha256(f"{_NAMESPACE}:{connection.pk}:{key}".encode()).digest()
    return int.from_bytes(digest[:8], "big", signed=True)
