"""Base classes every view of the app builds on: tenancy, permissions, throttles, paging.

Everything a view needs to be safe is set here explicitly instead of being inherited from the
host's `REST_FRAMEWORK` defaults: a host that allows anonymous access or turns paging off for
its own API must not open ours. Another owner's object is filtered out of every queryset, so it
answers 404 exactly like an object that does not exist, and never 403 (which would confirm it
exists).
"""

from __future__ import annotations

import re
from typing import Any

from django.conf import settings
from django.core.exceptions import ObjectDoesNotExist, RequestDataTooBig
from django.core.exceptions import ValidationError as DjangoValidationError
from django.db import IntegrityError, models, transaction
from django.db.models import Model, QuerySet
from django_filters.rest_framework import DjangoFilterBackend
from rest_framework import serializers
from rest_framework.exceptions import NotFound, ParseError, Throttled, ValidationError
from rest_framework.filters import OrderingFilter
from rest_framework.pagination import CursorPagination
from rest_framework.permissions import BasePermission, IsAuthenticated
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.throttling import SimpleRateThrottle
from rest_framework.viewsets import GenericViewSet

from ..conf import integration_settings
from .parsers import BoundedJSONParser
from .schema import ThriveAutoSchema

# The unique column every ordering ends with, so rows with equal sort keys keep one order.
TIE_BREAKER = "id"
# Any path segment as an id: DRF's default excludes dots, so `1.5` missed every route and got
# the host's HTML 404 page. Matched, a malformed id is the API's own JSON 404.
ANY_SEGMENT = "[^/]+"


def request_owner(request: Request) -> str | None:
    return integration_settings.OWNER_RESOLVER(request)


class HasOwner(BasePermission):
    """The request maps to an owner: without one there is nothing it may see."""

    message = "Your account is not linked to an owner of Thrive connections."

    def has_permission(self, request: Request, view: Any) -> bool:
        return bool(request_owner(request))


class DestructiveActionPermission(BasePermission):
    """Delegates to `THRIVE_INTEGRATION["DESTRUCTIVE_ACTION_PERMISSION"]` (staff by default).

    Read at request time so a host (or a test) can change it without re-importing views.
    """

    def has_permission(self, request: Request, view: Any) -> bool:
        return integration_settings.DESTRUCTIVE_ACTION_PERMISSION().has_permission(request, view)


class OwnerRateThrottle(SimpleRateThrottle):
    """Requests per owner, so all users of one organisation share one budget."""

    scope = "thrive"
    setting = "API_THROTTLE_RATE"

    def get_rate(self) -> str | None:
        return getattr(integration_settings, self.setting)

    def allow_request(self, request: Request, view: Any) -> bool:
        # The rate is re-read per request: settings may change after the class is created.
        self.rate = self.get_rate()
        self.num_requests, self.duration = self.parse_rate(self.rate)
        return super().allow_request(request, view)

    def get_cache_key(self, request: Request, view: Any) -> str | None:
        owner = request_owner(request) or f"anon:{self.get_ident(request)}"
        return self.cache_format % {"scope": self.scope, "ident": owner}


class SyncRateThrottle(OwnerRateThrottle):
    """Runs started per owner through the API, imports and re-maps alike.

    Not a view throttle: a request refused for any other reason (an unknown connection, an
    invalid body, a run already active) must not spend the budget, and only the core knows
    whether a run starts. So the view reserves a slot just before recording the run and
    releases it if the run is refused. Reserving first, rather than counting after the run
    started, lets simultaneous requests see each other's slot; the history is read and
    written like every DRF throttle's, so a burst may rarely let one run too many through.
    """

    scope = "thrive-sync"
    setting = "API_SYNC_THROTTLE_RATE"

    def reserve(self, request: Request) -> None:
        """Take a slot, or refuse the request with 429 and Retry-After."""
        if not self.allow_request(request, None):
            raise Throttled(self.wait())

    def release(self) -> None:
        """Give back the slot `reserve` took: the run was not started."""
        if self.rate is None or getattr(self, "key", None) is None:
            return
        history = self.cache.get(self.key, [])
        if self.now in history:
            history.remove(self.now)
            self.cache.set(self.key, history, self.duration)


