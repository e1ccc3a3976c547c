"""Put a contact into a search, and move a candidacy along: Thrive's candidacy writes.

A second candidacy for one contact in one search is something Thrive itself refuses (409,
naming the existing one), so re-sending a create whose answer was lost cannot duplicate: the
409 is the lookup, and the entry links to the candidacy it names. Updates read the candidacy
first and send only what differs, so repeating one changes nothing (not even `rejected_at`).
"""

from __future__ import annotations

from typing import Any

from ..exceptions import Conflict
from ..models import CandidacyStage, CandidateProfile, Connection
from ..thrive import ThriveClient, record_path
from . import mirror
from .contacts import refuse_off_limits, refuse_off_limits_contact
from .errors import ExportRefused
from .targets import contact_id_for, required


def add_to_search(
    client: ThriveClient,
    connection: Connection,
    profile: CandidateProfile | None,
    payload: dict[str, Any],
) -> str:
    """The Thrive id of the contact's candidacy in the search, created if it has none.

    `payload`: `search_id` (required), `contact_id` (else the profile's linked contact),
    `candidacy_stage_id` (else the search's default stage, else the first active stage) and
    `source`.
    """
    search_id = required(payload, "search_id")
    contact_id = contact_id_for(profile, payload)
    if profile is not None:
        refuse_off_limits(profile)
    refuse_off_limits_contact(mirror.fetch(client, "contacts", contact_id))
    candidacy = {
        "contact_id": contact_id,
        "search_id": search_id,
        "candidacy_stage_id": payload.get("candidacy_stage_id")
        or _default_stage(client, connection, search_id),
        "source": payload.get("source") or (profile.source if profile else "") or None,
    }
    try:
        created = client.create("/candidacies", candidacy, envelope="candidacy")
        candidacy_id = str(created["id"])
    except Conflict as exc:
        if exc.existing_id is None:
            raise
        candidacy_id = str(exc.existing_id)
    mirror.refresh(client, connection, "candidacies", candidacy_id)
    return candidacy_id


def update_candidacy(client: ThriveClient, connection: Connection, payload: dict[str, Any]) -> str:
    """Apply `candidacy_stage_id` and/or `rejection_reason` (null clears it) to `candidacy_id`."""
    candidacy_id = str(required(payload, "candidacy_id"))
    current = mirror.fetch(client, "candidacies", candidacy_id)
    changes = {}
    stage_id = payload.get("candidacy_stage_id")
    if stage_id is not None and str((current.get("candidacy_stage") or {}).get("id")) != str(
        stage_id
    ):
        changes["candidacy_stage_id"] = stage_id
    if (
        "rejection_reason" in payload
        and current.get("rejection_reason") != payload["rejection_reason"]
    ):
        changes["rejection_reason"] = payload["rejection_reason"]
    if changes:
        client.update(record_path("/candidacies", candidacy_id), changes, envelope="candidacy")
        current = mirror.fetch(client, "candidacies", candidacy_id)
    mirror.store(connection, "candidacies", current)
    return candidacy_id


def _default_stage(client: ThriveClient, connection: Connection, search_id: object) -> str:
    """The search's default stage, else the first active stage Thrive lists."""
    search = client.get(record_path("/searches", search_id))
    if search.get("default_candidacy_stage_id"):
        return str(search["default_candidacy_stage_id"])
    stage = (
        CandidacyStage.objects.filter(connection=connection, remote_deleted_at__isnull=True)
        .exclude(active=False)
        .order_by("position", "id")
        .first()
    )
    if stage is None:
        raise ExportRefused(
            f"Search {search_id} has no default stage and no candidacy stages are imported; "
            "name a stage or import the candidacy stages first."
        )
    return stage.remote_id
