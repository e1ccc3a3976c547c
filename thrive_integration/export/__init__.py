"""The write path to Thrive: every export is an outbox row, processed exactly once.

Public entry points:
- `enqueue(kind, connection=..., profile=..., application=..., payload=..., idempotency_key=...)`
  makes (or finds, for the same key) an outbox row and runs it on a worker after commit;
- `export_profile(profile, search_id=...)` is `enqueue` for the commonest case;
- `process(entry_id)` makes one attempt at a row (the task and the schedule call it);
- `retry(entry)` re-arms a failed row after a person fixed its cause.

Modules: `outbox` (rows, claims, outcomes), `processor` (one attempt, error → state),
`contacts`, `candidacies`, `notes` (the writes), `keylocks` (exports that could create one
contact take turns), `fields` and `referral` (what a profile becomes in Thrive), `mirror`
(Thrive's answer into the mirror), `tasks` and `schedules` (django-q2).
"""

from __future__ import annotations

from typing import Any

from ..models import CandidateProfile, Connection, OutboxEntry, OutboxKind
from . import outbox
from .errors import ExportRefused
from .processor import process

__all__ = ["ExportRefused", "enqueue", "export_profile", "process", "retry"]


def enqueue(
    kind: str,
    *,
    connection: Connection,
    profile: CandidateProfile | None = None,
    application: Any = None,
    payload: dict[str, Any],
    idempotency_key: str | None = None,
) -> OutboxEntry:
    """The outbox row for this request; a new row is processed once the transaction commits.

    `application` is an Application (or its id). Without `idempotency_key`, the same request
    for the same profile version maps to the same row, so a double click is one export. That
    row, if it failed, is re-armed as `retry` would: asking again is how a person retries, and
    answering with the failed row alone would accept the request and never send it.
    """
    if profile is not None and profile.connection_id != connection.pk:
        raise ValueError("the profile belongs to another connection")
    application_id = getattr(application, "pk", application)
    key = idempotency_key or outbox.default_key(kind, profile, application_id, payload)
    entry, created = outbox.add_entry(
        kind,
        connection=connection,
        profile=profile,
        application_id=application_id,
        payload=payload,
        idempotency_key=key,
    )
    if created:
        outbox.schedule(entry.pk)
    elif retry(entry):
        entry.refresh_from_db()
    return entry


def export_profile(
    profile: CandidateProfile,
    *,
    search_id: str | None = None,
    candidacy_stage_id: str | None = None,
    tags: dict[str, Any] | None = None,
) -> OutboxEntry:
    """Export a profile to Thrive, then (with `search_id`) add it to that search.

    `tags` may set `icp_name`, `icp_owner_name`, `shortlisted_by` and extra `tags` for this
    export's lines in `referred_by_notes`.
    """
    payload: dict[str, Any] = dict(tags or {})
    if search_id:
        payload["search_id"] = str(search_id)
    if candidacy_stage_id:
        payload["candidacy_stage_id"] = str(candidacy_stage_id)
    return enqueue(
        OutboxKind.EXPORT_PROFILE, connection=profile.connection, profile=profile, payload=payload
    )


def retry(entry: OutboxEntry) -> bool:
    """Re-arm a failed row and run it after commit; False if the row had not failed."""
    if not outbox.retry(entry):
        return False
    outbox.schedule(entry.pk)
    return True
