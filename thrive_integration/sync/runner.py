"""Run orchestration: create a run, execute it a page at a time, resume it after a kill.

An import run has one step per resource and reads Thrive page by page; a remap run re-maps
the stored contacts, then the stored candidacies, batch by batch, with no HTTP (a step each:
profiles, then applications). Each page or batch is
written in one transaction together with the step's counts and its checkpoint (the client's
page cursor, or the last remote id re-mapped), so a worker killed at any moment loses at most
the page in flight, and the next attempt continues after the last one saved without counting
anything twice. Both kinds share the one-active-run guard and the lock. An invocation works
until its time budget is spent and then returns False: the task layer re-enqueues it, and the
continuation picks up the checkpoint.
"""

from __future__ import annotations

import gc
import logging
import time
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import timedelta
from functools import partial
from typing import Protocol

from django.db import IntegrityError, transaction
from django.db.models import F, QuerySet
from django.utils import timezone

from ..conf import integration_settings
from ..connections import client_for
from ..exceptions import (
    ConfigurationError,
    MalformedPage,
    NotFound,
    PaginationStalled,
    PermissionMissing,
    SyncLocked,
    ThriveIntegrationError,
)
from ..mapping import MappingOutcome, remap_batches
from ..mapping.candidacies import remap_application_batches
from ..mapping.engine import BatchRecorder
from ..models import (
    Connection,
    ConnectionStatus,
    RunStatus,
    StepStatus,
    SyncError,
    SyncRun,
    SyncStep,
)
from ..redaction import redact
from ..thrive import ThriveClient
from ..thrive.pagination import Page, PageCursor
from . import cursors, locking
from .prefetch import prepared_ahead
from .registry import BY_NAME, RecordPreparer, ResourceSpec, resolve
from .sweep import SeenIds, sweep
from .upsert import PageOutcome, PreparedPage, prepare_page, write_page

logger = logging.getLogger(__name__)

Progress = Callable[[SyncStep], None]


class _BatchRemap(Protocol):
    def __call__(
        self, connection: Connection, batch_size: int, *, after: str | None, record: BatchRecorder
    ) -> Iterator[MappingOutcome]: ...


# The steps of a remap run, in order, each named after what it writes: profiles from the
# stored contacts, then applications from the stored candidacies.
REMAP_STEPS: dict[str, _BatchRemap] = {
    "profiles": remap_batches,
    "applications": remap_application_batches,
}


def request_sync(
    connection: Connection,
    *,
    full: bool = False,
    resources: list[str] | None = None,
    trigger: str = SyncRun.Trigger.MANUAL,
) -> SyncRun:
    """Record a new import run with one step per resource (see `_record_run`).

    Refused up front when the run could only fail: every trigger (API, schedule, admin,
    command) goes through here, so they all refuse alike.
    """
    if connection.is_disconnected:
        raise ConfigurationError(
            "This connection is disconnected; reconnect it by entering its API key again."
        )
    if connection.status == ConnectionStatus.INVALID_KEY:
        raise ConfigurationError(
            "Thrive refused this connection's API key at its last verification; fix the key "
            "(enter a valid one) and verify the connection again before syncing."
        )
    kind = SyncRun.Kind.FULL if full else SyncRun.Kind.INCREMENTAL
    return _record_run(connection, kind, trigger, [spec.name for spec in resolve(resources)])


def request_remap(connection: Connection, *, trigger: str = SyncRun.Trigger.MANUAL) -> SyncRun:
    """Record a run that re-maps every stored contact and candidacy from its payload (see
    `_record_run`).

    It calls no Thrive API, so a disconnected connection may still re-map what it kept.
    """
    return _record_run(connection, SyncRun.Kind.REMAP, trigger, list(REMAP_STEPS))


