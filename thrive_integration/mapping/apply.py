"""Apply FieldMappings to one stored Thrive payload: pure, no database, no clock.

`map_record` is the generic part (paths → transform → field, trimmed to the column) and
`mapped_values` fills every field of the target model, mapped or emptied; `map_contact` adds
what every CandidateProfile needs whatever the mappings say: matching keys and the off-limits
state. A candidacy's Application takes `mapped_values` as they are (see candidacies.py). The
engine, the preview and the tests all go through here, so what a preview shows is what an
import writes.
"""

from __future__ import annotations

import datetime
import hashlib
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from .. import normalize
from ..exceptions import MappingError
from ..models import FieldMapping
from ..sync.extract import canonical_json
from .schema import PLATFORM_FIELDS
from .transforms import TRANSFORMS, Source


def resolve_path(record: Mapping[str, Any], path: str) -> Any:
    """The value at a dotted path; through an embedded list, the list of its items' values."""
    head, _, rest = path.partition(".")
    value = record.get(head)
    if not rest:
        return value
    items = value if isinstance(value, list) else []
    return [item.get(rest) for item in items if isinstance(item, Mapping)]


def map_record(
    record: Mapping[str, Any], mappings: Iterable[FieldMapping], thrive_object: str
) -> dict[str, Any]:
    """Platform values the import mappings of `thrive_object` make from `record`."""
    fields = PLATFORM_FIELDS[thrive_object]
    values: dict[str, Any] = {}
    for mapping in mappings:
        if mapping.thrive_object != thrive_object or not mapping.imports:
            continue
        paths = tuple(mapping.thrive_paths)
        try:
            source = Source(tuple(resolve_path(record, path) for path in paths), paths, record)
            value = TRANSFORMS[mapping.transform](source)
        except Exception as error:  # a transform bug or a payload no one foresaw: skip the record
            raise MappingError(
                f"{mapping.platform_field}: {mapping.transform} failed: {error!r}"
            ) from error
        max_length = fields[mapping.platform_field].max_length
        if max_length and isinstance(value, str):
            # Thrive has no length limits; our columns do. Keep the start rather than fail.
            value = normalize.truncate(value, max_length)
        values[mapping.platform_field] = value
    return values


def _expired(expires_on: Any, today: datetime.date) -> bool:
    """An off-limit reason stops counting after its `expires_on` (a partial date)."""
    expiry = normalize.partial_date(expires_on)
    if expiry is None or expiry.ongoing or expiry.year is None:
        return False
    # A partial date lasts to the end of the year or month it names.
    last_day = (expiry.year, expiry.month or 12, expiry.day or 31)
    return last_day < (today.year, today.month, today.day)


def active_off_limit_reasons(record: Mapping[str, Any], today: datetime.date) -> list[dict]:
    reasons = record.get("off_limit_reasons")
    return [
        {
            "remote_id": normalize.nfc_text(item.get("id")),
            "reason": normalize.nfc_text(item.get("reason")),
            "company_id": normalize.nfc_text(item.get("company_id")) or None,
            "expires_on": item.get("expires_on"),
        }
        for item in (reasons if isinstance(reasons, list) else [])
        if isinstance(item, Mapping) and not _expired(item.get("expires_on"), today)
    ]


@dataclass
class MappedContact:
    """Everything a CandidateProfile gets from one contact, and a hash to detect change."""

    values: dict[str, Any]
    hash: str

    @property
    def email_keys(self) -> set[str]:
        return {key for key in (self.values["email_key"], self.values["work_email_key"]) if key}


def empty_values(thrive_object: str) -> dict[str, Any]:
    """Every platform field `thrive_object`'s mappings may write, empty."""
    return {
        name: [] if field.kind == "list" else ""
        for name, field in PLATFORM_FIELDS[thrive_object].items()
    }


def mapped_values(
    record: Any, mappings: Iterable[FieldMapping], thrive_object: str
) -> dict[str, Any]:
    """Every platform field of `thrive_object`: what the import mappings make of `record`, or
    empty where none writes it (any more), so removing a mapping and re-mapping leaves no stale
    value behind."""
    if not isinstance(record, Mapping):
        raise MappingError(f"the stored payload is a {type(record).__name__}, not an object")
    return {**empty_values(thrive_object), **map_record(record, mappings, thrive_object)}


def map_contact(
    record: Mapping[str, Any], mappings: Iterable[FieldMapping], today: datetime.date
) -> MappedContact:
    values = mapped_values(record, mappings, FieldMapping.ThriveObject.CONTACT)
    reasons = active_off_limit_reasons(record, today)
    values.update(
        off_limits=bool(reasons),
        off_limit_reasons=reasons,
        email_key=normalize.email_key(values.get("email")) or "",
        work_email_key=normalize.email_key(values.get("work_email")) or "",
        linkedin_key=normalize.linkedin_key(values.get("linkedin_url")) or "",
        github_key=normalize.github_key(values.get("github_url")) or "",
        name_key=normalize.name_key(values.get("name"))[:255],
    )
    digest = hashlib.sha256(canonical_json(values).encode()).hexdigest()
    return MappedContact(values, digest)
