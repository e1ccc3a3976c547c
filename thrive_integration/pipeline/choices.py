"""What may be chosen when advancing or rejecting; the REST, the admin and the server-side
checks all ask here, so what is offered and what is accepted cannot drift apart.
"""

from __future__ import annotations

from django.db.models import QuerySet

from ..models import Candidacy, Connection, ExcludedRejectionReason, StageMapping
from ..normalize import name_key
from .errors import PipelineRefused


def live_mappings(connection: Connection) -> QuerySet[StageMapping]:
    """Mappings of Thrive stages that still exist and are active in Thrive."""
    return (
        StageMapping.objects.filter(
            connection=connection, candidacy_stage__remote_deleted_at__isnull=True
        )
        .exclude(candidacy_stage__active=False)
        .select_related("candidacy_stage", "pipeline_stage")
    )


def advance_targets(connection: Connection) -> QuerySet[StageMapping]:
    """Thrive stages an application may be advanced to: live, grouped, not excluded."""
    return live_mappings(connection).filter(
        excluded_from_advance=False, pipeline_stage__isnull=False
    )


def excluded_reasons(connection: Connection) -> set[str]:
    """The keys of the excluded reasons: a reason is excluded when its `name_key` is one.

    "Not interested" and "not  interested " are one reason to a recruiter.
    """
    excluded = ExcludedRejectionReason.objects.filter(connection=connection)
    return set(excluded.values_list("reason_key", flat=True))


def rejection_reasons(connection: Connection) -> list[str]:
    """Reasons this account has used in Thrive, minus the excluded ones.

    Thrive's rejection reason is free text with no list endpoint, so the reasons on offer are
    the ones its candidacies already carry.
    """
    excluded = excluded_reasons(connection)
    used = (
        Candidacy.objects.filter(connection=connection)
        .exclude(rejection_reason="")
        .order_by()
        .values_list("rejection_reason", flat=True)
        .distinct()
    )
    return sorted({reason for reason in used if name_key(reason) not in excluded})


def check_advance_target(connection: Connection, mapping: StageMapping) -> None:
    if mapping.connection_id != connection.pk:
        raise PipelineRefused("That stage belongs to another connection.")
    if mapping.removed:
        raise PipelineRefused(f"The stage {mapping.candidacy_stage.name!r} was removed in Thrive.")
    if mapping.pipeline_stage_id is None:
        raise PipelineRefused(
            f"The stage {mapping.candidacy_stage.name!r} is not grouped into a platform stage yet."
        )
    if mapping.excluded_from_advance:
        raise PipelineRefused(
            f"Advancing to {mapping.candidacy_stage.name!r} is excluded for this connection."
        )


def check_rejection_reason(connection: Connection, reason: str) -> str:
    """The reason as it will be sent; refuses an empty or excluded one."""
    cleaned = " ".join(reason.split())
    if not cleaned:
        raise PipelineRefused("A rejection needs a reason.")
    if name_key(cleaned) in excluded_reasons(connection):
        raise PipelineRefused(f"The rejection reason {cleaned!r} is excluded for this connection.")
    return cleaned
