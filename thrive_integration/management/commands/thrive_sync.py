"""Run an import in this process, with the same code the django-q2 task runs."""

from __future__ import annotations

import signal
from collections.abc import Iterator
from contextlib import contextmanager

from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone
from tqdm import tqdm

from ...exceptions import ConfigurationError, SyncLocked
from ...models import RunStatus, SyncRun, SyncStep
from ...sync.registry import RESOURCE_NAMES
from ...sync.runner import execute_run, request_sync
from ._common import add_owner_argument, get_connection

COLUMNS = ("resource", "status", *SyncStep.COUNTS, "pages")


@contextmanager
def _interrupted_by_sigterm() -> Iterator[None]:
    """SIGTERM (a plain `kill`, a container stopping) ends the run like Ctrl-C does: the page
    in progress is rolled back and the lock released, so the next call continues at once
    instead of waiting for the lock to expire."""

    def interrupt(signum: int, frame: object) -> None:
        raise KeyboardInterrupt

    previous = signal.signal(signal.SIGTERM, interrupt)
    try:
        yield
    finally:
        signal.signal(signal.SIGTERM, previous)


class Command(BaseCommand):
    help = "Import from Thrive now and print a per-resource summary."

    def add_arguments(self, parser):
        parser.add_argument("name")
        add_owner_argument(parser)
        parser.add_argument("--full", action="store_true", help="Read everything, then sweep.")
        parser.add_argument(
            "--resources",
            default="",
            help=f"Comma-separated subset of: {', '.join(RESOURCE_NAMES)}",
        )
        parser.add_argument("--no-progress", action="store_true")

    def handle(self, *args, name: str, owner: str | None, full: bool, resources: str, **options):
        connection = get_connection(name, owner)
        wanted = [part.strip() for part in resources.split(",") if part.strip()] or None
        asked_at = timezone.now()
        try:
            run = request_sync(
                connection, full=full, resources=wanted, trigger=SyncRun.Trigger.COMMAND
            )
        except (SyncLocked, ConfigurationError, ValueError) as exc:
            raise CommandError(str(exc)) from None
        if run.created_at < asked_at:
            self.stderr.write(
                f"Continuing sync run #{run.pk} ({run.kind}), left unfinished earlier, from its "
                "last checkpoint; run this command again afterwards for what you asked now."
            )
        bar = (
            None
            if options["no_progress"]
            else tqdm(unit=" pages", desc="sync", leave=False, disable=None)
        )

        def progress(step: SyncStep) -> None:
            if bar is not None:
                bar.set_description(step.resource)
                bar.set_postfix(records=step.records_done, refresh=False)
                bar.update(1)

        try:
            with _interrupted_by_sigterm():
                execute_run(run.pk, progress=progress)
        except KeyboardInterrupt:
            raise CommandError(
                f"Interrupted: sync run #{run.pk} stopped at its last checkpoint; "
                f"`thrive_sync {name}` continues it.",
                returncode=130,
            ) from None
        finally:
            if bar is not None:
                bar.close()
        run.refresh_from_db()
        self._summary(run)
        if run.status == RunStatus.FAILED:
            raise CommandError(f"Sync run #{run.pk} failed: {run.error}")

    def _summary(self, run: SyncRun) -> None:
        rows = [
            (step.resource, step.get_status_display())
            + tuple(getattr(step, count) for count in SyncStep.COUNTS)
            + (step.pages,)
            for step in run.steps.all()
        ]
        widths = [max(len(str(row[i])) for row in [COLUMNS, *rows]) for i in range(len(COLUMNS))]
        for row in [COLUMNS, *rows]:
            self.stdout.write(
                "  ".join(str(cell).ljust(width) for cell, width in zip(row, widths, strict=True))
            )
        for step in run.steps.exclude(derived={}):
            counts = ", ".join(f"{name.replace('_', ' ')} {n}" for name, n in step.derived.items())
            self.stdout.write(f"{step.resource}: {counts}")
        self.stdout.write(f"Sync run #{run.pk} ({run.kind}): {run.get_status_display()}")
