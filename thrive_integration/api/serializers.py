"""Serializers of the REST API: connections (key write-only), sync runs, mirrored Thrive objects.

Input serializers call the core's validators (`connections.validate_base_url`, the resource
registry) so the API, the admin and the commands accept exactly the same values.
"""

from __future__ import annotations

from typing import Any

from django.db import models, transaction
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from .. import models as m
from ..connections import create_connection, rotate_api_key, validate_api_key, validate_base_url
from ..exceptions import ConfigurationError
from ..schedules import sync_schedules
from ..sync.registry import RESOURCE_NAMES
from .base import (
    JsonBooleanField,
    StrictCharField,
    StrictModelSerializer,
    StrictSerializer,
    StrictURLField,
    field_names,
)

API_KEY_MAX_LENGTH = 500
MAX_INTERVAL_MINUTES = 7 * 24 * 60
RUN_DETAIL_ERRORS = 100


def _core_validator(check):
    """Turn a core validator's ConfigurationError into a field error."""

    def validate(value: str) -> str:
        try:
            return check(value)
        except ConfigurationError as exc:
            raise serializers.ValidationError(str(exc)) from None

    return validate


class ProbeCreationSerializer(serializers.Serializer):
    operation = serializers.CharField()
    record_id = serializers.CharField()
    removed = serializers.BooleanField(help_text="Deleted again by the verification.")


class PermissionReportSerializer(serializers.Serializer):
    checked_at = serializers.DateTimeField(required=False)
    granted = serializers.ListField(child=serializers.CharField(), required=False)
    missing = serializers.ListField(child=serializers.CharField(), required=False)
    missing_by_group = serializers.DictField(
        child=serializers.ListField(child=serializers.CharField()), required=False
    )
    error = serializers.CharField(required=False)
    created_by_probes = ProbeCreationSerializer(
        many=True,
        required=False,
        help_text="Records verification made because Thrive accepted an empty create; "
        "absent when none (the expected case).",
    )


class ConnectionSerializer(StrictModelSerializer):
    # Write-only: the key is never serialized back, only its hint (last four characters).
    api_key = StrictCharField(
        write_only=True,
        max_length=API_KEY_MAX_LENGTH,
        trim_whitespace=True,
        validators=[_core_validator(validate_api_key)],
        style={"input_type": "password"},
    )
    base_url = StrictURLField(
        max_length=500, required=False, validators=[_core_validator(validate_base_url)]
    )
    permission_report = PermissionReportSerializer(read_only=True)
    missing_permissions = serializers.ListField(child=serializers.CharField(), read_only=True)
    active_run = serializers.SerializerMethodField()

    class Meta:
        model = m.Connection
        fields = (
            "id",
            "name",
            "base_url",
            "api_key",
            "api_key_hint",
            "status",
            "verified_at",
            "permission_report",
            "missing_permissions",
            "import_enabled",
            "import_interval_minutes",
            "export_enabled",
            "export_interval_minutes",
            "active_run",
            "created_at",
            "updated_at",
        )
        read_only_fields = (
            "status",
            "verified_at",
            "import_enabled",
            "import_interval_minutes",
            "export_enabled",
            "export_interval_minutes",
        )

    @extend_schema_field(serializers.IntegerField(allow_null=True))
    def get_active_run(self, connection: m.Connection) -> int | None:
        # Views annotate `active_run_id` so listing connections costs one query.
        return getattr(connection, "active_run_id", None)

    def get_fields(self) -> dict[str, serializers.Field]:
        fields = super().get_fields()
        if self.instance is not None:  # a key is required to create, optional to update
            fields["api_key"].required = False
        return fields

    def validate_name(self, name: str) -> str:
        taken = m.Connection.objects.filter(owner=self.context["owner"], name=name)
        if self.instance is not None:
            taken = taken.exclude(pk=self.instance.pk)
        if taken.exists():
            raise serializers.ValidationError("You already have a connection with this name.")
        return name

    def validate(self, attrs: dict[str, Any]) -> dict[str, Any]:
        attrs = super().validate(attrs)
        if "base_url" in attrs:  # valid (the field's validator): in its one spelling
            attrs["base_url"] = validate_base_url(attrs["base_url"])
        moved = self.instance is not None and attrs.get("base_url") not in (
            None,
            self.instance.base_url,
        )
        if moved and not attrs.get("api_key"):
            raise serializers.ValidationError(
                {"api_key": ["Enter the API key again to change the base URL."]}
            )
        return attrs

    def create(self, validated_data: dict[str, Any]) -> m.Connection:
        return create_connection(owner=self.context["owner"], **validated_data)

    @transaction.atomic
    def update(self, connection: m.Connection, validated_data: dict[str, Any]) -> m.Connection:
        api_key = validated_data.pop("api_key", None)
        base_url = validated_data.pop("base_url", None)
        for name, value in validated_data.items():
            setattr(connection, name, value)
        if api_key:
            # Saves, resets the verification, and moves the connection if asked.
            return rotate_api_key(connection, api_key, base_url=base_url)
        connection.save()
        return connection


