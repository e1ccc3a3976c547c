from __future__ import annotations

from django.core.management.base import BaseCommand, CommandError

from ...models import ConnectionStatus
from ...verify import verify_connection
from ._common import add_owner_argument, get_connection, print_permission_report


class Command(BaseCommand):
    help = "Check a connection's key against every required Thrive operation."

    def add_arguments(self, parser):
        parser.add_argument("name")
        add_owner_argument(parser)

    def handle(self, *args, name: str, owner: str | None, **options):
        connection = verify_connection(get_connection(name, owner))
        print_permission_report(self.stdout, self.style, connection)
        if connection.status in (ConnectionStatus.INVALID_KEY, ConnectionStatus.UNREACHABLE):
            raise CommandError(f"Verification failed: {connection.get_status_display()}")
