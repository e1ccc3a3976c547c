"""The outbox's bookkeeping: adding a row once, claiming it for one worker, recording outcomes.

Claiming is a conditional UPDATE that names the state and attempt count the worker just read,
so of two workers racing for one row exactly one UPDATE matches, on any database. A claim is a
lease: a worker killed mid-write leaves an IN_PROGRESS row that becomes claimable again when
the lease runs out, and the next worker treats it like a lost answer (look up first), because
the dead worker may have written before dying.
"""

from __future__ import annotations

import hashlib
import json
import uuid
from dataclasses import dataclass
from datetime import datetime, timedelta

from django.db import IntegrityError, transaction
from django.db.models import Q
from django.utils import timezone
from django_q.tasks import async_task

from ..models import CandidateProfile, Connection, OutboxEntry, OutboxKind, OutboxState
from ..models.outbox import CLAIMABLE_STATES
from ..redaction import redact

# A worker finishes one entry in a few requests; a lease this long means the worker is gone.
LEASE_SECONDS = 300
# Retries of 429/5xx: 30 s, 1 min, 2 min ... capped at an hour; then the row fails visibly.
BACKOFF_BASE_SECONDS = 30
BACKOFF_CAP_SECONDS = 3600
MAX_ATTEMPTS = 8
MAX_ERROR_LENGTH = 2000


@dataclass(frozen=True)
class Claim:
    """A row this worker owns, and whether an earlier attempt may have written already."""

    entry: OutboxEntry
    look_up_first: bool


def add_entry(
    kind: str,
    *,
    connection: Connection,
    profile: CandidateProfile | None,
    application_id: int | None,
    payload: dict,
    idempotency_key: str,
) -> tuple[OutboxEntry, bool]:
    """The row for this key, made now or by an earlier request; and whether it is new."""
    if kind not in OutboxKind.values:
        raise ValueError(f"unknown outbox kind {kind!r}")
    existing = OutboxEntry.objects.filter(
        connection=connection, idempotency_key=idempotency_key
    ).first()
    if existing:
        return existing, False
    try:
        # A savepoint, so a racing twin's INSERT failing here leaves the caller's transaction
        # usable; the unique constraint is what makes a double click one row.
        with transaction.atomic():
            entry = OutboxEntry.objects.create(
                connection=connection,
                kind=kind,
                profile=profile,
                application_id=application_id,
                payload=payload,
                idempotency_key=idempotency_key,
                next_attempt_at=timezone.now(),
            )
    except IntegrityError:
        return OutboxEntry.objects.get(
            connection=connection, idempotency_key=idempotency_key
        ), False
    return entry, True


def default_key(
    kind: str, profile: CandidateProfile | None, application_id: int | None, payload: dict
) -> str:
    """Same request for the same profile version → same key → the same row.

    The profile's `updated_at` is part of it: a double click finds the first click's row,
    while exporting the profile again after it changed makes a new row.
    """
    material = json.dumps(
        {
            "payload": payload,
            "version": profile.updated_at.isoformat() if profile and profile.updated_at else "",
        },
        sort_keys=True,
        default=str,
    )
    digest = hashlib.sha256(material.encode()).hexdigest()[:24]
    return f"{kind}:{profile.pk if profile else '-'}:{application_id or '-'}:{digest}"


def schedule(entry_id: int) -> None:
    """Run the entry on a worker once the transaction that made it commits."""
    transaction.on_commit(
        lambda: async_task(
            "thrive_integration.export.tasks.export_outbox_entry",
            entry_id,
            task_name=f"thrive-export-entry-{entry_id}-{uuid.uuid4().hex[:8]}",
        )
    )


def _claimable(now: datetime) -> Q:
    due = Q(state__in=CLAIMABLE_STATES) & (
        Q(next_attempt_at__isnull=True) | Q(next_attempt_at__lte=now)
    )
    abandoned = Q(state=OutboxState.IN_PROGRESS, lease_expires_at__lt=now)
    return due | abandoned


