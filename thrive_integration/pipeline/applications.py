"""Applications from candidacies: a page of candidacies in, a constant number of statements out.

An application is derived from three things that change independently: its candidacy (stage,
rejection), the candidacy's stage mapping (platform stage, SLA days) and the profile its
contact feeds. `refresh` recomputes applications from all three for given candidacies, so the
import, the stage-mapping edits and Thrive's confirmation of an advance all share one path.
"""

from __future__ import annotations

from collections.abc import Iterable

from django.db.models import QuerySet
from django.utils import timezone

from ..lookups import by_pks
from ..models import (
    Application,
    Candidacy,
    Connection,
    ContactProfileLink,
    OutboxState,
    Search,
    StageMapping,
)
from ..sync.bulk import insert_rows, instance_row, update_rows
from . import sla

# What an application is derived from: the payload itself is not read (nor decoded).
CANDIDACY_FIELDS = (
    "connection_id",
    "contact_remote_id",
    "search_remote_id",
    "candidacy_stage_remote_id",
    "candidacy_stage_entered_at",
    "rejection_reason",
    "rejected_at",
    "content_hash",
)

# Outbox states in which Thrive has had its say on an advance or reject.
ANSWERED_STATES = (OutboxState.SUCCEEDED, OutboxState.FAILED)

DERIVED_FIELDS = (
    "profile",
    "search",
    "stage_mapping",
    "pipeline_stage",
    "stage_entered_at",
    "rejected",
    "rejection_reason",
    "rejected_at",
    "sla_due_at",
    "candidacy_hash",
)
WRITTEN_FIELDS = (*DERIVED_FIELDS, "updated_at")


def refresh(connection: Connection, candidacy_ids: Iterable[int]) -> int:
    """Create or update the applications of these candidacies; return how many were written."""
    candidacies = by_pks(Candidacy.objects.only(*CANDIDACY_FIELDS), connection, candidacy_ids)
    if not candidacies:
        return 0
    mappings = {
        mapping.candidacy_stage.remote_id: mapping
        for mapping in StageMapping.objects.filter(
            connection=connection,
            candidacy_stage__remote_id__in={c.candidacy_stage_remote_id for c in candidacies},
        ).select_related("candidacy_stage")
    }
    # From the contact's (connection, remote id) index to its link: no scan of the links.
    profile_ids = dict(
        ContactProfileLink.objects.filter(
            contact__connection=connection,
            contact__remote_id__in={c.contact_remote_id for c in candidacies},
        )
        .order_by()
        .values_list("contact__remote_id", "profile_id")
    )
    search_ids = dict(
        Search.objects.filter(
            connection=connection, remote_id__in={c.search_remote_id for c in candidacies}
        )
        .order_by()
        .values_list("remote_id", "pk")
    )
    existing = {
        application.candidacy_id: application
        for application in Application.objects.filter(candidacy__in=candidacies).order_by()
    }
    created, updated = [], []
    for candidacy in candidacies:
        application = existing.get(candidacy.pk) or Application(
            connection=connection, candidacy=candidacy
        )
        mapping = mappings.get(candidacy.candidacy_stage_remote_id)
        application.profile_id = profile_ids.get(candidacy.contact_remote_id)
        application.search_id = search_ids.get(candidacy.search_remote_id)
        _apply_candidacy(application, candidacy, mapping)
        (updated if application.pk else created).append(application)
    now = timezone.now()
    for application in created + updated:
        application.updated_at = now
    # A concurrent refresh (a stage-mapping edit) may have created one meanwhile: it wins.
    rows = [instance_row(application) for application in created]
    insert_rows(Application, rows, conflict="candidacy_id")
    update_rows(Application, [instance_row(a, WRITTEN_FIELDS) for a in updated], WRITTEN_FIELDS)
    return len(created) + len(updated)


def _apply_candidacy(
    application: Application, candidacy: Candidacy, mapping: StageMapping | None
) -> None:
    application.stage_mapping = mapping
    application.pipeline_stage_id = mapping.pipeline_stage_id if mapping else None
    application.stage_entered_at = candidacy.candidacy_stage_entered_at
    application.rejected = bool(candidacy.rejection_reason) or candidacy.rejected_at is not None
    application.rejection_reason = candidacy.rejection_reason
    application.rejected_at = candidacy.rejected_at
    application.sla_due_at = sla.due_at(
        candidacy.candidacy_stage_entered_at, mapping.sla_days if mapping else None
    )
    application.candidacy_hash = candidacy.content_hash


def refresh_in_stages(connection: Connection, stage_remote_ids: Iterable[str]) -> int:
    """Re-derive the applications sitting in these Thrive stages (their mapping changed)."""
    candidacy_ids = Candidacy.objects.filter(
        connection=connection, candidacy_stage_remote_id__in=list(stage_remote_ids)
    ).values_list("pk", flat=True)
    return refresh(connection, list(candidacy_ids))


def refresh_for_mappings(connection: Connection, mapping_ids: Iterable[int]) -> int:
    """Re-derive the applications in the Thrive stages of these mappings."""
    stage_remote_ids = StageMapping.objects.filter(
        connection=connection, pk__in=list(mapping_ids)
    ).values_list("candidacy_stage__remote_id", flat=True)
    return refresh_in_stages(connection, stage_remote_ids)


def settle_confirmed(connection: Connection) -> int:
    """Show Thrive's answer on applications whose advance or reject it has now handled.

    The export stores Thrive's answer in the candidacy mirror; the application follows the
    mirror here. A failed write clears the pending mark too: the application then shows
    Thrive's unchanged stage, and the failed outbox row says why.
    """
    # Few applications have a pending write: found by that index, not among the connection's
    # applications (see lookups.py), so each import page pays the same.
    answered = Application.objects.filter(
        pending_entry__isnull=False, pending_entry__state__in=ANSWERED_STATES
    ).values_list("pk", "candidacy_id", "connection_id")
    settled = [(pk, candidacy) for pk, candidacy, owner in answered if owner == connection.pk]
    if not settled:
        return 0
    Application.objects.filter(pk__in=[pk for pk, _ in settled]).update(pending_entry=None)
    return refresh(connection, [candidacy_id for _, candidacy_id in settled])


def settle_answered(connections: QuerySet[Connection]) -> int:
    """`settle_confirmed` for those of `connections` with an answered advance or reject.

    Readers (REST, admin) call this first, so Thrive's answer shows even before the next
    import; one query when there is nothing to settle.
    """
    answered = connections.filter(applications__pending_entry__state__in=ANSWERED_STATES)
    return sum(settle_confirmed(connection) for connection in answered.distinct())
