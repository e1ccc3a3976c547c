"""The record of every import and re-map: runs, their steps, per-record errors, cursors.

An import run has one step per resource; a remap run (every stored contact, then every
stored candidacy, mapped again from its payload, no HTTP) has two steps, "profiles" and
"applications". Both kinds share the one-active-run constraint, so a remap and an import of
one connection never write profiles or applications at once.
"""

from __future__ import annotations

from django.db import models


class RunStatus(models.TextChoices):
    PENDING = "pending", "Pending"
    RUNNING = "running", "Running"
    SUCCEEDED = "succeeded", "Success"
    NEEDS_ATTENTION = "needs_attention", "Needs Attention"
    FAILED = "failed", "Failure"


ACTIVE_RUN_STATUSES = (RunStatus.PENDING, RunStatus.RUNNING)


class StepStatus(models.TextChoices):
    NOT_STARTED = "not_started", "Not Started"
    RUNNING = "running", "Running"
    SUCCEEDED = "succeeded", "Success"
    NEEDS_ATTENTION = "needs_attention", "Needs Attention"
    FAILED = "failed", "Failure"


class SyncRun(models.Model):
    class Kind(models.TextChoices):
        FULL = "full", "Full"
        INCREMENTAL = "incremental", "Incremental"
        REMAP = "remap", "Re-map"

    class Trigger(models.TextChoices):
        SCHEDULE = "schedule"
        MANUAL = "manual"
        API = "api"
        COMMAND = "command"

    connection = models.ForeignKey(
        "thrive_integration.Connection", on_delete=models.CASCADE, related_name="sync_runs"
    )
    kind = models.CharField(max_length=16, choices=Kind.choices)
    trigger = models.CharField(max_length=16, choices=Trigger.choices, default=Trigger.MANUAL)
    status = models.CharField(
        max_length=20, choices=RunStatus.choices, default=RunStatus.PENDING, db_index=True
    )
    created_at = models.DateTimeField(auto_now_add=True, db_index=True)
    started_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)
    # How many task invocations worked on this run (> 1: it continued from a checkpoint).
    attempts = models.PositiveIntegerField(default=0)
    error = models.TextField(blank=True)

    class Meta:
        ordering = ["-id"]
        constraints = [
            # The database itself refuses a second active run of one connection.
            models.UniqueConstraint(
                fields=["connection"],
                condition=models.Q(status__in=["pending", "running"]),
                name="thrive_one_active_run",
            )
        ]

    def __str__(self) -> str:
        return f"{self.kind} sync #{self.pk} ({self.get_status_display()})"

    @property
    def is_active(self) -> bool:
        return self.status in ACTIVE_RUN_STATUSES


class SyncStep(models.Model):
    # What happened to the records of one resource, in the order every report shows them.
    COUNTS = ("created", "updated", "unchanged", "deleted", "failed")

    run = models.ForeignKey(SyncRun, on_delete=models.CASCADE, related_name="steps")
    resource = models.CharField(max_length=64)
    order = models.PositiveSmallIntegerField()
    status = models.CharField(
        max_length=20, choices=StepStatus.choices, default=StepStatus.NOT_STARTED
    )
    created = models.PositiveIntegerField(default=0)
    updated = models.PositiveIntegerField(default=0)
    unchanged = models.PositiveIntegerField(default=0)
    deleted = models.PositiveIntegerField(default=0)
    failed = models.PositiveIntegerField(default=0)
    pages = models.PositiveIntegerField(default=0)  # a remap counts its batches here
    # What the resource's hook derived from the records, e.g. {"profiles_created": 12}.
    derived = models.JSONField(default=dict, blank=True)
    # Where to resume, saved with each page's (or batch's) writes: the client's page cursor
    # for an import, {"after": last remote id re-mapped} for a remap.
    checkpoint = models.JSONField(null=True, blank=True)
    # The listing was resumed from a checkpoint, so this process did not see all of it.
    resumed = models.BooleanField(default=False)
    updated_since = models.DateTimeField(null=True, blank=True)
    max_remote_updated_at = models.DateTimeField(null=True, blank=True)
    started_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)
    error = models.TextField(blank=True)

    class Meta:
        ordering = ["run", "order"]
        constraints = [
            models.UniqueConstraint(fields=["run", "resource"], name="thrive_step_run_resource")
        ]

    def __str__(self) -> str:
        return f"{self.resource}: {self.get_status_display()}"

    @property
    def records_done(self) -> int:
        return sum(getattr(self, count) for count in self.COUNTS)


class SyncError(models.Model):
    run = models.ForeignKey(SyncRun, on_delete=models.CASCADE, related_name="errors")
    step = models.ForeignKey(SyncStep, on_delete=models.CASCADE, related_name="errors")
    resource = models.CharField(max_length=64)
    remote_id = models.CharField(max_length=64, blank=True)
    reason = models.TextField()
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["id"]

    def __str__(self) -> str:
        return f"{self.resource} {self.remote_id}: {self.reason[:80]}"


class SyncCursor(models.Model):
    """How far incremental imports of one resource have safely read."""

    connection = models.ForeignKey(
        "thrive_integration.Connection", on_delete=models.CASCADE, related_name="cursors"
    )
    resource = models.CharField(max_length=64)
    value = models.DateTimeField()
    # False once the server was seen ignoring `updated_since`: later runs read everything and
    # rely on content hashes instead.
    server_filters = models.BooleanField(default=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["connection", "resource"], name="thrive_cursor_connection_resource"
            )
        ]

    def __str__(self) -> str:
        return f"{self.resource} since {self.value.isoformat()}"