def _record_run(connection: Connection, kind: str, trigger: str, steps: list[str]) -> SyncRun:
    """Record a run with its steps; refuse while another run of the connection is active.

    A database constraint allows one active run per connection, imports and remaps alike, so
    two simultaneous requests cannot both succeed. A stalled active run is returned instead,
    to be continued from its checkpoint; it may be of another kind, as it holds the connection
    until it ends. The caller enqueues (or executes) the run.
    """
    try:
        with transaction.atomic():
            run = SyncRun.objects.create(connection=connection, kind=kind, trigger=trigger)
            SyncStep.objects.bulk_create(
                SyncStep(run=run, resource=resource, order=index)
                for index, resource in enumerate(steps)
            )
    except IntegrityError:
        active = active_run(connection)
        if active is not None and is_stalled(active):
            # Nobody works on it (a dead worker, a broker that never got it): continue it.
            logger.info("resuming stalled sync run %s", active.pk)
            return active
        raise SyncLocked(
            f"Sync run #{active.pk if active else '?'} of this connection is still active. If "
            "the process working on it was killed, it is continued once that process's lock "
            f"expires, {integration_settings.LOCK_TTL_SECONDS} s after its last page at most."
        ) from None
    return run


_ACTIVE = (RunStatus.PENDING, RunStatus.RUNNING)


def active_run(connection: Connection) -> SyncRun | None:
    return SyncRun.objects.filter(connection=connection, status__in=_ACTIVE).first()


def is_stalled(run: SyncRun) -> bool:
    """An active run nobody works on: its worker died and its lease ran out, or it was
    recorded but never reached a worker (the broker was down, no cluster runs)."""
    if not run.is_active or locking.is_held(run.connection):
        return False
    waited = timezone.now() - run.created_at
    return run.attempts > 0 or waited > timedelta(seconds=integration_settings.LOCK_TTL_SECONDS)


@dataclass
class _Budget:
    deadline: float | None

    def spent(self) -> bool:
        return self.deadline is not None and time.monotonic() >= self.deadline


def execute_run(
    run_id: int, *, budget_seconds: float | None = None, progress: Progress | None = None
) -> bool:
    """Work on a run; True when it is finished, False when the budget ran out first."""
    run = SyncRun.objects.select_related("connection").get(pk=run_id)
    if not run.is_active:
        return True
    connection = run.connection
    holder = f"run:{run.pk}:{uuid.uuid4().hex[:12]}"
    if not locking.claim(connection, holder):
        logger.info(
            "sync run %s skipped: connection %s is held by another worker or was deleted",
            run.pk,
            connection.pk,
        )
        return True
    budget = _Budget(time.monotonic() + budget_seconds if budget_seconds else None)
    try:
        SyncRun.objects.filter(pk=run.pk).update(
            status=RunStatus.RUNNING,
            started_at=run.started_at or timezone.now(),
            attempts=F("attempts") + 1,
        )
        run.refresh_from_db()
        work = _remap if run.kind == SyncRun.Kind.REMAP else _import
        with _fewer_collections():
            if not work(run, holder, budget, progress):
                return False
        _finish(run)
        return True
    except ThriveIntegrationError as exc:
        _fail(run, redact(str(exc)))
        return True
    except Exception as exc:
        logger.exception("sync run %s crashed", run.pk)
        _fail(run, redact(f"{type(exc).__name__}: {exc}"))
        raise
    finally:
        locking.release(connection, holder)


@contextmanager
def _fewer_collections() -> Iterator[None]:
    """Run the cyclic garbage collector less often while a run works.

    A page allocates tens of thousands of objects (rows, payload texts) that live until it is
    written: at the default thresholds the collector keeps promoting them and walking the older
    generations again, about a tenth of an import's CPU (the process preparing pages ahead,
    forked meanwhile, inherits the setting). Reference counting frees a page's objects anyway;
    cycles are still collected, less often.
    """
    previous = gc.get_threshold()
    gc.set_threshold(100_000, 50, 100)
    try:
        yield
    finally:
        gc.set_threshold(*previous)


# Failures of one resource's listing (a permission the key lacks, an endpoint missing, a
# listing that cannot be paged): the other resources can still be read, and are. Any other
# failure (the key refused, Thrive down after every retry) would fail them all: the run stops.
ONE_RESOURCE_FAILURES = (PermissionMissing, NotFound, PaginationStalled, MalformedPage)


def _unfinished_steps(run: SyncRun) -> QuerySet[SyncStep]:
    finished = (StepStatus.SUCCEEDED, StepStatus.NEEDS_ATTENTION, StepStatus.FAILED)
    return run.steps.exclude(status__in=finished)


def _import(run: SyncRun, holder: str, budget: _Budget, progress: Progress | None) -> bool:
    with client_for(run.connection) as client:
        for step in _unfinished_steps(run):
            try:
                if not _run_step(run, step, client, holder, budget, progress):
                    return False
            except ONE_RESOURCE_FAILURES:
                continue
            except ThriveIntegrationError:
                break
    return True


