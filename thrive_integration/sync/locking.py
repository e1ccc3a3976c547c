"""One sync per connection at a time: a lock row claimed by a conditional UPDATE.

The UPDATE succeeds only if nobody holds the lock or the holder's lease ran out, so two workers
can never both believe they own it, on any database. A holder renews the lease after every
page; a killed worker's lease expires and the next attempt takes over from its checkpoint.
"""

from __future__ import annotations

from datetime import timedelta

from django.db import IntegrityError
from django.db.models import Q
from django.utils import timezone

from ..conf import integration_settings
from ..models import Connection, SyncLock


def _lease_end():
    return timezone.now() + timedelta(seconds=integration_settings.LOCK_TTL_SECONDS)


def claim(connection: Connection, holder: str) -> bool:
    """False if someone else holds the lock, or the connection was deleted meanwhile."""
    try:
        SyncLock.objects.get_or_create(connection=connection)
    except IntegrityError:
        # Its lock row could only be created for a connection that still exists: a worker
        # that read a run just before `delete_connection` committed lands here, and stops.
        return False
    free = Q(holder="") | Q(expires_at__isnull=True) | Q(expires_at__lt=timezone.now())
    return bool(
        SyncLock.objects.filter(Q(connection=connection) & (free | Q(holder=holder))).update(
            holder=holder, expires_at=_lease_end()
        )
    )


def renew(connection: Connection, holder: str) -> bool:
    """False if the lease was lost (it expired and someone else took it)."""
    return bool(
        SyncLock.objects.filter(connection=connection, holder=holder).update(
            expires_at=_lease_end()
        )
    )


def release(connection: Connection, holder: str) -> None:
    SyncLock.objects.filter(connection=connection, holder=holder).update(holder="", expires_at=None)


def is_held(connection: Connection) -> bool:
    return (
        SyncLock.objects.filter(connection=connection, expires_at__gte=timezone.now())
        .exclude(holder="")
        .exists()
    )
