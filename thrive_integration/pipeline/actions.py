"""Advance and reject applications: checked here, written to Thrive through the export outbox.

Nothing local changes when an action is accepted except a pending mark: the application keeps
showing Thrive's stage until Thrive has confirmed the write (the outbox stores Thrive's answer
in the candidacy mirror, and `applications.settle_confirmed` carries it over). A platform that
showed the new stage first would have to undo it when Thrive refuses, and the recruiter would
have seen a move that never happened.

The checks (excluded stage, excluded reason, removed stage) run on the server whatever the
client offered: a stale page or a hand-made request gets the same answer as the UI.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any

from django.db import transaction

from .. import export
from ..models import Application, Connection, OutboxEntry, OutboxKind, OutboxState, StageMapping
from . import choices
from .errors import PipelineRefused

UNFINISHED_STATES = (OutboxState.PENDING, OutboxState.IN_PROGRESS, OutboxState.NEEDS_LOOKUP)


@dataclass(frozen=True)
class ActionOutcome:
    """One application's result in a bulk action: the outbox row, or why it was refused."""

    application_id: int
    entry_id: int | None = None
    error: str = ""

    @property
    def ok(self) -> bool:
        return not self.error


def advance(application: Application, mapping: StageMapping) -> OutboxEntry:
    """Ask Thrive to move the application's candidacy to the Thrive stage of `mapping`."""
    choices.check_advance_target(application.connection, mapping)
    if application.rejected:
        raise PipelineRefused("A rejected application cannot be advanced.")
    if application.stage_mapping_id == mapping.pk:
        raise PipelineRefused(f"The application is already at {mapping.candidacy_stage.name!r}.")
    return _write(application, {"candidacy_stage_id": mapping.candidacy_stage.remote_id})


def reject(application: Application, reason: str) -> OutboxEntry:
    """Ask Thrive to reject the application's candidacy with `reason`."""
    cleaned = choices.check_rejection_reason(application.connection, reason)
    if application.rejected:
        raise PipelineRefused("The application is already rejected.")
    return _write(application, {"rejection_reason": cleaned})


def bulk_advance(
    connection: Connection, application_ids: Iterable[int], mapping: StageMapping
) -> list[ActionOutcome]:
    """Advance each application on its own; one refused does not stop the others."""
    choices.check_advance_target(connection, mapping)
    return _each(connection, application_ids, lambda application: advance(application, mapping))


def bulk_reject(
    connection: Connection, application_ids: Iterable[int], reason: str
) -> list[ActionOutcome]:
    """Reject each application on its own; one refused does not stop the others."""
    cleaned = choices.check_rejection_reason(connection, reason)
    return _each(connection, application_ids, lambda application: reject(application, cleaned))


def _each(
    connection: Connection,
    application_ids: Iterable[int],
    action: Callable[[Application], OutboxEntry],
) -> list[ActionOutcome]:
    ids = list(dict.fromkeys(application_ids))
    found = {
        application.pk: application
        for application in Application.objects.filter(
            connection=connection, pk__in=ids
        ).select_related("connection", "candidacy", "pending_entry", "stage_mapping")
    }
    outcomes = []
    for application_id in ids:
        application = found.get(application_id)
        if application is None:
            outcomes.append(ActionOutcome(application_id, error="No such application."))
            continue
        try:
            entry = action(application)
        except PipelineRefused as refusal:
            outcomes.append(ActionOutcome(application_id, error=str(refusal)))
        else:
            outcomes.append(ActionOutcome(application_id, entry_id=entry.pk))
    return outcomes


def _write(application: Application, change: dict[str, Any]) -> OutboxEntry:
    if application.candidacy.remote_deleted_at is not None:
        # Thrive would answer 404: refused now, as a removed stage is, not as a failed row later.
        raise PipelineRefused("The candidacy was deleted in Thrive.")
    payload = {"candidacy_id": application.candidacy.remote_id, **change}
    with transaction.atomic():
        # Checked on the row as it is now, locked: two requests for one application (to two
        # stages, say) may both have loaded it before either wrote; only the first goes out.
        pending = (
            Application.objects.select_for_update(of=("self",))
            .select_related("pending_entry")
            .get(pk=application.pk)
            .pending_entry
        )
        if pending is not None and pending.state in UNFINISHED_STATES:
            raise PipelineRefused(
                "An earlier change to this application is still being written to Thrive."
            )
        entry = export.enqueue(
            OutboxKind.UPDATE_CANDIDACY,
            connection=application.connection,
            application=application,
            payload=payload,
            idempotency_key=_idempotency_key(application, payload),
        )
        Application.objects.filter(pk=application.pk).update(pending_entry=entry)
    application.pending_entry = entry
    return entry


def _idempotency_key(application: Application, payload: dict[str, Any]) -> str:
    """One row per change of one candidacy version.

    A double click asks again of the same version and finds the first row; the same change
    asked after the candidacy moved on (back to a stage it left) is a new write.
    """
    change = "|".join(f"{name}={payload[name]}" for name in sorted(payload))
    digest = hashlib.sha256(f"{application.candidacy_hash}|{change}".encode()).hexdigest()[:32]
    return f"update_candidacy:{application.pk}:{digest}"
