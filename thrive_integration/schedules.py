"""django-q2 schedules per connection (import hourly, export every 10 minutes by default),
created, updated and removed idempotently by name.

A connection's schedules are created with it (`connections.create_connection`), follow every
change of its settings, and are removed when it is disconnected or deleted: deleted by any
path, the host's own ORM code included, so none keeps firing for a connection that is gone.
"""

from __future__ import annotations

from datetime import timedelta

from django.db.models.signals import post_delete
from django.dispatch import receiver
from django.utils import timezone
from django_q.models import Schedule

from .exceptions import ConfigurationError
from .models import Connection


def import_schedule_name(connection: Connection) -> str:
    return f"thrive-import-{connection.pk}"


def export_schedule_name(connection: Connection) -> str:
    return f"thrive-export-{connection.pk}"


def _keep(name: str, *, enabled: bool, func: str, connection: Connection, minutes: int) -> None:
    if not enabled:
        Schedule.objects.filter(name=name).delete()
        return
    columns = {
        "func": func,
        "args": repr((connection.pk,)),
        "schedule_type": Schedule.MINUTES,
        "minutes": minutes,
        "repeats": -1,
    }
    # A new schedule first runs one interval from now, not at once: a connection is created
    # with its schedule on and its key not yet verified, and its owner's first sync or verify
    # must not find a scheduled run already holding the connection.
    one_interval = timezone.now() + timedelta(minutes=minutes)
    first_run = {**columns, "next_run": one_interval}
    Schedule.objects.update_or_create(name=name, defaults=columns, create_defaults=first_run)
    # A shortened interval applies at once: the run the old, longer interval planned (a week
    # away, say) would otherwise come first. A run already due sooner is kept.
    Schedule.objects.filter(name=name, next_run__gt=one_interval).update(next_run=one_interval)


def check_schedulable(connection: Connection) -> None:
    """A disconnected connection runs nothing: refuse to turn its schedule on.

    Refused rather than silently left without rows, so that the schedule a connection reports
    is the one django-q runs.
    """
    if connection.is_disconnected and (connection.import_enabled or connection.export_enabled):
        raise ConfigurationError(
            "This connection is disconnected: reconnect it by entering its API key again, "
            "then turn its schedule on."
        )


def sync_schedules(connection: Connection) -> None:
    """Make the schedule rows match the connection's settings (see `check_schedulable`)."""
    check_schedulable(connection)
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


def schedule_names(connection: Connection) -> list[str]:
    return [import_schedule_name(connection), export_schedule_name(connection)]


def remove_schedules(connection: Connection) -> None:
    Schedule.objects.filter(name__in=schedule_names(connection)).delete()


@receiver(post_delete, sender=Connection, dispatch_uid="thrive-schedules-go-with-connection")
def _remove_deleted_connection_schedules(instance: Connection, **kwargs: object) -> None:
    remove_schedules(instance)
