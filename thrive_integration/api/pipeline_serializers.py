"""Serializers of the pipeline endpoints: stages, the stage mapping, applications and actions."""

from __future__ import annotations

from rest_framework import serializers

from .. import models as m
from .base import (
    JsonBooleanField,
    StrictCharField,
    StrictModelSerializer,
    StrictSerializer,
    record_id,
)


class PipelineStageSerializer(serializers.ModelSerializer):
    class Meta:
        model = m.PipelineStage
        fields = ("id", "key", "name", "position", "default_sla_days", "inbound_by_default")


class StageMappingSerializer(serializers.ModelSerializer):
    candidacy_stage_id = serializers.CharField(source="candidacy_stage.remote_id", read_only=True)
    candidacy_stage_name = serializers.CharField(source="candidacy_stage.name", read_only=True)
    removed = serializers.BooleanField(read_only=True)
    needs_attention = serializers.BooleanField(read_only=True)

    class Meta:
        model = m.StageMapping
        fields = (
            "id",
            "connection",
            "candidacy_stage_id",
            "candidacy_stage_name",
            "pipeline_stage",
            "position",
            "sla_days",
            "inbound",
            "excluded_from_advance",
            "removed",
            "needs_attention",
        )
        read_only_fields = fields


class GroupedStageSerializer(StrictSerializer):
    id = record_id()
    sla_days = serializers.IntegerField(
        min_value=0, max_value=3650, allow_null=True, required=False
    )
    inbound = JsonBooleanField(required=False)
    excluded_from_advance = JsonBooleanField(required=False)


class StageGroupSerializer(StrictSerializer):
    pipeline_stage = record_id()
    stages = GroupedStageSerializer(many=True, max_length=500)


class RegroupSerializer(StrictSerializer):
    connection = record_id()
    groups = StageGroupSerializer(many=True, max_length=100)


class ExcludedRejectionReasonSerializer(StrictModelSerializer):
    connection = record_id(source="connection_id")

    class Meta:
        model = m.ExcludedRejectionReason
        fields = ("id", "connection", "reason")
        # Checked in `validate` by the model: its constraint is on a key derived from the reason.
        validators: list = []

    def validate_connection(self, connection_id: int) -> int:
        if not m.Connection.objects.filter(pk=connection_id, owner=self.context["owner"]).exists():
            raise serializers.ValidationError("No such connection.")
        return connection_id

    def validate(self, attrs: dict) -> dict:
        attrs = super().validate(attrs)
        # The admin's check: the same reason in another case or spacing is refused too.
        excluded = m.ExcludedRejectionReason(**attrs)
        excluded.clean()
        excluded.validate_constraints()
        return attrs


class ApplicationSerializer(serializers.ModelSerializer):
    candidacy_id = serializers.CharField(source="candidacy.remote_id", read_only=True)
    profile_name = serializers.CharField(source="profile.name", read_only=True, default="")
    search_name = serializers.CharField(source="search.name", read_only=True, default="")
    pipeline_stage_name = serializers.CharField(
        source="pipeline_stage.name", read_only=True, default=""
    )
    candidacy_stage_id = serializers.CharField(
        source="stage_mapping.candidacy_stage.remote_id", read_only=True, default=""
    )
    candidacy_stage_name = serializers.CharField(
        source="stage_mapping.candidacy_stage.name", read_only=True, default=""
    )
    sla_breached = serializers.SerializerMethodField()
    pending = serializers.SerializerMethodField()

    class Meta:
        model = m.Application
        fields = (
            "id",
            "connection",
            "candidacy_id",
            "profile",
            "profile_name",
            "search",
            "search_name",
            "candidacy_stage_id",
            "candidacy_stage_name",
            "pipeline_stage",
            "pipeline_stage_name",
            "stage_entered_at",
            "rejected",
            "rejection_reason",
            "rejected_at",
            "sla_due_at",
            "sla_breached",
            "pending",
            "source",
        )
        read_only_fields = fields

    def get_sla_breached(self, application: m.Application) -> bool:
        return application.sla_breached(self.context["now"])

    def get_pending(self, application: m.Application) -> bool:
        """True while an advance or reject waits for Thrive's confirmation."""
        return application.pending_entry_id is not None


class AdvanceSerializer(StrictSerializer):
    stage_mapping = record_id()


class RejectSerializer(StrictSerializer):
    reason = StrictCharField(max_length=255)


def application_ids() -> serializers.ListField:
    # A bulk action is one request per Thrive write; 500 keeps one request's work bounded.
    return serializers.ListField(child=record_id(), min_length=1, max_length=500)


class BulkAdvanceSerializer(AdvanceSerializer):
    connection = record_id()
    applications = application_ids()


class BulkRejectSerializer(RejectSerializer):
    connection = record_id()
    applications = application_ids()


class ActionOutcomeSerializer(serializers.Serializer):
    application_id = serializers.IntegerField()
    ok = serializers.BooleanField()
    entry_id = serializers.IntegerField(allow_null=True)
    error = serializers.CharField()


class ChoicesSerializer(serializers.Serializer):
    advance_targets = StageMappingSerializer(many=True)
    rejection_reasons = serializers.ListField(child=serializers.CharField())
