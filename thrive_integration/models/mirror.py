"""Local mirrors of Thrive objects, one model per Thrive object, with Thrive's field names.

Every mirror keeps the raw payload (`remote_data`) beside a few extracted, indexed fields, and a
`content_hash` of the payload so an unchanged record costs no write. Bookkeeping fields carry a
`remote_` prefix, as unified ATS APIs do. References between top-level Thrive objects are kept
as remote ids (`*_remote_id`) rather than foreign keys: Thrive may send a candidacy before the
contact it names reaches us, and an import must not fail on order. Children (a contact's
positions, a company's funding rounds...) arrive embedded in their parent and hang off it by a
real foreign key. Each child is stored once, as its own row: the parent's payload keeps an
embedded list as `[]`, and `sync.payloads` puts the children back where a reader needs the
payload as Thrive sent it.
"""

from __future__ import annotations

from django.db import models


class PayloadField(models.JSONField):
    """A payload as the import stored it: always valid JSON, encoded by `sync.extract`.

    On SQLite Django guards every JSONField with a JSON_VALID check, which parses each row's
    JSON again on every write: an import page stores about 1,600 payloads, and the check cost
    about 6% of the writer's CPU. PostgreSQL's jsonb has no such check to drop.
    """

    def db_check(self, connection: object) -> None:
        return None


class RemoteIdList(models.JSONField):
    """References to other Thrive records (a talent pool's contacts) as a list of remote ids.

    Thrive may send ids as integers or as strings (docs/thrive-wire.md) and every other
    reference is stored as a string (`*_remote_id`), so the import stores these as strings
    too (`sync.extract`): `[101]` and `["101"]` are the same pool. The column is a plain JSON
    list, so the field deconstructs as a JSONField and needs no migration.
    """

    def deconstruct(self) -> tuple:
        name, _, args, kwargs = super().deconstruct()
        return name, "django.db.models.JSONField", args, kwargs


class MirrorModel(models.Model):
    # No index of its own: the unique (connection, remote_id) index serves lookups by
    # connection. With a second, connection-only index, SQLite (which has no statistics on a
    # freshly loaded table) looks remote ids up by scanning the whole connection, so every
    # page of an import would cost time in proportion to the rows already stored.
    connection = models.ForeignKey(
        "thrive_integration.Connection", on_delete=models.CASCADE, db_index=False
    )
    remote_id = models.CharField(max_length=64)
    remote_created_at = models.DateTimeField(null=True, blank=True)
    remote_updated_at = models.DateTimeField(null=True, blank=True)
    # Not indexed, for the same reason: almost every row is NULL here.
    remote_deleted_at = models.DateTimeField(null=True, blank=True)
    remote_data = PayloadField(default=dict)
    content_hash = models.CharField(max_length=64)
    first_synced_at = models.DateTimeField()
    last_synced_at = models.DateTimeField()

    class Meta:
        abstract = True

    def __str__(self) -> str:
        return f"{self._meta.verbose_name} {self.remote_id}"


class ChildMirror(MirrorModel):
    """A record Thrive embeds in a list of its parent's payload."""

    # Where Thrive listed it, so the parent's payload is put back in Thrive's order.
    list_index = models.PositiveIntegerField(default=0)

    class Meta:
        abstract = True


def _unique_remote_id(name: str) -> list[models.UniqueConstraint]:
    return [models.UniqueConstraint(fields=["connection", "remote_id"], name=f"{name}_remote_id")]


def _mirror_meta(name: str, **extra):
    attrs = {"constraints": _unique_remote_id(name), "ordering": ["id"], **extra}
    return type("Meta", (), attrs)


def _child_meta(name: str, parent: str, **extra):
    """A child's id names it within its parent, as Thrive's routes do
    (`/candidacies/{id}/tags/{cid}`): two parents may list one id (a tag both candidacies
    carry, a connection seen from both contacts), and each keeps its own row. The unique index
    leads with the parent, so it also serves the lookups by parent (no separate index)."""
    constraint = models.UniqueConstraint(fields=[parent, "remote_id"], name=f"{name}_remote_id")
    return type("Meta", (), {"constraints": [constraint], "ordering": ["id"], **extra})


