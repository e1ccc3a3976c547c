"""Add a note to a Thrive contact.

Thrive accepts the same note twice, so after a lost answer the contact's notes are read and a
note with the same text is taken as ours instead of writing a second one. Text is compared
after sanitising both sides, because Thrive may store the markup differently from how it came.
"""

from __future__ import annotations

from typing import Any

from ..models import CandidateProfile, Connection
from ..normalize import safe_note
from ..thrive import ThriveClient, record_path
from . import mirror
from .targets import contact_id_for, required


def add_note(
    client: ThriveClient,
    connection: Connection,
    profile: CandidateProfile | None,
    payload: dict[str, Any],
    *,
    look_up_first: bool,
) -> str:
    """The Thrive id of the note: `payload` has `body` and `contact_id` (else the profile's)."""
    body = str(required(payload, "body"))
    contact_id = contact_id_for(profile, payload)
    note_id = _existing_note(client, contact_id, body) if look_up_first else None
    if note_id is None:
        note = client.create(
            record_path("/contacts", contact_id, "notes"), {"body": body}, envelope="note"
        )
        note_id = str(note["id"])
    mirror.refresh(client, connection, "contacts", contact_id)
    return note_id


def _existing_note(client: ThriveClient, contact_id: str, body: str) -> str | None:
    wanted = safe_note(body).text
    for page in client.iter_pages(record_path("/contacts", contact_id, "notes")):
        for note in page.records:
            if safe_note(note.get("body")).text == wanted:
                return str(note["id"])
    return None