def _run_step(
    run: SyncRun,
    step: SyncStep,
    client: ThriveClient,
    holder: str,
    budget: _Budget,
    progress: Progress | None,
) -> bool:
    spec = BY_NAME[step.resource]
    connection = run.connection
    if step.status == StepStatus.NOT_STARTED:
        step.status = StepStatus.RUNNING
        step.started_at = timezone.now()
        if run.kind == SyncRun.Kind.INCREMENTAL:
            step.updated_since = cursors.read_from(connection, spec.name)
        step.save()
    elif step.checkpoint:
        # This invocation did not see the pages before the checkpoint: no sweep from it.
        step.resumed = True
        step.save(update_fields=["resumed"])
    seen = SeenIds()
    server_filters = True
    listing = client.iter_pages(
        spec.path, include=spec.include, updated_since=step.updated_since, start=step.checkpoint
    )
    prepare = partial(
        _prepare_listed,
        connection.pk,
        spec,
        spec.preparer(connection) if spec.preparer else None,
    )
    ahead = prepared_ahead(
        listing,
        prepare,
        in_process=not integration_settings.PREPARE_PAGES_IN_SUBPROCESS,
        after_fork=client.forget_connections,
    )
    try:
        with ahead as pages:
            for page in pages:
                server_filters &= not page.ignored_updated_since
                with transaction.atomic():
                    # The lease first: if it was lost, the page is undone before it is counted.
                    _renew(connection, holder)
                    _write_page(run, step, spec, page.prepared, page.next)
                seen.add_all(page.ids)
                if progress:
                    progress(step)
                if page.next and budget.spent():
                    return False
        _complete_step(run, step, spec, client, seen, server_filters)
    except ThriveIntegrationError as exc:
        _fail_step(step, exc)
        if progress:
            progress(step)
        raise
    if progress:
        progress(step)
    return True


@dataclass
class _ListedPage:
    """A page of a listing, prepared for its write (see `prefetch`)."""

    prepared: PreparedPage
    next: PageCursor | None
    ignored_updated_since: bool
    ids: list[str]  # every record's id that looks like one, for the sweep


def _prepare_listed(
    connection_id: int, spec: ResourceSpec, preparer: RecordPreparer | None, page: Page
) -> _ListedPage:
    prepared = prepare_page(
        connection_id, spec, page.records, now=timezone.now(), preparer=preparer
    )
    return _ListedPage(prepared, page.next, page.ignored_updated_since, _page_ids(page.records))


def _renew(connection: Connection, holder: str) -> None:
    """Keep the lease; inside a page's (or batch's) transaction, so a lost one undoes it."""
    if not locking.renew(connection, holder):
        raise ThriveIntegrationError("the sync lock was lost to another worker")


def _fail_step(step: SyncStep, exc: ThriveIntegrationError) -> None:
    step.status = StepStatus.FAILED
    step.error = redact(str(exc))
    step.finished_at = timezone.now()
    step.save()


def _page_ids(records: list) -> list[str]:
    return [
        str(record["id"])
        for record in records
        if isinstance(record, dict) and isinstance(record.get("id"), (int, str))
    ]


def _write_page(
    run: SyncRun,
    step: SyncStep,
    spec: ResourceSpec,
    page: PreparedPage,
    next_page: PageCursor | None,
) -> None:
    outcome = write_page(run.connection, spec, page)
    _add_page_outcome(run, step, outcome)
    step.pages += 1
    step.checkpoint = next_page
    newest = outcome.max_remote_updated_at
    if newest and (step.max_remote_updated_at is None or newest > step.max_remote_updated_at):
        step.max_remote_updated_at = newest
    step.save(
        update_fields=[*SyncStep.COUNTS, "pages", "checkpoint", "max_remote_updated_at", "derived"]
    )


class _Counted(Protocol):
    """What an import page and a remap batch both report: PageOutcome, MappingOutcome."""

    created: int
    updated: int
    unchanged: int
    failures: list[tuple[str, str]]


def _add_page_outcome(run: SyncRun, step: SyncStep, outcome: PageOutcome) -> None:
    for name, count in outcome.derived.items():
        step.derived[name] = step.derived.get(name, 0) + count
    _add_outcome(run, step, outcome)
    step.deleted += outcome.deleted


