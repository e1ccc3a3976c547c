"""django-q2 schedules per connection (import hourly, export every 10 minutes by default),
created, updated and removed idempotently by name."""

from __future__ import annotations

from django_q.models import Schedule

from .models import Connection


def import_schedule_name(connection: Connection) -> str:
    return f"thrive-import-{connection.pk}"


def export_schedule_name(connection: Connection) -> str:
    return f"thrive-export-{connection.pk}"


def _keep(name: str, *, enabled: bool, func: str, connection: Connection, minutes: int) -> None:
    if not enabled or connection.is_disconnected:
        Schedule.objects.filter(name=name).delete()
        return
    Schedule.objects.update_or_create(
        name=name,
        defaults={
            "func": func,
            "args": repr((connection.pk,)),
            "schedule_type": Schedule.MINUTES,
            "minutes": minutes,
            "repeats": -1,
        },
    )


def sync_schedules(connection: Connection) -> None:
    """Make the schedule rows match the connection's settings."""
    _keep(
        import_schedule_name(connection),
        enabled=connection.import_enabled,
        func="thrive_integration.tasks.scheduled_import",
        connection=connection,
        minutes=connection.import_interval_minutes,
    )
    _keep(
        export_schedule_name(connection),
        enabled=connection.export_enabled,
        func="thrive_integration.export.tasks.scheduled_export",
        connection=connection,
        minutes=connection.export_interval_minutes,
    )


def remove_schedules(connection: Connection) -> None:
    Schedule.objects.filter(
        name__in=[import_schedule_name(connection), export_schedule_name(connection)]
    ).delete()
