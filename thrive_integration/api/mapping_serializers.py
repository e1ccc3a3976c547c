"""Serializers for field mappings, mapping proposals (validate/preview) and profiles."""

from __future__ import annotations

from typing import Any

from rest_framework import serializers

from ..mapping import InvalidFieldMapping, ensure_default_mappings, validate_mappings
from ..mapping.defaults import default_mappings
from ..models import CandidateProfile, Connection, FieldMapping
from .base import (
    StrictCharField,
    StrictModelSerializer,
    StrictSerializer,
    field_names,
    record_id,
)

# A preview maps stored payloads in the request: keep it to a handful.
MAX_PREVIEW_CONTACTS = 20


def _refuse(error: InvalidFieldMapping) -> serializers.ValidationError:
    return serializers.ValidationError({"mappings": error.errors})


class FieldMappingSerializer(StrictModelSerializer):
    """One mapping; refused when it, together with the connection's others, is invalid."""

    thrive_paths = serializers.ListField(
        child=StrictCharField(max_length=200), min_length=1, max_length=20
    )

    class Meta:
        model = FieldMapping
        fields = [
            "id",
            "platform_field",
            "thrive_object",
            "thrive_paths",
            "transform",
            "direction",
            "created_at",
            "updated_at",
        ]
        read_only_fields = ["id", "created_at", "updated_at"]
        # The one-writer rule is checked below with a clearer message than the constraint's.
        validators: list = []

    def validate(self, attrs: dict[str, Any]) -> dict[str, Any]:
        attrs = super().validate(attrs)
        connection: Connection = self.context["connection"]
        current = {
            name: getattr(self.instance, name)
            for name in ("platform_field", "thrive_object", "thrive_paths", "transform")
            if self.instance is not None
        }
        proposed = FieldMapping(connection=connection, **{**current, **attrs})
        # Against the seed's mappings when the connection has none yet, as the import sees it:
        # checked against none, a first create would leave the connection that one mapping.
        others = [
            m
            for m in ensure_default_mappings(connection)
            if m.pk != getattr(self.instance, "pk", None)
        ]
        try:
            validate_mappings([*others, proposed])
        except InvalidFieldMapping as error:
            raise _refuse(error) from None
        return attrs


class ProposedMappingSerializer(StrictSerializer):
    platform_field = StrictCharField(max_length=64)
    thrive_object = serializers.ChoiceField(
        choices=FieldMapping.ThriveObject.choices, default=FieldMapping.ThriveObject.CONTACT
    )
    thrive_paths = serializers.ListField(
        child=StrictCharField(max_length=200), min_length=1, max_length=20
    )
    transform = StrictCharField(max_length=64)
    direction = serializers.ChoiceField(
        choices=FieldMapping.Direction.choices, default=FieldMapping.Direction.IMPORT
    )


def _preview_ids(records: str) -> serializers.ListField:
    return serializers.ListField(
        child=record_id(),
        required=False,
        max_length=MAX_PREVIEW_CONTACTS,
        help_text=f"Stored {records} to preview (local ids), each once in this order; "
        "default: the first `limit`. An id that names none gets an `error`.",
    )


class MappingProposalSerializer(StrictSerializer):
    """A whole proposed set of mappings; without `mappings`, the connection's stored set."""

    mappings = ProposedMappingSerializer(many=True, required=False, max_length=100)
    contact_ids = _preview_ids("contacts")
    candidacy_ids = _preview_ids("candidacies")
    limit = serializers.IntegerField(
        min_value=1,
        max_value=MAX_PREVIEW_CONTACTS,
        default=5,
        help_text="How many contacts and candidacies to preview when no ids are given.",
    )

    def proposed_mappings(self, connection: Connection) -> list[FieldMapping]:
        if "mappings" not in self.validated_data:
            # The set the import would use, without saving the seed's for a mere look.
            return list(FieldMapping.objects.filter(connection=connection)) or default_mappings(
                connection
            )
        return [FieldMapping(connection=connection, **m) for m in self.validated_data["mappings"]]


class CandidateProfileSerializer(serializers.ModelSerializer):
    connection = serializers.PrimaryKeyRelatedField(read_only=True)
    contact_remote_id = serializers.CharField(
        source="contact.remote_id", read_only=True, default=None
    )

    class Meta:
        model = CandidateProfile
        # Matching keys and the change hash are bookkeeping, not profile data.
        fields = [
            *field_names(
                CandidateProfile,
                exclude={
                    "contact",
                    "email_key",
                    "work_email_key",
                    "linkedin_key",
                    "github_key",
                    "name_key",
                    "mapped_hash",
                },
            ),
            "contact_remote_id",
        ]
        read_only_fields = fields