def claim(entry_id: int, *, now: datetime | None = None) -> Claim | None:
    """Take the row for this worker, or None if it is not due or another worker has it."""
    now = now or timezone.now()
    seen = OutboxEntry.objects.filter(_claimable(now), pk=entry_id).first()
    if seen is None:
        return None
    holder = uuid.uuid4().hex
    won = OutboxEntry.objects.filter(
        pk=entry_id, state=seen.state, attempts=seen.attempts, claimed_by=seen.claimed_by
    ).update(
        state=OutboxState.IN_PROGRESS,
        attempts=seen.attempts + 1,
        claimed_by=holder,
        lease_expires_at=now + timedelta(seconds=LEASE_SECONDS),
        updated_at=now,
    )
    if not won:
        return None
    # NEEDS_LOOKUP, or an IN_PROGRESS row whose worker died: either may have written already.
    look_up_first = seen.state != OutboxState.PENDING
    return Claim(OutboxEntry.objects.get(pk=entry_id), look_up_first)


def due_entry_ids(connection: Connection, *, limit: int = 100) -> list[int]:
    """Ids of rows ready for an attempt, oldest first; claiming each is still per row."""
    return list(
        OutboxEntry.objects.filter(_claimable(timezone.now()), connection=connection)
        .order_by("id")
        .values_list("id", flat=True)[:limit]
    )


def _finish(entry: OutboxEntry, **changes: object) -> None:
    """Write an outcome only while this worker still holds the claim."""
    changes.setdefault("updated_at", timezone.now())
    OutboxEntry.objects.filter(pk=entry.pk, claimed_by=entry.claimed_by).update(
        claimed_by="", lease_expires_at=None, **changes
    )
    entry.refresh_from_db()


def mark_succeeded(entry: OutboxEntry, remote_id: str) -> None:
    now = timezone.now()
    _finish(
        entry,
        state=OutboxState.SUCCEEDED,
        remote_id=str(remote_id),
        last_error="",
        next_attempt_at=None,
        completed_at=now,
        updated_at=now,
    )


def mark_failed(entry: OutboxEntry, reason: str) -> None:
    """A final failure: a person must act (fix data, grant a permission) and then retry."""
    now = timezone.now()
    _finish(
        entry,
        state=OutboxState.FAILED,
        last_error=_readable(reason),
        next_attempt_at=None,
        completed_at=now,
        updated_at=now,
    )


def mark_for_retry(
    entry: OutboxEntry, reason: str, *, answer_lost: bool, wait_at_least: float | None = None
) -> None:
    """Try again later with backoff; after a lost answer the next attempt looks up first.

    The caller passes `answer_lost` also when this attempt only met a 429 but started from the
    lookup state: the write that may have happened is still unaccounted for.
    """
    if entry.attempts >= MAX_ATTEMPTS:
        mark_failed(entry, f"gave up after {entry.attempts} attempts; last error: {reason}")
        return
    wait = min(BACKOFF_BASE_SECONDS * 2 ** (entry.attempts - 1), BACKOFF_CAP_SECONDS)
    wait = max(wait, wait_at_least or 0)
    _finish(
        entry,
        state=OutboxState.NEEDS_LOOKUP if answer_lost else OutboxState.PENDING,
        last_error=_readable(reason),
        next_attempt_at=timezone.now() + timedelta(seconds=wait),
    )


def retry(entry: OutboxEntry) -> bool:
    """Re-arm a failed row (after a person fixed the cause); False if it is not failed.

    A failed row may hide a write whose answer was lost before it failed, so it restarts in
    the lookup state: looking first costs one request and can never duplicate.
    """
    return bool(
        OutboxEntry.objects.filter(pk=entry.pk, state=OutboxState.FAILED).update(
            state=OutboxState.NEEDS_LOOKUP,
            attempts=0,
            next_attempt_at=timezone.now(),
            completed_at=None,
            updated_at=timezone.now(),
        )
    )


def _readable(reason: str) -> str:
    return redact(reason)[:MAX_ERROR_LENGTH]
