"""``manage.py thrive_sandbox``: serve the Thrive API v2 simulator until killed.

A thin wrapper: every behaviour lives in ``thrive_integration.sandbox``; this only maps
command-line flags onto ``SandboxOptions`` and prints the base URL to point a connection at.
"""

from __future__ import annotations

from django.core.management.base import BaseCommand, CommandError, CommandParser

from thrive_integration.sandbox import DEMO_TOKEN, SandboxOptions, SandboxServer, SandboxState


class Command(BaseCommand):
    help = "Serve the Thrive API v2 sandbox (deterministic fake data) until interrupted."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--host", default="127.0.0.1")
        parser.add_argument("--port", type=int, default=8765)
        parser.add_argument("--seed", type=int, default=1)
        parser.add_argument("--contacts", type=int, default=2000)
        parser.add_argument(
            "--dialect", choices=["link", "next_url", "meta", "bare"], default="link"
        )
        parser.add_argument("--ids", choices=["int", "str"], default="int")
        parser.add_argument("--deletes", choices=["hard", "soft"], default="hard")
        parser.add_argument("--ignore-updated-since", action="store_true")
        parser.add_argument("--retry-after-date", action="store_true")
        parser.add_argument(
            "--shared-tags",
            action="store_true",
            help="a tag's id names the tag, so candidacies carrying one tag list the same id",
        )
        parser.add_argument(
            "--accept-empty-contacts",
            action="store_true",
            help="create a contact from any payload, even {} (a Thrive that validates nothing)",
        )
        parser.add_argument("--rate-limit", type=int, default=100, help="requests/second/key")
        parser.add_argument(
            "--token",
            action="append",
            dest="tokens",
            help=f"API key granted every permission (repeatable; default {DEMO_TOKEN!r})",
        )

    def handle(self, *args: object, **options: object) -> None:
        if not 0 <= options["port"] <= 65535:
            raise CommandError("--port must be between 0 and 65535.")
        try:
            state = self._state(options)
            for key in options["tokens"] or [DEMO_TOKEN]:
                state.add_token(key)
        except ValueError as exc:
            raise CommandError(str(exc)) from None
        server = SandboxServer(
            state,
            host=options["host"],
            port=options["port"],
            quiet=options["verbosity"] < 2,
        )
        try:
            server.bind()
        except OSError as exc:
            raise CommandError(
                f"Cannot listen on {options['host']}:{options['port']}: {exc}"
            ) from None
        self.stdout.write(f"Thrive sandbox serving {server.url}", ending="\n")
        self.stdout.write(f"API keys: {', '.join(sorted(state.tokens))}", ending="\n")
        self.stdout.flush()
        try:
            server.serve_forever()
        except KeyboardInterrupt:
            self.stdout.write("Sandbox stopped.")

    @staticmethod
    def _state(options: dict) -> SandboxState:
        return SandboxState(
            SandboxOptions(
                seed=options["seed"],
                contacts=options["contacts"],
                dialect=options["dialect"],
                ids=options["ids"],
                deletes=options["deletes"],
                ignore_updated_since=options["ignore_updated_since"],
                retry_after_date=options["retry_after_date"],
                accept_empty_contacts=options["accept_empty_contacts"],
                shared_tags=options["shared_tags"],
                rate_limit=options["rate_limit"],
            )
        )
