"""SLA: how long an application may stay in a stage before it counts as breached.

Every function takes `now` from its caller rather than reading the clock itself, so the rule is
tested with a controlled clock and a whole request judges breaches against one instant.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from django.db.models import Q


def due_at(entered_at: datetime | None, sla_days: int | None) -> datetime | None:
    """When the application must have left its stage; None means no SLA applies."""
    if entered_at is None or sla_days is None:
        return None
    return entered_at + timedelta(days=sla_days)


def breached(now: datetime) -> Q:
    """Applications past their due time; a rejected one has left the pipeline and is not."""
    return Q(rejected=False, sla_due_at__isnull=False, sla_due_at__lt=now)
