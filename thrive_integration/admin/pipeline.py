"""Admin for the pipeline: platform stages (editable), the stage mapping of each connection,
excluded rejection reasons, and applications with "advance" and "reject" actions.

Stage mappings are made by the import and never added or deleted here; their grouping and
settings are edited in the change list, which Django saves in one transaction, and every
application in a changed stage is re-derived at once. Advance and reject go through the same
pipeline functions (and refusals) as the REST API, and report per application.
"""

from __future__ import annotations

from collections import defaultdict

from django import forms
from django.contrib import admin, messages
from django.contrib.admin.helpers import ActionForm
from django.core.exceptions import ValidationError
from django.db.models import QuerySet
from django.http import HttpRequest

from .. import pipeline
from ..models import (
    Application,
    Connection,
    ExcludedRejectionReason,
    PipelineStage,
    StageMapping,
)
from ..pipeline import applications as pipeline_applications
from .base import ReadOnlyAdminMixin


@admin.register(PipelineStage)
class PipelineStageAdmin(admin.ModelAdmin):
    list_display = ["name", "key", "position", "default_sla_days", "inbound_by_default"]
    list_editable = ["position", "default_sla_days", "inbound_by_default"]
    ordering = ["position", "id"]


class StageMappingForm(forms.ModelForm):
    class Meta:
        model = StageMapping
        fields = ["pipeline_stage", "position", "sla_days", "inbound", "excluded_from_advance"]

    def clean(self):
        cleaned = super().clean()
        if self.instance.pk and self.instance.removed and self.has_changed():
            raise ValidationError("This stage was removed in Thrive; its mapping is kept as is.")
        return cleaned


@admin.register(StageMapping)
class StageMappingAdmin(admin.ModelAdmin):
    form = StageMappingForm
    list_display = [
        "thrive_stage",
        "connection",
        "pipeline_stage",
        "position",
        "sla_days",
        "inbound",
        "excluded_from_advance",
        "status",
    ]
    list_editable = ["pipeline_stage", "position", "sla_days", "inbound", "excluded_from_advance"]
    list_filter = ["connection", "pipeline_stage", "inbound", "excluded_from_advance"]
    list_select_related = ["candidacy_stage", "connection", "pipeline_stage"]
    readonly_fields = ["connection", "candidacy_stage"]

    @admin.display(description="Thrive stage", ordering="candidacy_stage__name")
    def thrive_stage(self, mapping: StageMapping) -> str:
        return mapping.candidacy_stage.name

    @admin.display(description="Status")
    def status(self, mapping: StageMapping) -> str:
        if mapping.removed:
            return "Removed in Thrive"
        return "Needs attention" if mapping.needs_attention else "Mapped"

    def get_changelist_form(self, request: HttpRequest, **kwargs):
        # The list's inline edits get the same checks as the change form.
        kwargs.setdefault("form", StageMappingForm)
        return super().get_changelist_form(request, **kwargs)

    def save_model(self, request: HttpRequest, mapping: StageMapping, form, change: bool) -> None:
        super().save_model(request, mapping, form, change)
        pipeline_applications.refresh_for_mappings(mapping.connection, [mapping.pk])

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj=None) -> bool:
        return False


@admin.register(ExcludedRejectionReason)
class ExcludedRejectionReasonAdmin(admin.ModelAdmin):
    list_display = ["reason", "connection"]
    list_filter = ["connection"]


class ApplicationActionForm(ActionForm):
    stage_mapping = forms.ModelChoiceField(
        queryset=StageMapping.objects.filter(
            excluded_from_advance=False,
            pipeline_stage__isnull=False,
            candidacy_stage__remote_deleted_at__isnull=True,
        )
        .exclude(candidacy_stage__active=False)
        .select_related("candidacy_stage", "pipeline_stage"),
        required=False,
        label="Advance to",
    )
    reason = forms.CharField(required=False, max_length=255, label="Rejection reason")


@admin.register(Application)
class ApplicationAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
    action_form = ApplicationActionForm
    actions = ["advance_selected", "reject_selected"]
    list_display = [
        "id",
        "profile",
        "search",
        "pipeline_stage",
        "stage_entered_at",
        "rejected",
        "rejection_reason",
        "sla_due_at",
        "source",
        "pending_entry",
    ]
    list_filter = ["connection", "pipeline_stage", "rejected", "stage_mapping__inbound"]
    list_select_related = ["profile", "search", "pipeline_stage", "pending_entry"]
    search_fields = ["profile__name", "search__name", "candidacy__remote_id", "source"]

    def get_queryset(self, request: HttpRequest) -> QuerySet[Application]:
        pipeline_applications.settle_answered(Connection.objects.all())
        return super().get_queryset(request)

    @admin.action(description="Advance selected applications (choose “Advance to”)")
    def advance_selected(self, request: HttpRequest, queryset: QuerySet[Application]) -> None:
        mapping = _action_value(request, "stage_mapping")
        if not mapping:
            self.message_user(request, "Choose a stage to advance to.", messages.ERROR)
            return
        mapping = StageMapping.objects.select_related("candidacy_stage").get(pk=mapping)
        self._run(
            request,
            queryset,
            lambda connection, ids: pipeline.bulk_advance(connection, ids, mapping),
        )

    @admin.action(description="Reject selected applications (enter a “Rejection reason”)")
    def reject_selected(self, request: HttpRequest, queryset: QuerySet[Application]) -> None:
        reason = _action_value(request, "reason")
        self._run(
            request,
            queryset,
            lambda connection, ids: pipeline.bulk_reject(connection, ids, reason),
        )

    def _run(self, request: HttpRequest, queryset: QuerySet[Application], bulk) -> None:
        by_connection = defaultdict(list)
        for application in queryset.select_related("connection"):
            by_connection[application.connection].append(application.pk)
        for connection, ids in by_connection.items():
            try:
                outcomes = bulk(connection, ids)
            except pipeline.PipelineRefused as refusal:
                self.message_user(request, f"{connection}: {refusal}", messages.ERROR)
                continue
            done = sum(outcome.ok for outcome in outcomes)
            self.message_user(
                request, f"{connection}: {done} sent to Thrive; shown once Thrive confirms."
            )
            for outcome in outcomes:
                if not outcome.ok:
                    self.message_user(
                        request,
                        f"Application {outcome.application_id}: {outcome.error}",
                        messages.WARNING,
                    )


def _action_value(request: HttpRequest, name: str) -> str:
    return (request.POST.get(name) or "").strip()