class ScheduleSerializer(StrictModelSerializer):
    import_interval_minutes = serializers.IntegerField(min_value=1, max_value=MAX_INTERVAL_MINUTES)
    export_interval_minutes = serializers.IntegerField(min_value=1, max_value=MAX_INTERVAL_MINUTES)

    class Meta:
        model = m.Connection
        fields = (
            "import_enabled",
            "import_interval_minutes",
            "export_enabled",
            "export_interval_minutes",
        )

    @transaction.atomic
    def update(self, connection: m.Connection, validated_data: dict[str, Any]) -> m.Connection:
        connection = super().update(connection, validated_data)
        sync_schedules(connection)
        return connection


class SyncRequestSerializer(StrictSerializer):
    full = JsonBooleanField(
        default=False, help_text="Read everything and sweep deletions, instead of changes only."
    )
    resources = serializers.ListField(
        child=serializers.ChoiceField(choices=RESOURCE_NAMES),
        required=False,
        allow_empty=True,
        max_length=len(RESOURCE_NAMES),
        help_text="Resources to import; all of them when absent or empty.",
    )


class VerificationSerializer(serializers.ModelSerializer):
    missing_permissions = serializers.ListField(child=serializers.CharField(), read_only=True)
    permission_report = PermissionReportSerializer(read_only=True)

    class Meta:
        model = m.Connection
        fields = ("id", "status", "verified_at", "missing_permissions", "permission_report")


class ConflictSerializer(serializers.Serializer):
    detail = serializers.CharField()
    active_run = serializers.IntegerField(allow_null=True)


class SyncErrorSerializer(serializers.ModelSerializer):
    class Meta:
        model = m.SyncError
        fields = ("id", "step", "resource", "remote_id", "reason", "created_at")


class SyncStepSerializer(serializers.ModelSerializer):
    records_done = serializers.IntegerField(read_only=True)

    class Meta:
        model = m.SyncStep
        fields = (
            "id",
            "resource",
            "order",
            "status",
            "created",
            "updated",
            "unchanged",
            "deleted",
            "failed",
            "pages",
            "records_done",
            "resumed",
            "updated_since",
            "started_at",
            "finished_at",
            "error",
        )


class SyncRunSerializer(serializers.ModelSerializer):
    steps = SyncStepSerializer(many=True, read_only=True)

    class Meta:
        model = m.SyncRun
        fields = (
            "id",
            "connection",
            "kind",
            "trigger",
            "status",
            "created_at",
            "started_at",
            "finished_at",
            "attempts",
            "error",
            "steps",
        )


class SyncRunDetailSerializer(SyncRunSerializer):
    errors = serializers.SerializerMethodField(
        help_text=f"The first {RUN_DETAIL_ERRORS} errors; the admin shows all of them."
    )

    class Meta(SyncRunSerializer.Meta):
        fields = (*SyncRunSerializer.Meta.fields, "errors")

    @extend_schema_field(SyncErrorSerializer(many=True))
    def get_errors(self, run: m.SyncRun) -> list[dict[str, Any]]:
        # A broken run may log thousands; the detail shows where it went wrong.
        return SyncErrorSerializer(run.errors.all()[:RUN_DETAIL_ERRORS], many=True).data


# ---- mirrored Thrive objects -------------------------------------------------------------

# Bookkeeping that says nothing to a client: how we detect unchanged payloads.
_HIDDEN = {"content_hash", "first_synced_at"}


def child_serializer(model: type[models.Model]) -> type[serializers.ModelSerializer]:
    """A child record without its parent link and connection (the parent already says both)."""
    parent_links = {f.name for f in model._meta.concrete_fields if f.is_relation}
    meta = type(
        "Meta",
        (),
        {"model": model, "fields": field_names(model, exclude=_HIDDEN | parent_links)},
    )
    return type(f"{model.__name__}Serializer", (serializers.ModelSerializer,), {"Meta": meta})


def mirror_serializer(
    model: type[models.Model], children: tuple[str, ...] = ()
) -> type[serializers.ModelSerializer]:
    """A top-level mirrored object with its embedded children, each a nested list."""
    nested = {
        name: child_serializer(model._meta.get_field(name).related_model)(many=True, read_only=True)
        for name in children
    }
    meta = type(
        "Meta",
        (),
        {"model": model, "fields": (*field_names(model, exclude=_HIDDEN), *children)},
    )
    return type(
        f"{model.__name__}Serializer", (serializers.ModelSerializer,), {"Meta": meta, **nested}
    )