class ThriveUser(MirrorModel):
    first_name = models.CharField(max_length=255, blank=True)
    last_name = models.CharField(max_length=255, blank=True)
    email = models.CharField(max_length=255, blank=True, db_index=True)
    role = models.CharField(max_length=100, blank=True)
    active = models.BooleanField(null=True)

    Meta = _mirror_meta("thrive_user", verbose_name="Thrive user")


class Company(MirrorModel):
    name = models.CharField(max_length=255, blank=True, db_index=True)
    website_url = models.CharField(max_length=500, blank=True)
    industry = models.CharField(max_length=255, blank=True)
    city = models.CharField(max_length=255, blank=True)
    country = models.CharField(max_length=255, blank=True)

    Meta = _mirror_meta("thrive_company", verbose_name_plural="companies")


class FundingRound(ChildMirror):
    company = models.ForeignKey(
        Company, on_delete=models.CASCADE, related_name="funding_rounds", db_index=False
    )
    round = models.CharField(max_length=100, blank=True)
    amount = models.DecimalField(max_digits=20, decimal_places=2, null=True)
    currency = models.CharField(max_length=8, blank=True)
    announced_on = models.CharField(max_length=32, blank=True)

    Meta = _child_meta("thrive_funding_round", "company")


class Investment(ChildMirror):
    company = models.ForeignKey(
        Company, on_delete=models.CASCADE, related_name="investments", db_index=False
    )
    investor_name = models.CharField(max_length=255, blank=True)
    amount = models.DecimalField(max_digits=20, decimal_places=2, null=True)
    currency = models.CharField(max_length=8, blank=True)
    invested_on = models.CharField(max_length=32, blank=True)

    Meta = _child_meta("thrive_investment", "company")


class ContactNetwork(MirrorModel):
    name = models.CharField(max_length=255, blank=True)
    description = models.TextField(blank=True)
    contact_ids = RemoteIdList(default=list)

    Meta = _mirror_meta("thrive_contact_network")


class TalentPool(MirrorModel):
    name = models.CharField(max_length=255, blank=True)
    description = models.TextField(blank=True)
    contact_ids = RemoteIdList(default=list)

    Meta = _mirror_meta("thrive_talent_pool")


class CandidacyStage(MirrorModel):
    name = models.CharField(max_length=255, blank=True)
    position = models.IntegerField(null=True)
    active = models.BooleanField(null=True)

    Meta = _mirror_meta("thrive_candidacy_stage")


class Search(MirrorModel):
    name = models.CharField(max_length=255, blank=True)
    status = models.CharField(max_length=32, blank=True, db_index=True)
    company_remote_id = models.CharField(max_length=64, blank=True, db_index=True)
    company_name = models.CharField(max_length=255, blank=True)
    city = models.CharField(max_length=255, blank=True)
    country = models.CharField(max_length=255, blank=True)
    opened_on = models.CharField(max_length=32, blank=True)
    closed_on = models.CharField(max_length=32, blank=True)
    default_candidacy_stage_remote_id = models.CharField(max_length=64, blank=True)

    Meta = _mirror_meta("thrive_search", verbose_name_plural="searches")


class SearchCommission(ChildMirror):
    search = models.ForeignKey(
        Search, on_delete=models.CASCADE, related_name="commissions", db_index=False
    )
    user_remote_id = models.CharField(max_length=64, blank=True)
    percentage = models.DecimalField(max_digits=7, decimal_places=3, null=True)
    amount = models.DecimalField(max_digits=20, decimal_places=2, null=True)

    Meta = _child_meta("thrive_search_commission", "search")


