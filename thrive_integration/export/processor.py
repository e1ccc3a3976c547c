"""One attempt at one outbox row: claim it, do its write, record what Thrive said.

What an error means for the row (DESIGN.md §4, "writes are never blindly retried"):
- a lost answer (timeout, reset, 5xx on a write) → NEEDS_LOOKUP: the next attempt looks the
  record up before writing, so a write that did happen is found instead of repeated;
- 429 and other transient trouble → retried later with backoff (the transport already waited
  out short 429s; what reaches here outlasted them);
- 401, 403, 404, 400/409/422 and our own refusals → FAILED with a reason a person can act on;
  sending the same request again would get the same answer.
"""

from __future__ import annotations

import logging
from collections.abc import Callable

from django.core.exceptions import ObjectDoesNotExist
from django.db import DatabaseError

from ..connections import client_for
from ..exceptions import (
    AuthenticationFailed,
    NotFound,
    PermissionMissing,
    RateLimited,
    ThriveIntegrationError,
    TransientError,
    UnclearWriteOutcome,
    ValidationFailed,
)
from ..models import OutboxEntry, OutboxKind
from ..thrive import ThriveClient
from . import outbox
from .candidacies import add_to_search, update_candidacy
from .contacts import export_profile
from .errors import ExportRefused
from .notes import add_note

logger = logging.getLogger(__name__)

Handler = Callable[[ThriveClient, outbox.Claim], str]


def _export_profile(client: ThriveClient, claim: outbox.Claim) -> str:
    entry = claim.entry
    if entry.profile is None:
        raise ExportRefused("The profile of this export no longer exists.")
    return export_profile(
        client, entry.connection, entry.profile, entry.payload, look_up_first=claim.look_up_first
    )


def _add_to_search(client: ThriveClient, claim: outbox.Claim) -> str:
    entry = claim.entry
    return add_to_search(client, entry.connection, entry.profile, entry.payload)


def _add_note(client: ThriveClient, claim: outbox.Claim) -> str:
    entry = claim.entry
    return add_note(
        client, entry.connection, entry.profile, entry.payload, look_up_first=claim.look_up_first
    )


def _update_candidacy(client: ThriveClient, claim: outbox.Claim) -> str:
    return update_candidacy(client, claim.entry.connection, claim.entry.payload)


HANDLERS: dict[str, Handler] = {
    OutboxKind.EXPORT_PROFILE: _export_profile,
    OutboxKind.ADD_TO_SEARCH: _add_to_search,
    OutboxKind.ADD_NOTE: _add_note,
    OutboxKind.UPDATE_CANDIDACY: _update_candidacy,
}


def process(entry_id: int) -> OutboxEntry | None:
    """Make one attempt if the row is due and free; return the row as it stands afterwards
    (None once it is gone: deleted with its connection, even during the attempt)."""
    try:
        claim = outbox.claim(entry_id)
        if claim is None:
            return OutboxEntry.objects.filter(pk=entry_id).first()
        return _attempt(claim)
    except (ObjectDoesNotExist, DatabaseError):
        # A connection deleted during the attempt takes the row and the mirror with it: there
        # is nothing left to record Thrive's answer on, which is no error of the worker's.
        if OutboxEntry.objects.filter(pk=entry_id).exists():
            raise
        logger.info(
            "outbox entry %s was deleted with its connection during its export; "
            "Thrive may have received the write",
            entry_id,
        )
        return None


def _attempt(claim: outbox.Claim) -> OutboxEntry:
    entry = claim.entry
    if entry.connection.is_disconnected:
        outbox.mark_failed(entry, "The Thrive connection is disconnected; reconnect, then retry.")
        return entry
    try:
        with client_for(entry.connection) as client:
            remote_id = HANDLERS[entry.kind](client, claim)
    except UnclearWriteOutcome as exc:
        outbox.mark_for_retry(entry, f"Thrive's answer was lost: {exc}", answer_lost=True)
    except RateLimited as exc:
        outbox.mark_for_retry(
            entry, str(exc), answer_lost=claim.look_up_first, wait_at_least=exc.retry_after
        )
    except TransientError as exc:
        outbox.mark_for_retry(entry, str(exc), answer_lost=claim.look_up_first)
    except ThriveIntegrationError as exc:
        outbox.mark_failed(entry, failure_reason(exc))
    except Exception:
        if not OutboxEntry.objects.filter(pk=entry.pk).exists():
            raise  # the connection went meanwhile, taking the row (see `process`)
        # A bug, not Thrive: keep the row visible as failed rather than retrying it forever.
        logger.exception("outbox entry %s failed unexpectedly", entry.pk)
        outbox.mark_failed(entry, "Internal error while exporting; see the server log.")
    else:
        outbox.mark_succeeded(entry, remote_id)
        _follow_up(entry)
    return entry


def failure_reason(exc: ThriveIntegrationError) -> str:
    """What a person reading the outbox needs to know to fix it."""
    if isinstance(exc, PermissionMissing):
        return (
            f"The Thrive API key lacks a permission this export needs ({exc}). "
            "Grant it to the key in Thrive, then retry."
        )
    if isinstance(exc, AuthenticationFailed):
        return f"Thrive refused the API key ({exc}). Enter a valid key, then retry."
    if isinstance(exc, ValidationFailed) and isinstance(exc.errors, dict) and exc.errors:
        fields = "; ".join(
            f"{name}: {', '.join(map(str, messages if isinstance(messages, list) else [messages]))}"
            for name, messages in exc.errors.items()
        )
        return f"Thrive refused the data ({exc.status}): {fields}"
    if isinstance(exc, NotFound):
        return f"The Thrive record no longer exists ({exc})."
    return str(exc)


def _follow_up(entry: OutboxEntry) -> None:
    """A profile exported into a search goes on to its candidacy, as its own row."""
    if entry.kind != OutboxKind.EXPORT_PROFILE or not entry.payload.get("search_id"):
        return
    payload = {
        "contact_id": entry.remote_id,
        **{
            name: entry.payload[name]
            for name in ("search_id", "candidacy_stage_id", "source")
            if entry.payload.get(name)
        },
    }
    candidacy, _ = outbox.add_entry(
        OutboxKind.ADD_TO_SEARCH,
        connection=entry.connection,
        profile=entry.profile,
        application_id=None,
        payload=payload,
        idempotency_key=outbox.default_key(OutboxKind.ADD_TO_SEARCH, entry.profile, None, payload),
    )
    # Done in this same attempt; if it cannot finish now, the export schedule picks it up.
    process(candidacy.pk)
