"""Sync runs, read-only: per-step counts and progress, then every recorded error.

Runs are started by actions elsewhere (*Sync now* on connections, *Re-map* on mappings and
profiles); `queue_runs` is how each of them requests, queues and reports one.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable

from django.contrib import admin, messages
from django.http import HttpRequest

from .. import tasks
from ..exceptions import ConfigurationError, SyncLocked
from ..models import Connection, SyncError, SyncRun, SyncStep
from .base import ReadOnlyModelAdmin, ReadOnlyTabularInline

STEP_FIELDS = (
    "resource",
    "status",
    "created",
    "updated",
    "unchanged",
    "deleted",
    "failed",
    "pages",
    "records_done",
    "started_at",
    "finished_at",
    "error",
)


def queue_runs(
    model_admin: admin.ModelAdmin,
    request: HttpRequest,
    connections: Iterable[Connection],
    request_run: Callable[[Connection], SyncRun],
) -> None:
    """Request a run per connection and queue it, saying which run was queued or why not."""
    for connection in connections:
        try:
            run = request_run(connection)
        except (SyncLocked, ConfigurationError) as exc:
            model_admin.message_user(request, f"{connection.name}: {exc}", messages.WARNING)
            continue
        tasks.enqueue_run(run.pk)
        model_admin.message_user(
            request, f"{connection.name}: sync run #{run.pk} queued ({run.get_kind_display()})."
        )


class SyncStepInline(ReadOnlyTabularInline):
    model = SyncStep
    fields = STEP_FIELDS
    readonly_fields = STEP_FIELDS

    @admin.display(description="records done")
    def records_done(self, step: SyncStep) -> int:
        return step.records_done


class SyncErrorInline(ReadOnlyTabularInline):
    model = SyncError
    fields = ("resource", "remote_id", "reason", "created_at")
    readonly_fields = fields


@admin.register(SyncRun)
class SyncRunAdmin(ReadOnlyModelAdmin):
    list_display = ("id", "connection", "kind", "trigger", "status", "created_at", "finished_at")
    list_filter = ("status", "kind", "trigger")
    list_select_related = ("connection",)
    search_fields = ("connection__name", "error")
    date_hierarchy = "created_at"
    fields = (
        "connection",
        "kind",
        "trigger",
        "status",
        "created_at",
        "started_at",
        "finished_at",
        "attempts",
        "error",
    )
    readonly_fields = fields
    inlines = (SyncStepInline, SyncErrorInline)


@admin.register(SyncStep)
class SyncStepAdmin(ReadOnlyModelAdmin):
    """One resource of one run, with its own errors: the drill-down below a run."""

    list_display = ("run", "resource", "status", "pages", "failed")
    list_filter = ("status", "resource")
    list_select_related = ("run",)
    fields = ("run", *STEP_FIELDS, "checkpoint", "resumed", "updated_since")
    readonly_fields = fields
    inlines = (SyncErrorInline,)

    @admin.display(description="records done")
    def records_done(self, step: SyncStep) -> int:
        return step.records_done
