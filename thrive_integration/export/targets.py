"""What an outbox payload points at: the values a write cannot do without."""

from __future__ import annotations

from typing import Any

from ..models import CandidateProfile
from .errors import ExportRefused


def required(payload: dict[str, Any], name: str) -> Any:
    if payload.get(name) in (None, ""):
        raise ExportRefused(f"The export request names no {name}.")
    return payload[name]


def contact_id_for(profile: CandidateProfile | None, payload: dict[str, Any]) -> str:
    """The payload's `contact_id`, else the Thrive contact the profile is linked to."""
    if payload.get("contact_id"):
        return str(payload["contact_id"])
    contact = profile.contact if profile is not None else None
    if contact is None:
        raise ExportRefused(
            "The profile is not linked to a Thrive contact yet; export the profile first."
        )
    return contact.remote_id
