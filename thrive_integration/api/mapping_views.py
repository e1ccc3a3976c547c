"""Field mappings per connection (CRUD, validate, preview, re-map) and candidate profiles.

Every object is reached through a connection of the request's owner; another owner's
connection, mapping or profile is a 404. `register_mapping_routes` adds these to the app's
router (api/urls.py calls it).
"""

from __future__ import annotations

import django_filters
from django.shortcuts import get_object_or_404
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema
from rest_framework import mixins, status
from rest_framework.decorators import action
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.routers import SimpleRouter

from ..mapping import (
    InvalidFieldMapping,
    ensure_default_mappings,
    preview_application_mappings,
    preview_mappings,
    validate_mappings,
)
from ..models import CandidateProfile, Connection, FieldMapping, SyncRun
from ..sync.runner import request_remap
from .base import ANY_SEGMENT, OwnerScopedViewSet, path_id, refuse_any_body
from .filters import IdFilter, MomentFilter, StrictBooleanFilter
from .mapping_serializers import (
    CandidateProfileSerializer,
    FieldMappingSerializer,
    MappingProposalSerializer,
)
from .serializers import ConflictSerializer, SyncRunSerializer
from .views import queued_run_response


class FieldMappingViewSet(
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    mixins.CreateModelMixin,
    mixins.UpdateModelMixin,
    mixins.DestroyModelMixin,
    OwnerScopedViewSet,
):
    """The field mappings of one connection; the seed's defaults until changed."""

    serializer_class = FieldMappingSerializer
    queryset = FieldMapping.objects.all()

    @property
    def connection(self) -> Connection:
        if not hasattr(self, "_connection"):
            self._connection = get_object_or_404(
                Connection, pk=path_id(self.kwargs["connection_pk"]), owner=self.owner
            )
        return self._connection

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):
            return FieldMapping.objects.none()
        return super().get_queryset().filter(connection=self.connection)

    def get_serializer_context(self):
        context = super().get_serializer_context()
        if not getattr(self, "swagger_fake_view", False):
            context["connection"] = self.connection
        return context

    def list(self, request: Request, *args, **kwargs) -> Response:
        ensure_default_mappings(self.connection)
        return super().list(request, *args, **kwargs)

    def perform_create(self, serializer: FieldMappingSerializer) -> None:
        serializer.save(connection=self.connection)

    def _proposal(self, request: Request) -> MappingProposalSerializer:
        serializer = MappingProposalSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        return serializer

    @extend_schema(request=MappingProposalSerializer, responses=OpenApiTypes.OBJECT)
    @action(detail=False, methods=["post"])
    def validate(self, request: Request, connection_pk: str) -> Response:
        """Check a proposed set of mappings (or the stored one) without saving anything."""
        mappings = self._proposal(request).proposed_mappings(self.connection)
        try:
            validate_mappings(mappings)
        except InvalidFieldMapping as error:
            return Response(
                {"valid": False, "errors": error.errors}, status=status.HTTP_400_BAD_REQUEST
            )
        return Response({"valid": True, "errors": []})

    @extend_schema(request=MappingProposalSerializer, responses=OpenApiTypes.OBJECT)
    @action(detail=False, methods=["post"])
    def preview(self, request: Request, connection_pk: str) -> Response:
        """What the proposed mappings would make of a few stored contacts (`results`: their
        profiles) and candidacies (`candidacy_results`: their applications); nothing is saved."""
        proposal = self._proposal(request)
        mappings = proposal.proposed_mappings(self.connection)
        asked, limit = proposal.validated_data, proposal.validated_data["limit"]
        try:
            results = preview_mappings(
                self.connection, mappings, contact_ids=asked.get("contact_ids"), limit=limit
            )
            candidacy_results = preview_application_mappings(
                self.connection, mappings, candidacy_ids=asked.get("candidacy_ids"), limit=limit
            )
        except InvalidFieldMapping as error:
            return Response(
                {"valid": False, "errors": error.errors}, status=status.HTTP_400_BAD_REQUEST
            )
        return Response({"valid": True, "results": results, "candidacy_results": candidacy_results})

    @extend_schema(
        request=None,
        responses={202: SyncRunSerializer, 409: ConflictSerializer},
        summary="Re-map every stored contact and candidacy",
        description=(
            "Records a remap run (kind `remap`, steps `profiles` then `applications`) and "
            "queues it: every stored contact, then every stored candidacy, is mapped again "
            "from its stored payload, without calling Thrive; an application is rewritten "
            "only when its mapped fields (`source`) change. "
            "Poll the run under `sync-runs/`. 409 while another run of this connection, "
            "import or remap, is pending or running."
        ),
    )
    @action(detail=False, methods=["post"])
    def remap(self, request: Request, connection_pk: str) -> Response:
        connection = self.connection
        refuse_any_body(request)
        return queued_run_response(
            request, connection, lambda: request_remap(connection, trigger=SyncRun.Trigger.API)
        )


class CandidateProfileFilter(django_filters.FilterSet):
    connection = IdFilter(field_name="connection_id")
    off_limits = StrictBooleanFilter()
    updated_since = MomentFilter(
        field_name="updated_at",
        lookup_expr="gte",
        help_text="Profiles changed at or after this moment (ISO 8601).",
    )

    class Meta:
        model = CandidateProfile
        fields = ("connection", "off_limits", "updated_since")


class CandidateProfileViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, OwnerScopedViewSet):
    """Candidate profiles built from Thrive contacts; read-only (imports write them)."""

    serializer_class = CandidateProfileSerializer
    queryset = CandidateProfile.objects.select_related("contact").defer("contact__remote_data")
    filterset_class = CandidateProfileFilter
    ordering_fields = ("id", "updated_at")


def register_mapping_routes(router: SimpleRouter) -> None:
    router.register(
        rf"connections/(?P<connection_pk>{ANY_SEGMENT})/field-mappings",
        FieldMappingViewSet,
        basename="field-mapping",
    )
    router.register("candidate-profiles", CandidateProfileViewSet, basename="candidate-profile")
