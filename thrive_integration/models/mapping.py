"""FieldMapping: which Thrive field(s) feed which platform field, through which transform.

Rows are per connection so a customer can change one mapping without touching another's. The
model only stores; what a valid mapping is (known fields, paths, transforms, one writer per
field) is decided in `thrive_integration.mapping.validation`, where the schema lives.
"""

from __future__ import annotations

from django.db import models


class FieldMapping(models.Model):
    class ThriveObject(models.TextChoices):
        CONTACT = "contact", "Contact"
        CANDIDACY = "candidacy", "Candidacy"

    class Direction(models.TextChoices):
        IMPORT = "import", "Import (Thrive → platform)"
        EXPORT = "export", "Export (platform → Thrive)"
        BOTH = "both", "Both"

    connection = models.ForeignKey(
        "thrive_integration.Connection", on_delete=models.CASCADE, related_name="field_mappings"
    )
    platform_field = models.CharField(max_length=64)
    thrive_object = models.CharField(
        max_length=16, choices=ThriveObject.choices, default=ThriveObject.CONTACT
    )
    # Dotted paths into the Thrive payload, e.g. ["first_name", "last_name"] or
    # ["positions.company_name"]; the transform receives their values in this order.
    thrive_paths = models.JSONField(default=list)
    transform = models.CharField(max_length=64)
    direction = models.CharField(max_length=8, choices=Direction.choices, default=Direction.IMPORT)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["id"]
        constraints = [
            models.UniqueConstraint(
                fields=["connection", "thrive_object", "platform_field"],
                name="thrive_field_mapping_one_writer",
            )
        ]

    def __str__(self) -> str:
        return f"{self.thrive_object}.{'+'.join(self.thrive_paths)} → {self.platform_field}"

    @property
    def imports(self) -> bool:
        return self.direction in (self.Direction.IMPORT, self.Direction.BOTH)
