"""Build Thrive mirror rows directly in the database, shaped as docs/thrive-wire.md says.

`make_contact` stores a contact payload with its children embedded under their Thrive keys
(as the import stores it) and the matching child mirror rows.
"""

from __future__ import annotations

import hashlib
import itertools
import json
from typing import Any

from django.utils import timezone

from thrive_integration.models import (
    Connection,
    Contact,
    ContactDocument,
    ContactNote,
    Education,
    OffLimitReason,
    Position,
)

_ids = itertools.count(1000)

CHILD_MODELS = {
    "positions": (
        Position,
        {"company_name": "company_name", "title": "title", "start_date": "start_date"},
    ),
    "educations": (Education, {"school_name": "school_name", "degree": "degree"}),
    "notes": (ContactNote, {"body": "body"}),
    "documents": (ContactDocument, {"file_name": "file_name", "url": "url"}),
    "off_limit_reasons": (OffLimitReason, {"reason": "reason", "expires_on": "expires_on"}),
}


def make_connection(owner: str = "user:1", name: str | None = None) -> Connection:
    connection = Connection(owner=owner, name=name or f"thrive-{next(_ids)}")
    connection.set_api_key("test-key-0123456789abcdef")
    connection.save()
    return connection


def contact_payload(remote_id: str, **fields: Any) -> dict[str, Any]:
    """A realistic contact payload; any field may be overridden, children included."""
    now = timezone.now().isoformat()
    payload = {
        "id": remote_id,
        "created_at": now,
        "updated_at": now,
        "first_name": "Ada",
        "last_name": f"Lovelace {remote_id}",
        "preferred_name": None,
        "email": f"ada{remote_id}@example.com",
        "work_email": None,
        "phone": "+44 20 7946 0000",
        "city": "London",
        "state": None,
        "country": "United Kingdom",
        "linkedin_url": f"https://www.linkedin.com/in/ada-{remote_id}/",
        "github_url": None,
        "twitter_url": None,
        "other_url": None,
        "skills": ["Mathematics", "Engines"],
        "avatar": None,
        "source": "Referral",
        "referred_by_notes": None,
        "merged_into_id": None,
        "positions": [
            {
                "id": f"{remote_id}-p1",
                "company_id": "77",
                "company_name": "Analytical Engines Ltd",
                "title": "Programmer",
                "start_date": "1842-09",
                "end_date": "Present",
                "current": True,
            }
        ],
        "educations": [],
        "notes": [],
        "contact_comments": [],
        "documents": [],
        "off_limit_reasons": [],
        "outreaches": [],
        "connections": [],
        "references": [],
        "introductions": [],
    }
    payload.update(fields)
    return payload


def _mirror_fields(connection: Connection, data: dict[str, Any], remote_id: str) -> dict[str, Any]:
    now = timezone.now()
    return {
        "connection": connection,
        "remote_id": remote_id,
        "remote_data": data,
        "content_hash": hashlib.sha256(json.dumps(data, sort_keys=True).encode()).hexdigest(),
        "first_synced_at": now,
        "last_synced_at": now,
    }


def make_contact(connection: Connection, remote_id: str | None = None, **fields: Any) -> Contact:
    payload = contact_payload(remote_id or str(next(_ids)), **fields)
    contact = Contact.objects.create(
        **_mirror_fields(connection, payload, payload["id"]),
        first_name=(payload.get("first_name") or "")[:255],
        last_name=(payload.get("last_name") or "")[:255],
        email=(payload.get("email") or "")[:255],
        linkedin_url=(payload.get("linkedin_url") or "")[:500],
        merged_into_remote_id=str(payload.get("merged_into_id") or ""),
    )
    for key, (model, columns) in CHILD_MODELS.items():
        for child in payload.get(key) or []:
            model.objects.create(
                contact=contact,
                # Tests reuse child ids across contacts; the mirror's are unique per connection.
                **_mirror_fields(connection, child, f"{payload['id']}:{next(_ids)}"),
                **{column: str(child.get(name) or "")[:255] for name, column in columns.items()},
            )
    return contact


def update_payload(contact: Contact, **fields: Any) -> Contact:
    contact.remote_data = {**contact.remote_data, **fields}
    contact.merged_into_remote_id = str(contact.remote_data.get("merged_into_id") or "")
    contact.save()
    return contact
