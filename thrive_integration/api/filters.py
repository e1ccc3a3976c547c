"""django-filter sets: the query parameters of the list endpoints.

Filters only narrow an already owner-scoped queryset, so filtering by another owner's
connection id yields an empty page, never their data.
"""

from __future__ import annotations

from datetime import UTC, datetime

import django_filters
from django import forms
from django.core.exceptions import ValidationError
from django.db.models import Model, Q, QuerySet
from django_filters.fields import IsoDateTimeField
from drf_spectacular.utils import extend_schema_field

from .. import models as m
from .base import MAX_ID, parse_id

TEXT_MAX_LENGTH = 200


class MomentField(IsoDateTimeField):
    """An ISO 8601 moment, handed to the database in UTC.

    PostgreSQL refuses offsets beyond ±15:59 that ISO 8601 allows, and an offset can push a
    moment past year 1 or 9999: normalising here makes both a 400 or a valid query, not a 500.
    """

    def clean(self, value: object) -> datetime | None:
        moment = super().clean(value)
        if moment is None:
            return None
        try:
            return moment.astimezone(UTC)
        except OverflowError:
            raise ValidationError("This moment is out of range.", code="invalid") from None


class MomentFilter(django_filters.IsoDateTimeFilter):
    field_class = MomentField


BOOLEAN_SPELLINGS = {"true": True, "1": True, "false": False, "0": False}


class StrictBooleanField(forms.Field):
    """`true` or `false` (or 1 / 0, any case); anything else is refused.

    django-filter's boolean widget turns an unknown spelling into "no filter", so
    `?deleted=maybe` answered the whole list as if it had been filtered.
    """

    widget = forms.TextInput

    def to_python(self, value: object) -> bool | None:
        if value in (None, ""):
            return None
        spelled = str(value).lower()
        if spelled not in BOOLEAN_SPELLINGS:
            raise ValidationError("Use true or false.", code="invalid")
        return BOOLEAN_SPELLINGS[spelled]


class StrictBooleanFilter(django_filters.BooleanFilter):
    field_class = StrictBooleanField


class IdField(forms.Field):
    """A local id in its one canonical spelling, as in the URL (`parse_id`).

    Django's IntegerField reads `1.0`, `+1` and ` 1` as 1 while it refuses `1.5`; an id
    filter takes digits only, so every other spelling is the same 400.
    """

    widget = forms.TextInput

    def to_python(self, value: object) -> int | None:
        if value in (None, ""):
            return None
        number = parse_id(str(value))
        if number is None:
            raise ValidationError(
                f"Enter an id: digits only, from 1 to {MAX_ID}, without a leading zero.",
                code="invalid",
            )
        return number


# How an id parameter is documented: the ids `parse_id` accepts.
ID_SCHEMA = {"type": "integer", "minimum": 1, "maximum": MAX_ID}


@extend_schema_field(ID_SCHEMA)
class IdFilter(django_filters.NumberFilter):
    field_class = IdField


class SyncRunFilter(django_filters.FilterSet):
    connection = IdFilter(field_name="connection_id")
    status = django_filters.ChoiceFilter(choices=m.RunStatus.choices)
    kind = django_filters.ChoiceFilter(choices=m.SyncRun.Kind.choices)
    created_after = MomentFilter(field_name="created_at", lookup_expr="gte")
    created_before = MomentFilter(field_name="created_at", lookup_expr="lt")

    class Meta:
        model = m.SyncRun
        fields = ("connection", "status", "kind", "created_after", "created_before")


class MirrorFilter(django_filters.FilterSet):
    """Filters every mirrored Thrive object understands."""

    connection = IdFilter(field_name="connection_id")
    updated_since = MomentFilter(
        field_name="remote_updated_at",
        lookup_expr="gte",
        help_text="Records Thrive changed at or after this moment (ISO 8601).",
    )
    deleted = StrictBooleanFilter(
        field_name="remote_deleted_at",
        lookup_expr="isnull",
        exclude=True,
        help_text="true: only records deleted in Thrive; false: only live ones.",
    )
    # Text fields `q` matches (case-insensitive substring); empty: no text search.
    text_fields: tuple[str, ...] = ()
    q = django_filters.CharFilter(
        method="filter_text", max_length=TEXT_MAX_LENGTH, help_text="Text search."
    )

    def filter_text(self, queryset: QuerySet, name: str, value: str) -> QuerySet:
        if not value or not self.text_fields:
            return queryset
        condition = Q()
        for field in self.text_fields:
            condition |= Q(**{f"{field}__icontains": value})
        return queryset.filter(condition)


def mirror_filter(
    model: type[Model], *, text_fields: tuple[str, ...] = (), **extra
) -> type[MirrorFilter]:
    """A MirrorFilter for `model`, with optional extra filters (name -> django-filter Filter)."""
    meta = type("Meta", (), {"model": model, "fields": ("connection",)})
    attrs = {"Meta": meta, "text_fields": text_fields, **extra}
    return type(f"{model.__name__}Filter", (MirrorFilter,), attrs)


def remote_id_filter(field_name: str, help_text: str) -> django_filters.CharFilter:
    return django_filters.CharFilter(field_name=field_name, max_length=64, help_text=help_text)


ContactFilter = mirror_filter(
    m.Contact, text_fields=("first_name", "last_name", "email", "linkedin_url")
)
CandidacyFilter = mirror_filter(
    m.Candidacy,
    text_fields=("candidacy_stage_name", "source"),
    search=remote_id_filter("search_remote_id", "Thrive id of the search (job)."),
    stage=remote_id_filter("candidacy_stage_remote_id", "Thrive id of the candidacy stage."),
    contact=remote_id_filter("contact_remote_id", "Thrive id of the contact."),
)
SearchFilter = mirror_filter(
    m.Search,
    text_fields=("name", "company_name"),
    status=django_filters.CharFilter(field_name="status", max_length=32),
    company=remote_id_filter("company_remote_id", "Thrive id of the company."),
)
CompanyFilter = mirror_filter(m.Company, text_fields=("name", "website_url"))
ThriveUserFilter = mirror_filter(m.ThriveUser, text_fields=("first_name", "last_name", "email"))
CandidacyStageFilter = mirror_filter(m.CandidacyStage, text_fields=("name",))
TalentPoolFilter = mirror_filter(m.TalentPool, text_fields=("name",))
ContactNetworkFilter = mirror_filter(m.ContactNetwork, text_fields=("name",))
