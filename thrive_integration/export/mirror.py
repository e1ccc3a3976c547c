"""After a write, store Thrive's record through the import's own upsert.

The record is read back with the import's `include` list rather than taken from the write's
answer: a write answers without child lists, and a mirror row hashed from that shorter payload
would look changed to the next import. One GET buys an import that sees no change.
"""

from __future__ import annotations

from django.db import transaction
from django.db.models import Model
from django.utils import timezone

from ..models import Connection
from ..sync.registry import BY_NAME
from ..sync.upsert import upsert_page
from ..thrive import ThriveClient, record_path


def fetch(client: ThriveClient, resource: str, remote_id: str) -> dict:
    """The record as the import would read it, child lists included."""
    spec = BY_NAME[resource]
    return client.get(record_path(spec.path, remote_id), include=spec.include)


def store(connection: Connection, resource: str, record: dict, *, derive: bool = True) -> Model:
    """Upsert one record (as `fetch` returned it) into its mirror model; return the row.

    Derived platform rows (applications of a candidacy...) follow, as after an import, unless
    the caller derives them itself (`derive=False`).
    """
    spec = BY_NAME[resource]
    with transaction.atomic():
        upsert_page(connection, spec, [record], now=timezone.now(), derive=derive)
    return spec.model.objects.get(connection=connection, remote_id=str(record["id"]))


def refresh(client: ThriveClient, connection: Connection, resource: str, remote_id: str) -> Model:
    return store(connection, resource, fetch(client, resource, remote_id))
