"""OutboxEntry: one write the platform wants Thrive to receive, and how far it got.

Thrive does not deduplicate on create, and an answer can be lost after the write happened, so
a write is never a fire-and-forget call: it is a row first. The row carries an idempotency key
(unique per connection: a double click finds the row the first click made), a state machine
that tells "not tried yet" from "tried, answer lost, look before writing again", an attempt
counter with the time of the next attempt, a readable last error, and the Thrive id once known.
"""

from __future__ import annotations

from django.db import models


class OutboxKind(models.TextChoices):
    EXPORT_PROFILE = "export_profile", "Export a profile as a contact"
    ADD_TO_SEARCH = "add_to_search", "Add a contact to a search"
    ADD_NOTE = "add_note", "Add a note to a contact"
    UPDATE_CANDIDACY = "update_candidacy", "Update a candidacy (stage, rejection)"


class OutboxState(models.TextChoices):
    PENDING = "pending", "Pending"
    IN_PROGRESS = "in_progress", "In progress"
    # The last attempt lost Thrive's answer to a write: the next one looks the record up first.
    NEEDS_LOOKUP = "needs_lookup", "Answer lost; look up before writing"
    SUCCEEDED = "succeeded", "Succeeded"
    FAILED = "failed", "Failed"


# States a worker may pick up (an IN_PROGRESS row too, once its worker's lease ran out).
CLAIMABLE_STATES = (OutboxState.PENDING, OutboxState.NEEDS_LOOKUP)


class OutboxEntry(models.Model):
    connection = models.ForeignKey(
        "thrive_integration.Connection", on_delete=models.CASCADE, related_name="outbox_entries"
    )
    kind = models.CharField(max_length=32, choices=OutboxKind.choices)
    profile = models.ForeignKey(
        "thrive_integration.CandidateProfile",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="outbox_entries",
    )
    # The platform Application a candidacy update is for; a plain id because applications are
    # owned by the stage workflow, which the outbox must not depend on.
    application_id = models.BigIntegerField(null=True, blank=True, db_index=True)
    # What to write, in the kind's own terms (search id, note body, stage id...). Never a secret.
    payload = models.JSONField(default=dict, blank=True)
    idempotency_key = models.CharField(max_length=200)
    state = models.CharField(
        max_length=16, choices=OutboxState.choices, default=OutboxState.PENDING, db_index=True
    )
    attempts = models.PositiveIntegerField(default=0)
    next_attempt_at = models.DateTimeField(null=True, blank=True, db_index=True)
    # Who holds an IN_PROGRESS row and until when; a dead worker's row is reclaimed after this.
    claimed_by = models.CharField(max_length=64, blank=True)
    lease_expires_at = models.DateTimeField(null=True, blank=True)
    last_error = models.TextField(blank=True)
    # The Thrive record this entry wrote (contact, candidacy or note), as Thrive sent it.
    remote_id = models.CharField(max_length=64, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)
    completed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["id"]
        verbose_name = "outbox entry"
        verbose_name_plural = "outbox entries"
        constraints = [
            models.UniqueConstraint(
                fields=["connection", "idempotency_key"], name="thrive_outbox_idempotency_key"
            )
        ]
        indexes = [
            models.Index(fields=["connection", "state", "next_attempt_at"], name="outbox_due")
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} #{self.pk} ({self.state})"
