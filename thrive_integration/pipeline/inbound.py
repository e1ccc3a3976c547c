"""Inbound applicants: applications (not people) sitting in the Thrive stages marked inbound.

One person applying to two searches is two rows here, as in Findem's tab. The listing and the
per-stage counts are each one query whatever the page holds: everything a row shows is joined
in, and the counts are one GROUP BY.
"""

from __future__ import annotations

from datetime import datetime

from django.db.models import Count, QuerySet

from ..models import Application
from . import sla


def inbound_applications(applications: QuerySet[Application]) -> QuerySet[Application]:
    """The inbound ones among `applications` (already scoped to an owner or connection).

    A removed candidacy is left out; a removed Thrive stage is not: its applicants are still
    waiting for someone and must stay visible until they are moved.
    """
    return applications.filter(
        stage_mapping__inbound=True, candidacy__remote_deleted_at__isnull=True
    ).select_related("profile", "search", "pipeline_stage", "stage_mapping__candidacy_stage")


def filter_applications(
    applications: QuerySet[Application],
    *,
    now: datetime,
    search_id: int | None = None,
    pipeline_stage_id: int | None = None,
    sla_breached: bool | None = None,
    rejected: bool | None = False,
) -> QuerySet[Application]:
    """Narrow a listing; `None` leaves a criterion out. Rejected ones are hidden by default."""
    if search_id is not None:
        applications = applications.filter(search_id=search_id)
    if pipeline_stage_id is not None:
        applications = applications.filter(pipeline_stage_id=pipeline_stage_id)
    if rejected is not None:
        applications = applications.filter(rejected=rejected)
    if sla_breached is True:
        applications = applications.filter(sla.breached(now))
    elif sla_breached is False:
        applications = applications.exclude(sla.breached(now))
    return applications


def counts_by_stage(applications: QuerySet[Application]) -> list[dict]:
    """`[{"pipeline_stage": id or None, "name": ..., "count": n}]` in pipeline order."""
    rows = (
        applications.order_by()
        .values("pipeline_stage", "pipeline_stage__name", "pipeline_stage__position")
        .annotate(count=Count("id"))
    )
    ordered = sorted(
        rows,
        key=lambda row: (row["pipeline_stage__position"] is None, row["pipeline_stage__position"]),
    )
    return [
        {
            "pipeline_stage": row["pipeline_stage"],
            "name": row["pipeline_stage__name"] or "Needs attention",
            "count": row["count"],
        }
        for row in ordered
    ]
