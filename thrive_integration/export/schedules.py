"""The export schedule of a connection (every 10 minutes by default), kept idempotently by name."""

from __future__ import annotations

from django_q.models import Schedule

from ..models import Connection


def export_schedule_name(connection: Connection) -> str:
    return f"thrive-export-{connection.pk}"


def sync_export_schedule(connection: Connection) -> None:
    """Make the export schedule row match the connection's settings."""
    name = export_schedule_name(connection)
    if connection.export_enabled and not connection.is_disconnected:
        Schedule.objects.update_or_create(
            name=name,
            defaults={
                "func": "thrive_integration.export.tasks.scheduled_export",
                "args": repr((connection.pk,)),
                "schedule_type": Schedule.MINUTES,
                "minutes": connection.export_interval_minutes,
                "repeats": -1,
            },
        )
    else:
        Schedule.objects.filter(name=name).delete()
