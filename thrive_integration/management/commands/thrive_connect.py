"""Create or re-key a connection. The key comes from THRIVE_API_KEY or stdin, never argv."""

from __future__ import annotations

import os
import sys

from django.core.management.base import BaseCommand, CommandError

from ...connections import create_connection, rotate_api_key
from ...exceptions import ConfigurationError
from ...models import Connection


class Command(BaseCommand):
    help = "Connect a Thrive account (key from $THRIVE_API_KEY or standard input)."

    def add_arguments(self, parser):
        parser.add_argument("name")
        parser.add_argument("--base-url", default="")
        parser.add_argument("--owner", default="local")

    def handle(self, *args, name: str, base_url: str, owner: str, **options):
        api_key = os.environ.get("THRIVE_API_KEY") or self._read_stdin()
        try:
            existing = Connection.objects.filter(owner=owner, name=name).first()
            if existing:
                connection = rotate_api_key(existing, api_key, base_url=base_url or None)
                verb = "Updated"
            else:
                connection = create_connection(
                    owner=owner, name=name, api_key=api_key, base_url=base_url
                )
                verb = "Created"
        except ConfigurationError as exc:
            raise CommandError(str(exc)) from None
        self.stdout.write(
            f"{verb} connection {connection.name!r} (owner {owner!r}) to {connection.base_url}"
        )

    @staticmethod
    def _read_stdin() -> str:
        if sys.stdin is None or sys.stdin.isatty():
            raise CommandError("Set THRIVE_API_KEY or pipe the key on standard input.")
        return sys.stdin.readline().strip()
