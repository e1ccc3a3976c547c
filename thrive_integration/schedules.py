"""django-q2 schedules per connection, created and updated idempotently by name."""

from __future__ import annotations

from django_q.models import Schedule

from .export.schedules import sync_export_schedule
from .models import Connection


def import_schedule_name(connection: Connection) -> str:
    return f"thrive-import-{connection.pk}"


def sync_schedules(connection: Connection) -> None:
    """Make the schedule rows match the connection's settings."""
    name = import_schedule_name(connection)
    if connection.import_enabled and not connection.is_disconnected:
        Schedule.objects.update_or_create(
            name=name,
            defaults={
                "func": "thrive_integration.tasks.scheduled_import",
                "args": repr((connection.pk,)),
                "schedule_type": Schedule.MINUTES,
                "minutes": connection.import_interval_minutes,
                "repeats": -1,
            },
        )
    else:
        Schedule.objects.filter(name=name).delete()
    sync_export_schedule(connection)


def remove_schedules(connection: Connection) -> None:
    Schedule.objects.filter(name__startswith="thrive-").filter(
        name__endswith=f"-{connection.pk}"
    ).delete()