class SearchDocument(ChildMirror):
    search = models.ForeignKey(
        Search, on_delete=models.CASCADE, related_name="documents", db_index=False
    )
    file_name = models.CharField(max_length=500, blank=True)
    content_type = models.CharField(max_length=255, blank=True)
    url = models.TextField(blank=True)
    size = models.BigIntegerField(null=True)

    Meta = _child_meta("thrive_search_document", "search")


class SearchTeamMembership(ChildMirror):
    """Origination, execution, conversion and recruitment team memberships of a search.

    Thrive serves each team as its own child list; their ids are only unique within a list, so
    `remote_id` is stored as `<team>:<id>`, longer than an id by the team's name.
    """

    remote_id = models.CharField(max_length=64 + len("recruitment:"))

    class Team(models.TextChoices):
        ORIGINATION = "origination"
        EXECUTION = "execution"
        CONVERSION = "conversion"
        RECRUITMENT = "recruitment"

    search = models.ForeignKey(
        Search, on_delete=models.CASCADE, related_name="team_memberships", db_index=False
    )
    team = models.CharField(max_length=16, choices=Team.choices)
    user_remote_id = models.CharField(max_length=64, blank=True)
    role = models.CharField(max_length=255, blank=True)

    Meta = _child_meta("thrive_search_team_membership", "search")


class Contact(MirrorModel):
    first_name = models.CharField(max_length=255, blank=True)
    last_name = models.CharField(max_length=255, blank=True)
    email = models.CharField(max_length=255, blank=True, db_index=True)
    linkedin_url = models.CharField(max_length=500, blank=True)
    city = models.CharField(max_length=255, blank=True)
    country = models.CharField(max_length=255, blank=True)
    merged_into_remote_id = models.CharField(max_length=64, blank=True)

    Meta = _mirror_meta(
        "thrive_contact",
        indexes=[models.Index(fields=["connection", "remote_updated_at"], name="contact_upd")],
    )


class Position(ChildMirror):
    contact = models.ForeignKey(
        Contact, on_delete=models.CASCADE, related_name="positions", db_index=False
    )
    company_remote_id = models.CharField(max_length=64, blank=True)
    company_name = models.CharField(max_length=255, blank=True)
    title = models.CharField(max_length=255, blank=True)
    start_date = models.CharField(max_length=32, blank=True)
    end_date = models.CharField(max_length=32, blank=True)
    current = models.BooleanField(null=True)

    Meta = _child_meta("thrive_position", "contact")


class Education(ChildMirror):
    contact = models.ForeignKey(
        Contact, on_delete=models.CASCADE, related_name="educations", db_index=False
    )
    school_name = models.CharField(max_length=255, blank=True)
    degree = models.CharField(max_length=255, blank=True)
    field_of_study = models.CharField(max_length=255, blank=True)
    start_date = models.CharField(max_length=32, blank=True)
    end_date = models.CharField(max_length=32, blank=True)

    Meta = _child_meta("thrive_education", "contact")


class ContactNote(ChildMirror):
    contact = models.ForeignKey(
        Contact, on_delete=models.CASCADE, related_name="notes", db_index=False
    )
    body = models.TextField(blank=True)
    user_remote_id = models.CharField(max_length=64, blank=True)

    Meta = _child_meta("thrive_contact_note", "contact")


class ContactComment(ChildMirror):
    contact = models.ForeignKey(
        Contact, on_delete=models.CASCADE, related_name="comments", db_index=False
    )
    body = models.TextField(blank=True)
    user_remote_id = models.CharField(max_length=64, blank=True)

    Meta = _child_meta("thrive_contact_comment", "contact")


class ContactDocument(ChildMirror):
    contact = models.ForeignKey(
        Contact, on_delete=models.CASCADE, related_name="documents", db_index=False
    )
    file_name = models.CharField(max_length=500, blank=True)
    content_type = models.CharField(max_length=255, blank=True)
    url = models.TextField(blank=True)
    size = models.BigIntegerField(null=True)

    Meta = _child_meta("thrive_contact_document", "contact")


