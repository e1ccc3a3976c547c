"""The export outbox, read-only: what was sent to Thrive, how far it got, why it failed.

Rows are never edited by hand (that would bypass the claim and the idempotency key); the one
action re-arms failed rows, exactly as the REST retry does.
"""

from __future__ import annotations

from django.contrib import admin, messages
from django.db.models import QuerySet
from django.http import HttpRequest

from .. import export
from ..models import OutboxEntry, OutboxState
from .base import ReadOnlyModelAdmin


@admin.register(OutboxEntry)
class OutboxEntryAdmin(ReadOnlyModelAdmin):
    list_display = (
        "id",
        "connection",
        "kind",
        "profile",
        "state",
        "attempts",
        "next_attempt_at",
        "remote_id",
        "updated_at",
    )
    list_filter = ("state", "kind", "connection")
    list_select_related = ("connection", "profile")
    search_fields = ("idempotency_key", "remote_id", "last_error", "profile__name")
    date_hierarchy = "created_at"
    fields = (
        "connection",
        "kind",
        "profile",
        "application_id",
        "payload",
        "idempotency_key",
        "state",
        "attempts",
        "next_attempt_at",
        "last_error",
        "remote_id",
        "created_at",
        "updated_at",
        "completed_at",
    )
    readonly_fields = fields
    actions = ("retry_failed",)

    @admin.action(description="Retry selected failed rows")
    def retry_failed(self, request: HttpRequest, queryset: QuerySet[OutboxEntry]) -> None:
        retried = sum(export.retry(entry) for entry in queryset.filter(state=OutboxState.FAILED))
        skipped = queryset.count() - retried
        self.message_user(request, f"{retried} row(s) will be retried.", messages.SUCCESS)
        if skipped:
            self.message_user(
                request, f"{skipped} row(s) had not failed and were left alone.", messages.WARNING
            )
