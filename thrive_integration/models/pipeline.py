"""The platform's pipeline: its stages, how each Thrive candidacy stage maps onto them, and
Applications (a Thrive candidacy seen through that mapping).

Thrive accounts name and order their candidacy stages freely; the platform shows a fixed,
short list of `PipelineStage`s. A `StageMapping` per (connection, Thrive stage) says where a
Thrive stage belongs. It points at the mirrored `CandidacyStage` row rather than copying its
name, so a stage renamed in Thrive is renamed here, and a stage removed in Thrive (its mirror
row is only ever marked deleted) keeps its mapping and history but can no longer be chosen.
A mapping without a platform stage "needs attention": new Thrive stages after the first import
arrive that way instead of being silently dropped or guessed.

An `Application` stores its platform stage and SLA due time instead of computing them per
read: the inbound list filters and counts on them, and must stay a constant number of queries.
They are rewritten whenever the candidacy or the mapping changes (see `pipeline/`).
"""

from __future__ import annotations

from datetime import datetime

from django.db import models


class PipelineStage(models.Model):
    """A platform stage (Sourced, Applied, ... Rejected); shared by all connections."""

    key = models.SlugField(max_length=50, unique=True)
    name = models.CharField(max_length=100)
    position = models.PositiveIntegerField(default=0)
    # Defaults used when a connection's Thrive stages are first grouped.
    default_sla_days = models.PositiveIntegerField(null=True, blank=True)
    inbound_by_default = models.BooleanField(default=False)

    class Meta:
        ordering = ["position", "id"]

    def __str__(self) -> str:
        return self.name


class StageMapping(models.Model):
    connection = models.ForeignKey(
        "thrive_integration.Connection", on_delete=models.CASCADE, related_name="stage_mappings"
    )
    candidacy_stage = models.OneToOneField(
        "thrive_integration.CandidacyStage", on_delete=models.CASCADE, related_name="mapping"
    )
    # Null: not grouped yet (Needs Attention).
    pipeline_stage = models.ForeignKey(
        PipelineStage,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="stage_mappings",
    )
    # Order of the Thrive stage inside its platform stage (the frontend drags to reorder).
    position = models.PositiveIntegerField(default=0)
    sla_days = models.PositiveIntegerField(null=True, blank=True)
    inbound = models.BooleanField(default=False)
    excluded_from_advance = models.BooleanField(default=False)

    class Meta:
        ordering = ["pipeline_stage__position", "position", "id"]

    def __str__(self) -> str:
        target = self.pipeline_stage or "Needs attention"
        return f"{self.candidacy_stage.name} → {target}"

    @property
    def removed(self) -> bool:
        """Gone from Thrive (or switched off there): kept for history, never offered."""
        stage = self.candidacy_stage
        return stage.remote_deleted_at is not None or stage.active is False

    @property
    def needs_attention(self) -> bool:
        return self.pipeline_stage_id is None and not self.removed


class ExcludedRejectionReason(models.Model):
    """A rejection reason the platform must not offer (nor accept) for this connection."""

    connection = models.ForeignKey(
        "thrive_integration.Connection",
        on_delete=models.CASCADE,
        related_name="excluded_rejection_reasons",
    )
    reason = models.CharField(max_length=255)

    class Meta:
        ordering = ["reason", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["connection", "reason"], name="thrive_excluded_rejection_reason"
            )
        ]

    def __str__(self) -> str:
        return self.reason


class Application(models.Model):
    """A candidacy as the platform shows it: a profile in a search, at a platform stage."""

    connection = models.ForeignKey(
        "thrive_integration.Connection",
        on_delete=models.CASCADE,
        related_name="applications",
        db_index=False,
    )
    candidacy = models.OneToOneField(
        "thrive_integration.Candidacy", on_delete=models.CASCADE, related_name="application"
    )
    # Null while the contact's profile or the search has not been imported yet.
    profile = models.ForeignKey(
        "thrive_integration.CandidateProfile",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="applications",
    )
    search = models.ForeignKey(
        "thrive_integration.Search",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="applications",
    )
    stage_mapping = models.ForeignKey(
        StageMapping,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="applications",
    )
    pipeline_stage = models.ForeignKey(
        PipelineStage,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="applications",
    )
    stage_entered_at = models.DateTimeField(null=True, blank=True)
    rejected = models.BooleanField(default=False, db_index=True)
    rejection_reason = models.TextField(blank=True)
    rejected_at = models.DateTimeField(null=True, blank=True)
    sla_due_at = models.DateTimeField(null=True, blank=True, db_index=True)
    # From the candidacy's payload through the connection's candidacy FieldMappings (the seed's
    # "source" row); the other fields come from the candidacy and its stage mapping.
    source = models.CharField(max_length=255, blank=True)
    # The advance/reject written to Thrive and not confirmed yet; the stage shown stays
    # Thrive's until it is.
    pending_entry = models.ForeignKey(
        "thrive_integration.OutboxEntry",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    # The candidacy payload hash this row was computed from.
    candidacy_hash = models.CharField(max_length=64, blank=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["id"]
        indexes = [
            models.Index(fields=["connection", "pipeline_stage"], name="application_stage"),
        ]

    def __str__(self) -> str:
        return f"application {self.pk} (candidacy {self.candidacy_id})"

    def sla_breached(self, now: datetime) -> bool:
        return not self.rejected and self.sla_due_at is not None and self.sla_due_at < now
