"""Serializers of the export API: outbox rows (read-only) and an export request."""

from __future__ import annotations

from typing import Any

from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from ..models import CandidateProfile, OutboxEntry
from .base import StrictCharField, StrictSerializer


class OutboxEntrySerializer(serializers.ModelSerializer):
    class Meta:
        model = OutboxEntry
        fields = [
            "id",
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
        ]
        read_only_fields = fields


@extend_schema_field(OpenApiTypes.INT)
class OwnedProfileField(serializers.PrimaryKeyRelatedField):
    """A profile of the request's owner; another owner's profile reads as nonexistent."""

    def get_queryset(self):
        return CandidateProfile.objects.filter(connection__owner=self.context.get("owner"))


def _no_comma(tag: str) -> None:
    # Thrive keeps tags as one `Tags: a, b` line of referred_by_notes: a comma would split
    # the tag in two when the next import reads it back.
    if "," in tag:
        raise serializers.ValidationError("A tag cannot contain a comma.")


class ExportProfileSerializer(StrictSerializer):
    profile = OwnedProfileField()
    search_id = StrictCharField(max_length=64, required=False, allow_blank=False)
    candidacy_stage_id = StrictCharField(max_length=64, required=False)
    icp_name = StrictCharField(max_length=255, required=False)
    icp_owner_name = StrictCharField(max_length=255, required=False)
    shortlisted_by = StrictCharField(max_length=255, required=False)
    tags = serializers.ListField(
        child=StrictCharField(max_length=100, validators=[_no_comma]),
        max_length=50,
        required=False,
    )

    def validate_profile(self, profile: CandidateProfile) -> CandidateProfile:
        # Refused here too so the user hears it now, not from a failed row later.
        if profile.off_limits:
            raise serializers.ValidationError(
                "This person is off-limits and is never exported or added to a search."
            )
        return profile

    def validate(self, attrs: dict[str, Any]) -> dict[str, Any]:
        attrs = super().validate(attrs)
        if "candidacy_stage_id" in attrs and "search_id" not in attrs:
            raise serializers.ValidationError(
                {"candidacy_stage_id": ["A stage needs a search_id."]}
            )
        return attrs