class OffLimitReason(ChildMirror):
    contact = models.ForeignKey(
        Contact, on_delete=models.CASCADE, related_name="off_limit_reasons", db_index=False
    )
    reason = models.TextField(blank=True)
    company_remote_id = models.CharField(max_length=64, blank=True)
    expires_on = models.CharField(max_length=32, blank=True)

    Meta = _child_meta("thrive_off_limit_reason", "contact")


class Outreach(ChildMirror):
    contact = models.ForeignKey(
        Contact, on_delete=models.CASCADE, related_name="outreaches", db_index=False
    )
    channel = models.CharField(max_length=32, blank=True)
    subject = models.CharField(max_length=500, blank=True)
    user_remote_id = models.CharField(max_length=64, blank=True)
    occurred_at = models.CharField(max_length=40, blank=True)

    Meta = _child_meta("thrive_outreach", "contact", verbose_name_plural="outreaches")


class ContactConnection(ChildMirror):
    """A Thrive "connection" between two people (not our Connection to Thrive)."""

    contact = models.ForeignKey(
        Contact, on_delete=models.CASCADE, related_name="connections", db_index=False
    )
    connected_contact_remote_id = models.CharField(max_length=64, blank=True)
    connection_type = models.CharField(max_length=40, blank=True)
    strength = models.CharField(max_length=16, blank=True)
    connected_on = models.CharField(max_length=32, blank=True)

    Meta = _child_meta("thrive_contact_connection", "contact")


class ContactReference(ChildMirror):
    contact = models.ForeignKey(
        Contact, on_delete=models.CASCADE, related_name="references", db_index=False
    )
    referee_contact_remote_id = models.CharField(max_length=64, blank=True)
    search_remote_id = models.CharField(max_length=64, blank=True)

    Meta = _child_meta("thrive_contact_reference", "contact")


class Introduction(ChildMirror):
    contact = models.ForeignKey(
        Contact, on_delete=models.CASCADE, related_name="introductions", db_index=False
    )
    introduced_contact_remote_id = models.CharField(max_length=64, blank=True)
    introduced_by_user_remote_id = models.CharField(max_length=64, blank=True)
    search_remote_id = models.CharField(max_length=64, blank=True)
    introduced_on = models.CharField(max_length=32, blank=True)

    Meta = _child_meta("thrive_introduction", "contact")


class Candidacy(MirrorModel):
    contact_remote_id = models.CharField(max_length=64, blank=True, db_index=True)
    search_remote_id = models.CharField(max_length=64, blank=True, db_index=True)
    candidacy_stage_remote_id = models.CharField(max_length=64, blank=True, db_index=True)
    candidacy_stage_name = models.CharField(max_length=255, blank=True)
    candidacy_stage_entered_at = models.DateTimeField(null=True)
    rejection_reason = models.TextField(blank=True)
    rejected_at = models.DateTimeField(null=True)
    source = models.CharField(max_length=255, blank=True)

    Meta = _mirror_meta(
        "thrive_candidacy",
        verbose_name_plural="candidacies",
        # A stage's candidacies, re-derived when its mapping changes.
        indexes=[
            models.Index(fields=["connection", "candidacy_stage_remote_id"], name="candidacy_stage")
        ],
    )


class CandidacyComment(ChildMirror):
    candidacy = models.ForeignKey(
        Candidacy, on_delete=models.CASCADE, related_name="comments", db_index=False
    )
    body = models.TextField(blank=True)
    user_remote_id = models.CharField(max_length=64, blank=True)

    Meta = _child_meta("thrive_candidacy_comment", "candidacy")


class CandidacyTag(ChildMirror):
    candidacy = models.ForeignKey(
        Candidacy, on_delete=models.CASCADE, related_name="tags", db_index=False
    )
    name = models.CharField(max_length=255, blank=True)

    Meta = _child_meta("thrive_candidacy_tag", "candidacy")
