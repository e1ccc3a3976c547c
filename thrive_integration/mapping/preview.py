"""What a proposed set of mappings would make of a few stored records, without saving."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

from django.db.models import Model
from django.utils import timezone

from ..exceptions import MappingError
from ..models import Candidacy, Connection, Contact, FieldMapping
from ..sync.payloads import attach_children
from .apply import map_contact, mapped_values
from .validation import validate_mappings


def preview_mappings(
    connection: Connection,
    mappings: Sequence[FieldMapping],
    contact_ids: Sequence[int] | None = None,
    limit: int = 5,
) -> list[dict[str, Any]]:
    """Per contact (those of `contact_ids`, or the first `limit`): its ids and the profile
    values `mappings` would produce, or the error.

    Raises InvalidFieldMapping first, so a broken proposal is explained, not half-previewed.
    """
    validate_mappings(mappings)
    imports = [m for m in mappings if m.imports]
    today = timezone.localdate()
    return _preview(
        connection,
        Contact,
        contact_ids,
        limit,
        "profile",
        lambda payload: map_contact(payload, imports, today).values,
    )


def preview_application_mappings(
    connection: Connection,
    mappings: Sequence[FieldMapping],
    candidacy_ids: Sequence[int] | None = None,
    limit: int = 5,
) -> list[dict[str, Any]]:
    """Per candidacy: its ids and the application fields `mappings` would write, or the error.

    Raises InvalidFieldMapping first, as `preview_mappings` does.
    """
    validate_mappings(mappings)
    imports = [m for m in mappings if m.imports]
    return _preview(
        connection,
        Candidacy,
        candidacy_ids,
        limit,
        "application",
        lambda payload: mapped_values(payload, imports, FieldMapping.ThriveObject.CANDIDACY),
    )


def _preview(
    connection: Connection,
    model: type[Model],
    ids: Sequence[int] | None,
    limit: int,
    made: str,
    apply: Callable[[Any], dict[str, Any]],
) -> list[dict[str, Any]]:
    """The records asked for by id, in that order (each once), or the first `limit` without
    ids; an id that names no live record of `connection` gets an entry saying so."""
    records = model.objects.filter(connection=connection, remote_deleted_at__isnull=True)
    if ids is None:
        found = {record.pk: record for record in records.order_by("pk")[:limit]}
        asked = list(found)
    else:
        asked = list(dict.fromkeys(ids))
        found = {record.pk: record for record in records.filter(pk__in=asked)}
    attach_children(list(found.values()))
    id_key = f"{model._meta.model_name}_id"
    missing = (
        f"This connection has no stored {model._meta.verbose_name} with this id "
        "(or Thrive deleted it)."
    )
    results = []
    for pk in asked:
        record = found.get(pk)
        if record is None:
            results.append({id_key: pk, "error": missing})
            continue
        entry: dict[str, Any] = {id_key: record.pk, "remote_id": record.remote_id}
        try:
            entry[made] = apply(record.remote_data)
        except MappingError as error:
            entry["error"] = str(error)
        results.append(entry)
    return results