class TieBreakingOrderingFilter(OrderingFilter):
    """Client-chosen ordering, always completed by the unique id so pages never overlap."""

    def get_ordering(self, request: Request, queryset: QuerySet, view: Any) -> list[str]:
        ordering = list(super().get_ordering(request, queryset, view) or [])
        if not any(field.lstrip("-") == TIE_BREAKER for field in ordering):
            direction = "-" if ordering and ordering[0].startswith("-") else ""
            ordering.append(f"{direction}{TIE_BREAKER}")
        return ordering

    def remove_invalid_fields(
        self, queryset: QuerySet, fields: list[str], view: Any, request: Request
    ) -> list[str]:
        # DRF drops an unknown field silently, so a typo would sort by something else.
        valid = super().remove_invalid_fields(queryset, fields, view, request)
        unknown = [term for term in fields if term and term not in valid]
        if unknown:
            names = self.get_valid_fields(queryset, view, {"request": request})
            allowed = ", ".join(name for name, _ in names)
            message = f"Unknown ordering {unknown[0][:100]!r}; use {allowed}."
            raise ValidationError({self.ordering_param: [message]})
        return valid


class StableCursorPagination(CursorPagination):
    """Cursor (keyset) paging: a row inserted or deleted meanwhile never shifts a page.

    The ordering comes from `TieBreakingOrderingFilter`, so its last key is unique; ordering
    fields are limited per view to non-null columns that DRF's cursor can compare.
    """

    ordering = TIE_BREAKER
    page_size = 50
    page_size_query_param = "page_size"
    max_page_size = 200

    def paginate_queryset(self, queryset: QuerySet, request: Request, view: Any = None):
        # DRF answers a bad cursor with a 404, as if the list did not exist; the list is
        # there and the query is wrong, so it is a 400 like a bad filter value.
        try:
            return super().paginate_queryset(queryset, request, view)
        except (NotFound, DjangoValidationError, ValueError, TypeError):
            # Undecodable, or well-formed with a position that does not fit the ordering column.
            message = self.invalid_cursor_message
            raise ValidationError({self.cursor_query_param: [message]}) from None


class StrictLookupViewSet(GenericViewSet):
    """A viewset whose detail routes take an id in its one canonical spelling (`path_id`).

    DRF's `get_object` filters on the raw segment, and the database's integer conversion is
    lenient: `１`, `+1`, `01` and `1%20` all named row 1. Checked once per request, before any
    action reads its body, so every detail route answers a malformed id with the same 404.
    """

    schema = ThriveAutoSchema()
    lookup_value_regex = ANY_SEGMENT

    def initial(self, request: Request, *args: Any, **kwargs: Any) -> None:
        super().initial(request, *args, **kwargs)
        lookup = self.lookup_url_kwarg or self.lookup_field
        if lookup in self.kwargs:
            path_id(self.kwargs[lookup])

    def handle_exception(self, exc: Exception) -> Response:
        if isinstance(exc, RequestDataTooBig):
            # DRF reads a JSON body before its parser, past which Django would answer this
            # with its HTML 400 page: the API answers in JSON, as everywhere else.
            limit = settings.DATA_UPLOAD_MAX_MEMORY_SIZE
            exc = ParseError(f"The request body is larger than {limit} bytes.")
        elif isinstance(exc, ObjectDoesNotExist):
            # The object was there when the request found it and deleted before it was saved
            # (another request, or a worker): gone, as if it had never been found.
            exc = NotFound()
        return super().handle_exception(exc)


class OwnerScopedViewSet(StrictLookupViewSet):
    """A viewset whose objects belong to the request's owner, found via `owner_lookup`."""

    # Path from the queryset's model to the owner column, e.g. "connection__owner".
    owner_lookup = "connection__owner"
    permission_classes = (IsAuthenticated, HasOwner)
    throttle_classes = (OwnerRateThrottle,)
    # JSON only, as docs/rest-api.md promises, whatever parsers the host's own API accepts.
    parser_classes = (BoundedJSONParser,)
    pagination_class = StableCursorPagination
    filter_backends = (DjangoFilterBackend, TieBreakingOrderingFilter)
    ordering_fields = (TIE_BREAKER,)
    ordering = (TIE_BREAKER,)

    @property
    def owner(self) -> str:
        owner = request_owner(self.request)
        if not owner:  # HasOwner already refused the request; this guards misconfiguration.
            raise NotFound()
        return owner

    def get_queryset(self) -> QuerySet:
        queryset = super().get_queryset()
        if getattr(self, "swagger_fake_view", False):  # schema generation has no owner
            return queryset.none()
        return queryset.filter(**{self.owner_lookup: self.owner})

    def get_serializer_context(self) -> dict[str, Any]:
        context = super().get_serializer_context()
        if getattr(self, "swagger_fake_view", False):
            return context
        context["owner"] = self.owner
        return context


