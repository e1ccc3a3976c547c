"""Applications from candidacies: a page of candidacies in, a constant number of statements out.

An application is derived from three things that change independently: its candidacy (stage,
rejection), the candidacy's stage mapping (platform stage, SLA days) and the profile its
contact feeds. `refresh` recomputes applications from all three for given candidacies, so the
import, the stage-mapping edits and Thrive's confirmation of an advance all share one path.
The fields the candidacy field mappings write (`source`) come from the candidacy's payload,
which `refresh` never decodes: its callers hand them over when they may have changed (the
import and the remap, see mapping/candidacies.py), and the others leave them as they are.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

from django.db.models import QuerySet
from django.utils import timezone

from ..lookups import by_pks, values_in
from ..mapping.apply import empty_values
from ..models import (
    Application,
    Candidacy,
    Connection,
    ContactProfileLink,
    FieldMapping,
    OutboxState,
    Search,
    StageMapping,
)
from ..sync.bulk import insert_rows, update_rows
from . import sla

# What an application is derived from: the payload itself is not read (nor decoded). Read as
# tuples, with the pk of the candidacy's application if it has one: a page builds no model
# instance, which was most of its cost.
CANDIDACY_FIELDS = (
    "pk",
    "connection_id",
    "contact_remote_id",
    "search_remote_id",
    "candidacy_stage_remote_id",
    "candidacy_stage_entered_at",
    "rejection_reason",
    "rejected_at",
    "content_hash",
    "application__pk",
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
# What the candidacy field mappings write, empty: a new application's until they are mapped.
UNMAPPED = empty_values(FieldMapping.ThriveObject.CANDIDACY)
MAPPED_FIELDS = tuple(UNMAPPED)
# A candidacy in a Thrive stage without a mapping: (mapping, platform stage, SLA days).
NO_MAPPING = (None, None, None)


# Candidacy id → the fields its application takes through the candidacy field mappings.
MappedFields = Mapping[int, Mapping[str, Any]]


def refresh(
    connection: Connection, candidacy_ids: Iterable[int], mapped: MappedFields | None = None
) -> int:
    """Create or update the applications of these candidacies; return how many were written.

    Every one is written and dated (`updated_at`), changed or not: `settle_confirmed` clears
    pending marks and counts on this to date that change. The mapped fields are written for
    the candidacies in `mapped` and kept for the others.
    """
    mapped = mapped or {}
    queryset = Candidacy.objects.values_list(*CANDIDACY_FIELDS, named=True)
    candidacies = by_pks(queryset, connection, candidacy_ids)
    if not candidacies:
        return 0
    mappings = {
        stage_remote_id: mapping
        for stage_remote_id, *mapping in StageMapping.objects.filter(
            connection=connection,
            candidacy_stage__remote_id__in={c.candidacy_stage_remote_id for c in candidacies},
        )
        .order_by()
        .values_list("candidacy_stage__remote_id", "pk", "pipeline_stage_id", "sla_days")
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
        values_in(
            Search,
            ("remote_id", "id"),
            ("remote_id", {c.search_remote_id for c in candidacies}),
            connection_id=connection.pk,
        )
    )
    now = timezone.now()
    created, updated, remapped = [], [], []
    for candidacy in candidacies:
        mapping_id, pipeline_stage_id, sla_days = mappings.get(
            candidacy.candidacy_stage_remote_id, NO_MAPPING
        )
        row = {
            "profile_id": profile_ids.get(candidacy.contact_remote_id),
            "search_id": search_ids.get(candidacy.search_remote_id),
            "stage_mapping_id": mapping_id,
            "pipeline_stage_id": pipeline_stage_id,
            "stage_entered_at": candidacy.candidacy_stage_entered_at,
            "rejected": bool(candidacy.rejection_reason) or candidacy.rejected_at is not None,
            "rejection_reason": candidacy.rejection_reason,
            "rejected_at": candidacy.rejected_at,
            "sla_due_at": sla.due_at(candidacy.candidacy_stage_entered_at, sla_days),
            "candidacy_hash": candidacy.content_hash,
            "updated_at": now,
        }
        values = mapped.get(candidacy.pk)
        if candidacy.application__pk is None:
            row.update(
                UNMAPPED,
                **(values or {}),
                connection_id=connection.pk,
                candidacy_id=candidacy.pk,
                pending_entry_id=None,
            )
            created.append(row)
        elif values is None:
            updated.append({"pk": candidacy.application__pk, **row})
        else:
            remapped.append({"pk": candidacy.application__pk, **row, **values})
    # A concurrent refresh (a stage-mapping edit) may have created one meanwhile: it wins.
    insert_rows(Application, created, conflict="candidacy_id")
    update_rows(Application, updated, WRITTEN_FIELDS)
    update_rows(Application, remapped, (*WRITTEN_FIELDS, *MAPPED_FIELDS))
    return len(created) + len(updated) + len(remapped)


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
    # applications (see lookups.py), so each import page pays the same. By a range, as ids
    # start at 1: SQLite without statistics answers IS NOT NULL with a scan. The state is read,
    # not filtered on, or SQLite starts from the state index: every write Thrive ever answered.
    pending = (
        Application.objects.filter(pending_entry__gt=0)
        .order_by()
        .values_list("pk", "candidacy_id", "connection_id", "pending_entry__state")
    )
    settled = [
        (pk, candidacy)
        for pk, candidacy, owner, state in pending
        if owner == connection.pk and state in ANSWERED_STATES
    ]
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
