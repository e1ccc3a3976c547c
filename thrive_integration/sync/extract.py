"""Turning one Thrive payload into the column values of its mirror row.

Thrive's shapes are not fully known (thrive-api.md, "Unknown"), so scalar fields are read
leniently: a value of the wrong type becomes empty rather than failing the record, because the
raw payload is kept anyway. What makes a record unusable — no id, a payload that is not an
object, a child list that is not a list — raises MappingError, and the engine isolates it.
"""

from __future__ import annotations

import hashlib
import json
from datetime import UTC, datetime
from decimal import Decimal, InvalidOperation
from typing import Any

from django.db import models
from django.utils.dateparse import parse_datetime

from ..exceptions import MappingError

MISSING = object()


def remote_id_of(payload: Any) -> str:
    if not isinstance(payload, dict):
        raise MappingError(f"record is a {type(payload).__name__}, not an object")
    value = payload.get("id")
    if isinstance(value, bool) or not isinstance(value, (int, str)) or value == "":
        raise MappingError("record has no usable id")
    remote_id = str(value)
    if len(remote_id) > 64:
        raise MappingError("record id is longer than 64 characters")
    return remote_id


def content_hash(payload: Any) -> str:
    encoded = json.dumps(payload, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    return hashlib.sha256(encoded.encode("utf-8", "surrogatepass")).hexdigest()


def without_nul(payload: Any) -> Any:
    """PostgreSQL cannot store NUL in text or jsonb; drop it rather than lose the record."""
    # The common case costs one C-speed dump instead of a Python walk of the whole payload.
    if "\\u0000" not in json.dumps(payload):
        return payload
    return _strip_nul(payload)


def _strip_nul(payload: Any) -> Any:
    if isinstance(payload, str):
        return payload.replace("\x00", "")
    if isinstance(payload, dict):
        return {_strip_nul(key): _strip_nul(value) for key, value in payload.items()}
    if isinstance(payload, list):
        return [_strip_nul(item) for item in payload]
    return payload


def dig(payload: dict, path: str) -> Any:
    value: Any = payload
    for part in path.split("."):
        if not isinstance(value, dict):
            return None
        value = value.get(part)
    return value


def parse_timestamp(value: Any) -> datetime | None:
    if not isinstance(value, str):
        return None
    try:
        parsed = parse_datetime(value)
    except ValueError:
        return None
    if parsed is None:
        return None
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=UTC)


def coerce(field: models.Field, value: Any) -> Any:
    if isinstance(field, models.JSONField):
        return value if value is not None else field.get_default()
    if isinstance(field, models.DateTimeField):
        return parse_timestamp(value)
    if isinstance(field, models.BooleanField):
        return value if isinstance(value, bool) else None
    if isinstance(field, models.IntegerField):
        return value if isinstance(value, int) and not isinstance(value, bool) else None
    if isinstance(field, models.DecimalField):
        return _decimal(field, value)
    if isinstance(field, (models.CharField, models.TextField)):
        if value is None or isinstance(value, (dict, list)):
            return ""
        text = str(value)
        return text[: field.max_length] if field.max_length else text
    return value


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


def extract_fields(model: type[models.Model], mapping: dict[str, str], payload: dict) -> dict:
    values = {}
    for name, path in mapping.items():
        values[name] = coerce(model._meta.get_field(name), dig(payload, path))
    return values


def child_list(payload: dict, key: str) -> list | object:
    """The embedded child list; `MISSING` when the key is absent (not included: leave as is)."""
    if key not in payload:
        return MISSING
    value = payload[key]
    if value is None:
        return []
    if not isinstance(value, list):
        raise MappingError(f"'{key}' is a {type(value).__name__}, not a list")
    return value
