"""Schedules for connections made before `create_connection` created them.

Until then only the admin created a connection's django-q schedules; one made through the API
or `thrive_connect` reported its schedules on but had no rows until its schedule was edited.
Self-contained: the names, functions and args are those `schedules.py` writes.
"""

from datetime import timedelta

from django.db import migrations
from django.utils import timezone

MINUTES = "I"  # django_q's Schedule.MINUTES: historical models carry no class constants


def create_missing_schedules(apps, schema_editor):
    Connection = apps.get_model("thrive_integration", "Connection")
    Schedule = apps.get_model("django_q", "Schedule")
    now = timezone.now()
    for connection in Connection.objects.exclude(status="disconnected"):
        for enabled, name, func, minutes in (
            (
                connection.import_enabled,
                f"thrive-import-{connection.pk}",
                "thrive_integration.tasks.scheduled_import",
                connection.import_interval_minutes,
            ),
            (
                connection.export_enabled,
                f"thrive-export-{connection.pk}",
                "thrive_integration.export.tasks.scheduled_export",
                connection.export_interval_minutes,
            ),
        ):
            if enabled and not Schedule.objects.filter(name=name).exists():
                Schedule.objects.create(
                    name=name,
                    func=func,
                    args=repr((connection.pk,)),
                    schedule_type=MINUTES,
                    minutes=minutes,
                    repeats=-1,
                    next_run=now + timedelta(minutes=minutes),
                )


class Migration(migrations.Migration):
    dependencies = [
        ("thrive_integration", "0003_remap_runs"),
        ("django_q", "0019_alter_task_options_alter_ormq_key_alter_ormq_lock_and_more"),
    ]

    operations = [migrations.RunPython(create_missing_schedules, migrations.RunPython.noop)]
