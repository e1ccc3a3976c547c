"""The export API: export a profile (optionally into a search), list outbox rows, retry one.

Rows are reached through their connection's owner; another owner's row or profile is a 404.
`register_export_routes` adds these routes to the app's router (api/urls.py calls it):
- `GET  outbox/` and `GET outbox/{id}/`: rows with their states (filter by state, kind...);
- `POST outbox/export-profile/`: `{"profile", "search_id"?, "candidacy_stage_id"?, tags...}`;
- `POST outbox/{id}/retry/`: re-arm a failed row.
"""

from __future__ import annotations

import django_filters
from drf_spectacular.utils import extend_schema
from rest_framework import mixins, status
from rest_framework.decorators import action
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.routers import SimpleRouter

from .. import export
from ..export.fields import TAG_FIELDS
from ..models import OutboxEntry, OutboxKind, OutboxState
from .base import OwnerScopedViewSet, refuse_any_body
from .export_serializers import ExportProfileSerializer, OutboxEntrySerializer
from .filters import IdFilter
from .schema import detail_response


class OutboxEntryFilter(django_filters.FilterSet):
    # Ids, not django-filter's default model choices: those look the id up among every
    # owner's rows, so an unknown id was a 400 and another owner's an empty page.
    connection = IdFilter(field_name="connection_id")
    profile = IdFilter(field_name="profile_id")
    kind = django_filters.ChoiceFilter(choices=OutboxKind.choices)
    state = django_filters.ChoiceFilter(choices=OutboxState.choices)

    class Meta:
        model = OutboxEntry
        fields = ("connection", "kind", "state", "profile")


class OutboxEntryViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, OwnerScopedViewSet):
    """Writes to Thrive and how far each got: pending, in progress, needs lookup, done, failed."""

    queryset = OutboxEntry.objects.all()
    serializer_class = OutboxEntrySerializer
    filterset_class = OutboxEntryFilter
    ordering_fields = ("id", "created_at", "updated_at")

    def get_serializer_class(self):
        if self.action == "export_profile":
            return ExportProfileSerializer
        return OutboxEntrySerializer

    @extend_schema(
        request=ExportProfileSerializer,
        responses={202: OutboxEntrySerializer},
        summary="Export a profile to Thrive, optionally into a search",
    )
    @action(detail=False, methods=["post"], url_path="export-profile")
    def export_profile(self, request: Request) -> Response:
        serializer = self.get_serializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = serializer.validated_data
        entry = export.export_profile(
            data["profile"],
            search_id=data.get("search_id"),
            candidacy_stage_id=data.get("candidacy_stage_id"),
            tags={name: data[name] for name in TAG_FIELDS if name in data},
        )
        return Response(OutboxEntrySerializer(entry).data, status=status.HTTP_202_ACCEPTED)

    @extend_schema(
        request=None,
        responses={
            202: OutboxEntrySerializer,
            409: detail_response("The row has not failed, so there is nothing to retry."),
        },
        summary="Retry a failed outbox row",
    )
    @action(detail=True, methods=["post"])
    def retry(self, request: Request, pk: str | None = None) -> Response:
        entry = self.get_object()
        refuse_any_body(request)
        if not export.retry(entry):
            return Response(
                {"detail": f"Only failed rows can be retried; this one is {entry.state}."},
                status=status.HTTP_409_CONFLICT,
            )
        entry.refresh_from_db()
        return Response(OutboxEntrySerializer(entry).data, status=status.HTTP_202_ACCEPTED)


def register_export_routes(router: SimpleRouter) -> None:
    router.register("outbox", OutboxEntryViewSet, basename="outbox-entry")
