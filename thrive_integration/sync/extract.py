"""Turning one Thrive payload into the column values of its mirror row.

Thrive's shapes are not fully known (thrive-api.md, "Unknown"), so scalar fields are read
leniently: a value of the wrong type becomes empty rather than failing the record, because the
raw payload is kept anyway. What makes a record unusable — no id, a payload that is not an
object, a child list that is not a list — raises MappingError, and the engine isolates it.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from decimal import Decimal, InvalidOperation
from functools import partial
from typing import Any

import orjson
from django.db import models
from django.utils.dateparse import parse_datetime

from ..exceptions import MappingError
from ..models.mirror import RemoteIdList

MISSING = object()


def json_type(value: Any) -> str:
    """What a decoded JSON value is, in JSON's words."""
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "a boolean"
    if isinstance(value, (int, float)):
        return "a number"
    if isinstance(value, str):
        return "a string"
    return "a list" if isinstance(value, list) else "an object"


def remote_id_of(payload: Any) -> str:
    if not isinstance(payload, dict):
        raise MappingError(f"record is not an object but {json_type(payload)}")
    value = payload.get("id")
    if isinstance(value, bool) or not isinstance(value, (int, str)) or value == "":
        raise MappingError("record has no usable id")
    remote_id = str(value)
    if len(remote_id) > 64:
        raise MappingError("record id is longer than 64 characters")
    if not remote_id.isprintable():
        # A NUL is refused by PostgreSQL in any text (failing the page's lookup, not one row);
        # other control characters would make an id that prints like another record's.
        raise MappingError(f"record id {printable(remote_id)} contains control characters")
    return remote_id


def printable(text: str) -> str:
    """`text` as an error may name it: control characters (a NUL, say) written as escapes."""
    return text if text.isprintable() else text.encode("unicode_escape").decode("ascii")


class StoredJSON(str):
    """A payload already encoded for its JSON column (see `bulk`): encoded once, hashed once."""


@dataclass(frozen=True, slots=True)
class Encoded:
    payload: Any  # storable text only (see `encode`)
    text: StoredJSON  # what the row stores
    digest: str  # the content hash: SHA-256 of `text` (and of the children's, see `encode_record`)


def canonical_json(value: Any) -> str:
    """Compact JSON with sorted keys, non-ASCII as UTF-8: the one text a payload is hashed and
    stored as. orjson does it several times faster than `json`; what it refuses (an integer
    beyond 64 bits, a lone surrogate) goes through `json`, which raises for no JSON value."""
    try:
        return orjson.dumps(value, option=orjson.OPT_SORT_KEYS).decode()
    except orjson.JSONEncodeError:
        return json.dumps(value, sort_keys=True, separators=(",", ":"), ensure_ascii=False)


def encode(payload: Any) -> Encoded:
    """The payload's canonical JSON text and content hash, made storable first.

    No database stores NUL in text (PostgreSQL refuses it, also in jsonb) and none can encode
    a lone surrogate (half of a UTF-16 pair) as UTF-8: NUL is dropped and a lone surrogate
    becomes U+FFFD, rather than losing the record, or the page it came in.
    """
    text = canonical_json(payload)
    # The common case costs the one C-speed dump the text needs anyway, no Python walk.
    data = _storable_utf8(text)
    if data is None:
        payload = _storable(payload)
        text = canonical_json(payload)
        data = text.encode()
    return Encoded(payload, StoredJSON(text), hashlib.sha256(data).hexdigest())


def encode_record(payload: dict, child_keys: Sequence[str]) -> tuple[Encoded, dict[str, list]]:
    """A parent record encoded for its row, and the items of each embedded list it includes.

    Each child is stored once, as its own row (an import page would otherwise write every
    child twice, and most of a contact's payload is its children): the parent's text keeps an
    included list as `[]`, which still says it was included, and its hash covers the
    children's, so a change in any child changes the parent. `payload` stays the whole record,
    for what is made of it before it is written (the mapping). A key absent is a list not
    included; a list that is not one makes the record unusable (MappingError).

    A list that names one child twice is kept whole in the parent's text too: its rows can
    hold each child once (the later copy), so they could not give the list back as sent.
    """
    own = dict(payload)
    lists: dict[str, list] = {}
    for key in child_keys:
        items = child_list(payload, key)
        if items is not MISSING:
            lists[key] = [encode(item) for item in items]
            # An empty list (or null) is stored as it came, and so is one naming a child twice.
            if items and not _repeats_an_id(items):
                own[key] = []
    parent = encode(own)
    if not any(lists.values()):
        return parent, lists
    digest = hashlib.sha256(parent.digest.encode())
    whole = dict(parent.payload)
    for key, items in lists.items():
        if items:
            digest.update(f"\x1e{key}".encode())
            for item in items:
                digest.update(item.digest.encode())
            whole[key] = [item.payload for item in items]
    return Encoded(whole, parent.text, digest.hexdigest()), lists


