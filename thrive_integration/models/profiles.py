"""CandidateProfile: the platform's person, built from one or more Thrive contacts.

A profile is ours; the contacts it comes from are Thrive's. They are joined by
`ContactProfileLink`, one row per contact (unique), so a contact can never feed two profiles,
while one profile may be fed by several contacts: duplicates matched by email/LinkedIn/GitHub,
and contacts Thrive merged into another (re-pointed to the survivor's profile).

Mapped values live in columns named after the seed's "Field Mapping" table; lists (work
experience, education, notes...) are JSON, because they are always read and written whole
with their profile and a page of profiles must be written in a constant number of statements.
The `*_key` columns are normalised forms used only for matching.
"""

from __future__ import annotations

from django.db import models

# Matching keys are looked up per connection: each has a (connection, key) index, and the
# connection has no index of its own, which SQLite would otherwise pick for these lookups and
# scan the whole connection with (see MirrorModel.connection).
MATCHING_KEYS = ("email_key", "work_email_key", "linkedin_key", "github_key", "name_key")


class CandidateProfile(models.Model):
    connection = models.ForeignKey(
        "thrive_integration.Connection",
        on_delete=models.CASCADE,
        related_name="profiles",
        db_index=False,
    )
    # The contact whose data the profile shows; the survivor after a merge in Thrive.
    contact = models.ForeignKey(
        "thrive_integration.Contact",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="primary_profiles",
    )

    # Platform fields, one per row of the seed's mapping table.
    name = models.CharField(max_length=255, blank=True)
    work_experience = models.JSONField(default=list, blank=True)
    company = models.CharField(max_length=255, blank=True)
    location = models.CharField(max_length=255, blank=True)
    title = models.CharField(max_length=255, blank=True)
    email = models.CharField(max_length=255, blank=True)
    work_email = models.CharField(max_length=255, blank=True)
    phone = models.CharField(max_length=64, blank=True)
    education = models.JSONField(default=list, blank=True)
    tags = models.JSONField(default=list, blank=True)
    attachments = models.JSONField(default=list, blank=True)
    notes = models.JSONField(default=list, blank=True)
    # The seed maps nothing from Thrive here ("NA"); the platform fills it from its own events.
    activity_feed = models.JSONField(default=list, blank=True)
    linkedin_url = models.CharField(max_length=500, blank=True)
    platform_profile_url = models.CharField(max_length=500, blank=True)
    skills = models.JSONField(default=list, blank=True)
    avatar_url = models.CharField(max_length=1000, blank=True)
    github_url = models.CharField(max_length=500, blank=True)
    icp_name = models.CharField(max_length=255, blank=True)
    icp_owner_name = models.CharField(max_length=255, blank=True)
    shortlisted_by = models.CharField(max_length=255, blank=True)
    source = models.CharField(max_length=255, blank=True)

    # Off-limits: recruiters must not approach this person. Expired reasons do not count.
    off_limits = models.BooleanField(default=False, db_index=True)
    off_limit_reasons = models.JSONField(default=list, blank=True)

    # Matching keys (see normalize.py); never shown.
    email_key = models.CharField(max_length=255, blank=True)
    work_email_key = models.CharField(max_length=255, blank=True)
    linkedin_key = models.CharField(max_length=500, blank=True)
    github_key = models.CharField(max_length=255, blank=True)
    name_key = models.CharField(max_length=255, blank=True)

    # Hash of everything mapped: an unchanged contact costs no write.
    mapped_hash = models.CharField(max_length=64, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["id"]
        indexes = [
            models.Index(fields=["connection", key], name=f"profile_{key}") for key in MATCHING_KEYS
        ] + [models.Index(fields=["connection", "updated_at"], name="profile_updated")]

    def __str__(self) -> str:
        return self.name or f"profile {self.pk}"


class ContactProfileLink(models.Model):
    """Which profile a Thrive contact feeds. Unique per contact: never two profiles for one."""

    connection = models.ForeignKey(
        "thrive_integration.Connection", on_delete=models.CASCADE, db_index=False
    )
    contact = models.OneToOneField(
        "thrive_integration.Contact", on_delete=models.CASCADE, related_name="profile_link"
    )
    profile = models.ForeignKey(CandidateProfile, on_delete=models.CASCADE, related_name="links")
    # The contact's `merged_into_id`, copied here so "which contacts were merged into these?"
    # is an indexed lookup on this small table, not a scan of the mirrored payloads.
    merged_into_remote_id = models.CharField(max_length=64, blank=True)

    class Meta:
        ordering = ["id"]
        indexes = [
            models.Index(fields=["connection", "merged_into_remote_id"], name="profile_link_merged")
        ]

    def __str__(self) -> str:
        return f"contact {self.contact_id} → profile {self.profile_id}"


class ProfileNameEmployerKey(models.Model):
    """`<name key>|<employer key>` for each employer in a profile's work history.

    Matching on "same name and a shared employer" must find its candidates with an index: by
    name alone a common name pulls thousands of profiles into every page.
    """

    connection = models.ForeignKey(
        "thrive_integration.Connection", on_delete=models.CASCADE, db_index=False
    )
    profile = models.ForeignKey(
        CandidateProfile, on_delete=models.CASCADE, related_name="name_employer_keys"
    )
    key = models.CharField(max_length=512)

    class Meta:
        ordering = ["id"]
        indexes = [models.Index(fields=["connection", "key"], name="profile_name_employer")]

    def __str__(self) -> str:
        return self.key
