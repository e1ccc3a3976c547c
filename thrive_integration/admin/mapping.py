"""Admin for FieldMappings (validated on save) and CandidateProfiles (read-only: mapped data).

Profiles are made by the mapping engine from Thrive payloads; editing one here would be undone
by the next import, so the admin shows them and offers only "re-map", which queues a remap run
that rebuilds them from stored payloads without calling Thrive (on 100k contacts it takes
minutes, too long for a request).
"""

from __future__ import annotations

from django import forms
from django.contrib import admin
from django.core.exceptions import ValidationError
from django.db.models import QuerySet
from django.http import HttpRequest

from ..mapping import InvalidFieldMapping, ensure_default_mappings, validate_mappings
from ..models import CandidateProfile, Connection, FieldMapping, SyncRun
from ..sync.runner import request_remap
from .sync import queue_runs


class FieldMappingForm(forms.ModelForm):
    class Meta:
        model = FieldMapping
        fields = [
            "connection",
            "platform_field",
            "thrive_object",
            "thrive_paths",
            "transform",
            "direction",
        ]

    def clean(self):
        cleaned = super().clean()
        connection = cleaned.get("connection")
        if connection is None or self.errors:
            return cleaned
        proposed = FieldMapping(pk=self.instance.pk, **cleaned)
        # Against the seed's mappings when the connection has none yet, as the import sees it.
        others = [m for m in ensure_default_mappings(connection) if m.pk != self.instance.pk]
        try:
            validate_mappings([*others, proposed])
        except InvalidFieldMapping as error:
            raise ValidationError(error.errors) from None
        return cleaned


@admin.register(FieldMapping)
class FieldMappingAdmin(admin.ModelAdmin):
    form = FieldMappingForm
    list_display = [
        "platform_field",
        "thrive_object",
        "paths",
        "transform",
        "direction",
        "connection",
    ]
    list_filter = ["connection", "thrive_object", "direction"]
    search_fields = ["platform_field", "transform"]
    actions = ["remap_connections"]

    @admin.display(description="Thrive field(s)")
    def paths(self, obj: FieldMapping) -> str:
        return ", ".join(obj.thrive_paths or [])

    @admin.action(description="Re-map the selected mappings' connections from stored data")
    def remap_connections(self, request: HttpRequest, queryset: QuerySet) -> None:
        _remap(self, request, Connection.objects.filter(field_mappings__in=queryset).distinct())


def _remap(model_admin: admin.ModelAdmin, request: HttpRequest, connections) -> None:
    queue_runs(
        model_admin,
        request,
        connections,
        lambda connection: request_remap(connection, trigger=SyncRun.Trigger.MANUAL),
    )


@admin.register(CandidateProfile)
class CandidateProfileAdmin(admin.ModelAdmin):
    list_display = [
        "name",
        "company",
        "title",
        "location",
        "off_limits",
        "connection",
        "updated_at",
    ]
    list_filter = ["off_limits", "connection"]
    search_fields = ["name", "email", "company", "linkedin_url"]
    list_select_related = ["connection"]
    readonly_fields = [field.name for field in CandidateProfile._meta.fields]
    actions = ["remap_connections"]

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj=None) -> bool:
        return False

    @admin.action(description="Re-map the selected profiles' connections from stored data")
    def remap_connections(self, request: HttpRequest, queryset: QuerySet) -> None:
        _remap(self, request, Connection.objects.filter(profiles__in=queryset).distinct())