class StrictSerializer(serializers.Serializer):
    """Refuses fields it does not know, instead of silently ignoring a client's typo.

    Checked in `to_internal_value`, which DRF calls for nested items too (each item of a
    `many=True` child), not only for the top-level body.
    """

    def to_internal_value(self, data: Any) -> Any:
        if isinstance(data, dict):
            writable = {name for name, field in self.fields.items() if not field.read_only}
            unknown = sorted(set(data) - writable)
            if unknown:
                raise serializers.ValidationError(
                    {str(name)[:100]: ["Unknown field."] for name in unknown[:20]}
                )
        return super().to_internal_value(data)


class JsonBooleanField(serializers.BooleanField):
    """`true` or `false` as JSON spells them. DRF also reads "yes", "on", "1" or 1 as true,
    so a client's wrong value would be guessed at instead of refused."""

    def to_internal_value(self, data: Any) -> bool:
        if isinstance(data, bool):
            return data
        self.fail("invalid", input=data)


class StringOnlyMixin:
    """Text as JSON spells it: a string. DRF's CharField refuses a boolean but turns 123 into
    "123" and 1.5 into "1.5", so a client's number would be stored as text instead of refused."""

    def to_internal_value(self, data: Any) -> str:
        if not isinstance(data, str):
            self.fail("invalid")
        return super().to_internal_value(data)


class StrictCharField(StringOnlyMixin, serializers.CharField):
    pass


class StrictURLField(StringOnlyMixin, serializers.URLField):
    pass


class StrictModelSerializer(StrictSerializer, serializers.ModelSerializer):
    serializer_field_mapping = {
        **serializers.ModelSerializer.serializer_field_mapping,
        models.BooleanField: JsonBooleanField,
        models.CharField: StrictCharField,
        models.TextField: StrictCharField,
    }

    def save(self, **kwargs: Any) -> Model:
        try:
            with transaction.atomic():
                return super().save(**kwargs)
        except IntegrityError:
            # Another request stored a conflicting row (same name, same reason, ...) between
            # this one's checks and its write. Checked again, the conflict is visible and
            # refused with its own message; a conflict the checks do not know is a bug.
            self.run_validation(self.initial_data)
            raise


class NoFieldsSerializer(StrictSerializer):
    """The body of an action that takes no fields: empty or `{}`."""


def refuse_any_body(request: Request) -> None:
    """A 400 for a body sent to an action that takes none, as for any unknown field.

    Reading `request.data` parses the body, so malformed JSON is a 400 too; an empty body
    parses to `{}`.
    """
    NoFieldsSerializer(data=request.data).is_valid(raise_exception=True)


def field_names(model: type[Model], *, exclude: set[str]) -> list[str]:
    return [field.name for field in model._meta.concrete_fields if field.name not in exclude]


# Ids beyond a signed 64-bit integer cannot name a row, and some databases fail on them.
MAX_ID = 2**63 - 1
# One spelling per id: ASCII digits without sign, space or leading zero. `int()` also takes
# other scripts' digits, a sign, surrounding spaces and underscores, so it cannot be the test.
_CANONICAL_ID = re.compile(r"[1-9][0-9]{0,18}")


def parse_id(value: str) -> int | None:
    """The local id `value` spells canonically (1..MAX_ID), else None."""
    if not _CANONICAL_ID.fullmatch(value):
        return None
    number = int(value)
    return number if number <= MAX_ID else None


def path_id(value: str) -> int:
    """An id from the URL; anything else is a 404 like an unknown id, in JSON.

    The routes accept any segment so that DRF, not the host's HTML 404 page, answers it.
    """
    number = parse_id(value)
    if number is None:
        raise NotFound()
    return number


def record_id(**kwargs: Any) -> serializers.IntegerField:
    """A local record id in a request body."""
    return serializers.IntegerField(min_value=1, max_value=MAX_ID, **kwargs)
