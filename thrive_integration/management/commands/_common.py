"""Helpers shared by the thrive_* commands."""

from __future__ import annotations

from django.core.management.base import CommandError

from ...models import Connection


def get_connection(name: str, owner: str | None) -> Connection:
    connections = Connection.objects.filter(name=name)
    if owner is not None:
        connections = connections.filter(owner=owner)
    found = list(connections[:2])
    if not found:
        raise CommandError(f"No connection named {name!r}.")
    if len(found) > 1:
        raise CommandError(f"Several owners have a connection named {name!r}: pass --owner.")
    return found[0]


def add_owner_argument(parser) -> None:
    parser.add_argument("--owner", help="Owner key of the connection (default: any / 'local').")


def print_permission_report(stdout, style, connection: Connection) -> None:
    report = connection.permission_report
    stdout.write(f"Connection {connection.name!r}: {connection.get_status_display()}")
    if report.get("error"):
        stdout.write(style.ERROR(f"  {report['error']}"))
        return
    granted, missing = report.get("granted", []), report.get("missing", [])
    stdout.write(f"  {len(granted)} of {len(granted) + len(missing)} required operations granted")
    for group, labels in report.get("missing_by_group", {}).items():
        stdout.write(style.WARNING(f"  Missing in {group}:"))
        for label in labels:
            stdout.write(style.WARNING(f"    - {label}"))
    for creation in report.get("created_by_probes", []):
        outcome = "deleted again" if creation["removed"] else "NOT deleted: delete it in Thrive"
        stdout.write(
            style.WARNING(
                f"  Thrive accepted the empty {creation['operation']!r} probe and made record "
                f"{creation['record_id']} ({outcome})"
            )
        )
