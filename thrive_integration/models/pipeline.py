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
from typing import Any

from django.core.exceptions import ValidationError
from django.db import models

from ..normalize import name_key


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
    """A rejection reason the platform must not offer (nor accept) for this connection.

    Excluded once per reason as a recruiter reads it: "Not a fit", " not a fit " and
    "NOT A FIT" are one reason, to this table's uniqueness as to the pipeline that hides it
    (`pipeline.choices`). The key that says so is derived in Python on save, not by a unique
    index on LOWER(reason): SQLite's LOWER folds only ASCII, so the two databases would
    disagree about "Été" and "été", and LOWER does not collapse inner spacing.
    """

    connection = models.ForeignKey(
        "thrive_integration.Connection",
        on_delete=models.CASCADE,
        related_name="excluded_rejection_reasons",
    )
    reason = models.CharField(max_length=255)
    # `normalize.name_key(reason)`; text, as casefolding may lengthen it ("ß" is "ss").
    reason_key = models.TextField(editable=False)

    class Meta:
        ordering = ["reason", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["connection", "reason_key"],
                name="thrive_excluded_rejection_reason",
                violation_error_message=(
                    "This reason is already excluded for this connection "
                    "(case and spacing are ignored)."
                ),
            )
        ]

    def __str__(self) -> str:
        return self.reason

    def save(self, *args: Any, **kwargs: Any) -> None:
        self.normalise()
        super().save(*args, **kwargs)

    def normalise(self) -> None:
        """Trim the reason and derive the key its uniqueness is checked on."""
        self.reason = self.reason.strip()
        self.reason_key = name_key(self.reason)

    def clean(self) -> None:
        super().clean()
        # A form checks constraints after `clean`: the key must be the reason's by then.
        self.normalise()

    def validate_constraints(self, exclude: set[str] | None = None) -> None:
        # A form leaves the fields it lacks out of the check, the key among them; but the key
        # is the reason's uniqueness: checked whenever the reason is, its error is the reason's.
        if exclude and "reason" not in exclude:
            exclude = set(exclude) - {"reason_key"}
        try:
            super().validate_constraints(exclude)
        except ValidationError as error:
            raise ValidationError({"reason": error.messages}) from None


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
