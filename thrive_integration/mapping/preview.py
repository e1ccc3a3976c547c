"""What a proposed set of mappings would make of a few stored contacts, without saving."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from django.utils import timezone

from ..exceptions import MappingError
from ..models import Connection, Contact, FieldMapping
from ..sync.payloads import attach_children
from .apply import map_contact
from .validation import validate_mappings


def preview_mappings(
    connection: Connection,
    mappings: Sequence[FieldMapping],
    contact_ids: Sequence[int] | None = None,
    limit: int = 5,
) -> list[dict[str, Any]]:
    """Per contact: its ids and the profile values `mappings` would produce, or the error.

    Raises InvalidFieldMapping first, so a broken proposal is explained, not half-previewed.
    """
    validate_mappings(mappings)
    contacts = Contact.objects.filter(connection=connection, remote_deleted_at__isnull=True)
    if contact_ids:
        contacts = contacts.filter(pk__in=contact_ids)
    today = timezone.localdate()
    imports = [m for m in mappings if m.imports]
    results = []
    contacts = list(contacts.order_by("pk")[:limit])
    attach_children(contacts)
    for contact in contacts:
        entry: dict[str, Any] = {"contact_id": contact.pk, "remote_id": contact.remote_id}
        try:
            entry["profile"] = map_contact(contact.remote_data, imports, today).values
        except MappingError as error:
            entry["error"] = str(error)
        results.append(entry)
    return results