def _repeats_an_id(items: list) -> bool:
    ids = [str(item.get("id")) for item in items if isinstance(item, dict)]
    return len(set(ids)) < len(ids)


def _storable_utf8(text: str) -> bytes | None:
    """The UTF-8 of `text`; None if it holds a NUL (written escaped) or a lone surrogate."""
    try:
        data = text.encode()
    except UnicodeEncodeError:
        return None
    return None if b"\\u0000" in data else data


def _storable(payload: Any) -> Any:
    if isinstance(payload, str):
        text = payload.replace("\x00", "")
        # Well-formed text has no surrogate code points: only a lone half fails to encode.
        return text.encode("utf-16", "surrogatepass").decode("utf-16", "replace")
    if isinstance(payload, dict):
        return {_storable(key): _storable(value) for key, value in payload.items()}
    if isinstance(payload, list):
        return [_storable(item) for item in payload]
    return payload


def parse_timestamp(value: Any) -> datetime | None:
    """An ISO 8601 moment in UTC; None when unreadable or outside years 1-9999 in UTC."""
    if not isinstance(value, str):
        return None
    try:
        parsed = parse_datetime(value)
        if parsed is None:
            return None
        # In UTC, so every backend stores it alike (PostgreSQL refuses some offsets).
        return parsed.astimezone(UTC) if parsed.tzinfo else parsed.replace(tzinfo=UTC)
    except (ValueError, OverflowError):
        return None


def coercer(field: models.Field) -> Callable[[Any], Any]:
    """The function turning a payload value into `field`'s Python value, leniently."""
    if isinstance(field, RemoteIdList):
        return remote_id_list
    if isinstance(field, models.JSONField):
        default = field.get_default
        return lambda value: value if value is not None else default()
    if isinstance(field, models.DateTimeField):
        return parse_timestamp
    if isinstance(field, models.BooleanField):
        return lambda value: value if isinstance(value, bool) else None
    if isinstance(field, models.IntegerField):
        return lambda value: (
            value if isinstance(value, int) and not isinstance(value, bool) else None
        )
    if isinstance(field, models.DecimalField):
        return partial(_decimal, field)
    if isinstance(field, (models.CharField, models.TextField)):
        limit = field.max_length
        return lambda value: (
            "" if value is None or isinstance(value, (dict, list)) else str(value)[:limit]
        )
    return lambda value: value


def remote_id_list(value: Any) -> list[str]:
    """Ids as opaque strings, whichever type Thrive sent; what is no id (null, an object) is
    left out rather than stored as one."""
    if not isinstance(value, list):
        return []
    return [
        str(item)
        for item in value
        if isinstance(item, int | str) and not isinstance(item, bool) and item != ""
    ]


def _decimal(field: models.DecimalField, value: Any) -> Decimal | None:
    if isinstance(value, bool) or not isinstance(value, (int, float, str)):
        return None
    try:
        number = round(Decimal(str(value)), field.decimal_places)
    except (InvalidOperation, ValueError):
        return None
    whole_digits = field.max_digits - field.decimal_places
    if not number.is_finite() or abs(number) >= Decimal(10) ** whole_digits:
        return None
    return number


def child_list(payload: dict, key: str) -> list | object:
    """The embedded child list; `MISSING` when the key is absent (not included: leave as is)."""
    if key not in payload:
        return MISSING
    value = payload[key]
    if value is None:
        return []
    if not isinstance(value, list):
        raise MappingError(f"'{key}' is not a list but {json_type(value)}")
    return value
