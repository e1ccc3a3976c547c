"""Payload validation for writes: 422 with per-field messages, as Thrive answers.

Reference fields are resolved through a ``ref(kind, raw)`` callback returning the internal id
of an existing record (or None), so this module knows field rules and nothing of storage.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from datetime import datetime

from thrive_integration.sandbox.errors import invalid
from thrive_integration.sandbox.render import to_us
from thrive_integration.sandbox.words import CHANNELS, CONNECTION_TYPES, STRENGTHS

Ref = Callable[[str, object], "int | None"]
_EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")
_URL = re.compile(r"^https?://\S+$", re.IGNORECASE)
# field -> rule; a rule is "text", "email", "url", "date", "time", "bool", "skills",
# "enum:<choices>" joined with "|", or "ref:<kind>".
CONTACT_RULES = {
    "first_name": "text",
    "last_name": "text",
    "preferred_name": "text",
    "email": "email",
    "work_email": "email",
    "phone": "text",
    "city": "text",
    "state": "text",
    "country": "text",
    "linkedin_url": "url",
    "github_url": "url",
    "twitter_url": "url",
    "other_url": "url",
    "avatar": "url",
    "skills": "skills",
    "source": "text",
    "referred_by_notes": "text",
}
POSITION_RULES = {
    "company_id": "ref:companies",
    "company_name": "text",
    "title": "text",
    "start_date": "date",
    "end_date": "date",
    "current": "bool",
}
CHILD_RULES: dict[str, dict[str, str]] = {
    "notes": {"body": "text", "user_id": "ref:users"},
    "outreaches": {
        "channel": "enum:" + "|".join(CHANNELS),
        "subject": "text",
        "notes": "text",
        "user_id": "ref:users",
        "occurred_at": "time",
    },
    "connections": {
        "connected_contact_id": "ref:contacts",
        "connection_type": "enum:" + "|".join(CONNECTION_TYPES),
        "strength": "enum:" + "|".join(STRENGTHS),
        "connected_on": "date",
        "notes": "text",
    },
    "references": {
        "referee_contact_id": "ref:contacts",
        "search_id": "ref:searches",
        "notes": "text",
    },
    "introductions": {
        "introduced_contact_id": "ref:contacts",
        "introduced_by_user_id": "ref:users",
        "search_id": "ref:searches",
        "notes": "text",
        "introduced_on": "date",
    },
}
CHILD_REQUIRED = {
    "notes": ("body",),
    "outreaches": ("channel",),
    "connections": ("connected_contact_id", "connection_type"),
    "references": ("referee_contact_id",),
    "introductions": ("introduced_contact_id",),
}
SINGULAR = {
    "notes": "note",
    "outreaches": "outreach",
    "connections": "connection",
    "references": "reference",
    "introductions": "introduction",
}


def unwrap(payload: object, singular: str) -> dict:
    """``{"contact": {...}}`` or the bare object; anything else is a 422."""
    if isinstance(payload, dict) and isinstance(payload.get(singular), dict):
        return payload[singular]
    if isinstance(payload, dict):
        return payload
    raise invalid({"base": [f"expected a JSON object or {{{singular!r}: {{...}}}}"]})


def clean(payload: dict, rules: dict[str, str], ref: Ref, errors: dict[str, list[str]]) -> dict:
    """The known fields of ``payload``, converted; problems are added to ``errors``."""
    out = {}
    for name, rule in rules.items():
        if name not in payload:
            continue
        value = payload[name]
        problem, converted = _check(rule, value, ref)
        if problem:
            errors.setdefault(name, []).append(problem)
        else:
            out[name] = converted
    return out


def _check(rule: str, value: object, ref: Ref) -> tuple[str | None, object]:
    if value is None:
        return None, None
    kind, _, arg = rule.partition(":")
    if kind == "ref":
        found = ref(arg, value)
        return (None, found) if found is not None else ("does not exist", None)
    if kind == "bool":
        return (None, value) if isinstance(value, bool) else ("must be true or false", None)
    if kind == "skills":
        ok = isinstance(value, list) and all(isinstance(item, str) for item in value)
        return (None, value) if ok else ("must be a list of strings", None)
    if not isinstance(value, str):
        return "must be a string", None
    if kind == "email" and not _EMAIL.match(value):
        return "is not a valid email address", None
    if kind == "url" and not _URL.match(value):
        return "must be an http(s) URL", None
    if kind == "enum" and value not in arg.split("|"):
        return f"must be one of {arg.replace('|', ', ')}", None
    if kind == "time":
        try:
            return None, to_us(datetime.fromisoformat(value))
        except ValueError:
            return "is not an ISO 8601 timestamp", None
    return None, value


def clean_contact(
    payload: dict, ref: Ref, *, partial: bool, name_required: bool = True
) -> tuple[dict, list[dict] | None]:
    """(contact fields, inline positions or None when not sent); raises 422."""
    errors: dict[str, list[str]] = {}
    fields = clean(payload, CONTACT_RULES, ref, errors)
    named = fields.get("first_name") or fields.get("last_name")
    if not partial and name_required and not named:
        errors.setdefault("first_name", []).append("first_name or last_name is required")
    positions = None
    if "positions" in payload:
        raw = payload["positions"]
        if raw is None:
            positions = []
        elif isinstance(raw, list) and all(isinstance(item, dict) for item in raw):
            positions = [clean(item, POSITION_RULES, ref, errors) for item in raw]
        else:
            errors.setdefault("positions", []).append("must be a list of objects")
    if errors:
        raise invalid(errors)
    return fields, positions


def clean_child(child: str, payload: dict, ref: Ref, *, partial: bool) -> dict:
    errors: dict[str, list[str]] = {}
    fields = clean(payload, CHILD_RULES[child], ref, errors)
    if not partial:
        for name in CHILD_REQUIRED[child]:
            if fields.get(name) is None and name not in errors:
                errors[name] = ["is required"]
    if errors:
        raise invalid(errors)
    return fields