def _add_outcome(run: SyncRun, step: SyncStep, outcome: _Counted) -> None:
    """Count a page or a batch into its step and record its failures (remote id, reason)."""
    if outcome.failures:
        SyncError.objects.bulk_create(
            SyncError(run=run, step=step, resource=step.resource, remote_id=rid[:64], reason=reason)
            for rid, reason in outcome.failures
        )
    step.created += outcome.created
    step.updated += outcome.updated
    step.unchanged += outcome.unchanged
    step.failed += len(outcome.failures)


def _complete_step(
    run: SyncRun,
    step: SyncStep,
    spec: ResourceSpec,
    client: ThriveClient,
    seen: SeenIds,
    server_filters: bool,
) -> None:
    complete_listing = step.updated_since is None and not step.resumed
    sweep_skipped = ""
    if run.kind == SyncRun.Kind.FULL and complete_listing and not step.failed:
        outcome = sweep(run.connection, spec, seen, client, now=timezone.now())
        step.deleted += outcome.deleted
        _add_page_outcome(run, step, outcome.refreshed)
        sweep_skipped = step.error = outcome.skipped_reason
    attention = step.failed or sweep_skipped
    step.status = StepStatus.NEEDS_ATTENTION if attention else StepStatus.SUCCEEDED
    with transaction.atomic():
        cursors.advance(
            run.connection,
            spec.name,
            newest_seen=step.max_remote_updated_at,
            run_started_at=run.started_at,
            server_filters=server_filters,
        )
        step.finished_at = timezone.now()
        step.checkpoint = None
        step.save()


def _remap(run: SyncRun, holder: str, budget: _Budget, progress: Progress | None) -> bool:
    """The run's steps in order; False when the budget ran out first (`all` stops there)."""
    steps = _unfinished_steps(run)
    return all(_remap_step(run, step, holder, budget, progress) for step in steps)


def _remap_step(
    run: SyncRun, step: SyncStep, holder: str, budget: _Budget, progress: Progress | None
) -> bool:
    """The step's stored records after its checkpoint, a batch at a time."""
    if step.status == StepStatus.NOT_STARTED:
        step.status = StepStatus.RUNNING
        step.started_at = timezone.now()
        step.save()
    batches = REMAP_STEPS[step.resource](
        run.connection,
        integration_settings.REMAP_BATCH_SIZE,
        after=step.checkpoint["after"] if step.checkpoint else None,
        record=partial(_record_batch, run, step, holder),
    )
    try:
        for _ in batches:
            if progress:
                progress(step)
            if budget.spent():
                return False
    except ThriveIntegrationError as exc:
        _fail_step(step, exc)
        return True
    step.status = StepStatus.NEEDS_ATTENTION if step.failed else StepStatus.SUCCEEDED
    step.finished_at = timezone.now()
    step.checkpoint = None
    step.save()
    if progress:
        progress(step)
    return True


def _record_batch(
    run: SyncRun, step: SyncStep, holder: str, outcome: MappingOutcome, last_remote_id: str
) -> None:
    """Inside the batch's transaction: its counts, its errors and the checkpoint after it."""
    # The lease first: if it was lost, the batch rolls back before the step counts it.
    _renew(run.connection, holder)
    _add_outcome(run, step, outcome)
    step.pages += 1
    step.checkpoint = {"after": last_remote_id}
    step.save(update_fields=[*SyncStep.COUNTS, "pages", "checkpoint"])


def _finish(run: SyncRun) -> None:
    statuses = set(run.steps.values_list("status", flat=True))
    if StepStatus.FAILED in statuses:
        status = RunStatus.FAILED
        failed = run.steps.filter(status=StepStatus.FAILED).first()
        run.error = f"{failed.resource}: {failed.error}" if failed else ""
    elif StepStatus.NEEDS_ATTENTION in statuses:
        status = RunStatus.NEEDS_ATTENTION
    else:
        status = RunStatus.SUCCEEDED
    run.status = status
    run.finished_at = timezone.now()
    run.save(update_fields=["status", "finished_at", "error"])


def _fail(run: SyncRun, message: str) -> None:
    SyncRun.objects.filter(pk=run.pk).update(
        status=RunStatus.FAILED, finished_at=timezone.now(), error=message
    )
