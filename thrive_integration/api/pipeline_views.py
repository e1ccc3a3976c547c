"""REST for the pipeline: platform stages, the stage mapping, excluded rejection reasons, and
applications with the inbound listing and the advance/reject actions.

Each action resolves owner-scoped objects and calls one function of `thrive_integration.
pipeline`; a refusal there (excluded stage or reason, removed stage, invalid grouping) is a 400
with its reasons. `register_pipeline_routes(router)` adds every route.
"""

from __future__ import annotations

import django_filters
from django.db.models import QuerySet
from django.shortcuts import get_object_or_404
from django.utils import timezone
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import mixins, status
from rest_framework.decorators import action
from rest_framework.exceptions import ValidationError
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.routers import SimpleRouter

from .. import models as m
from .. import pipeline
from ..pipeline import applications as pipeline_applications
from ..pipeline import choices, inbound
from .base import OwnerRateThrottle, OwnerScopedViewSet, StrictLookupViewSet, parse_id
from .filters import ID_SCHEMA, IdFilter, StrictBooleanFilter
from .pipeline_serializers import (
    ActionOutcomeSerializer,
    AdvanceSerializer,
    ApplicationSerializer,
    BulkAdvanceSerializer,
    BulkRejectSerializer,
    ChoicesSerializer,
    ExcludedRejectionReasonSerializer,
    PipelineStageSerializer,
    RegroupSerializer,
    RejectSerializer,
    StageMappingSerializer,
)
from .schema import INVALID_REQUEST


def _refused(refusal: pipeline.PipelineRefused) -> ValidationError:
    return ValidationError({"detail": str(refusal), **refusal.errors})


class PipelineStageViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, StrictLookupViewSet):
    """The platform stages, shared by every owner; edited in the admin."""

    queryset = m.PipelineStage.objects.all()
    serializer_class = PipelineStageSerializer
    permission_classes = OwnerScopedViewSet.permission_classes
    throttle_classes = (OwnerRateThrottle,)
    # A handful of rows, the same for every owner: one plain array, not a cursor page.
    pagination_class = None


class ConnectionFilter(django_filters.FilterSet):
    connection = IdFilter(field_name="connection_id")


class StageMappingFilter(ConnectionFilter):
    needs_attention = StrictBooleanFilter(method="filter_needs_attention")

    class Meta:
        model = m.StageMapping
        fields = ("connection", "needs_attention")

    def filter_needs_attention(self, queryset: QuerySet, name: str, value: bool) -> QuerySet:
        unmapped = queryset.filter(
            pipeline_stage__isnull=True, candidacy_stage__remote_deleted_at__isnull=True
        ).exclude(candidacy_stage__active=False)
        return unmapped if value else queryset.exclude(pk__in=unmapped.values("pk"))


class StageMappingViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, OwnerScopedViewSet):
    """Each Thrive stage of a connection and the platform stage it is grouped into.

    Edits go through `regroup`: the frontend saves the whole grouping at once.
    """

    queryset = m.StageMapping.objects.select_related("candidacy_stage")
    serializer_class = StageMappingSerializer
    filterset_class = StageMappingFilter

    @extend_schema(request=RegroupSerializer, responses=StageMappingSerializer(many=True))
    @action(detail=False, methods=["post"], pagination_class=None, filter_backends=[])
    def regroup(self, request: Request) -> Response:
        serializer = RegroupSerializer(data=request.data, context=self.get_serializer_context())
        serializer.is_valid(raise_exception=True)
        connection = _owned_connection(self.owner, serializer.validated_data["connection"])
        try:
            pipeline.regroup(connection, serializer.validated_data["groups"])
        except pipeline.PipelineRefused as refusal:
            raise _refused(refusal) from None
        mappings = self.get_queryset().filter(connection=connection)
        return Response(self.get_serializer(mappings, many=True).data)


class ExcludedRejectionReasonViewSet(
    mixins.ListModelMixin,
    mixins.CreateModelMixin,
    mixins.DestroyModelMixin,
    OwnerScopedViewSet,
):
    queryset = m.ExcludedRejectionReason.objects.all()
    serializer_class = ExcludedRejectionReasonSerializer
    filterset_class = ConnectionFilter


class ApplicationFilter(ConnectionFilter):
    search = IdFilter(field_name="search_id")
    pipeline_stage = IdFilter(field_name="pipeline_stage_id")
    rejected = StrictBooleanFilter()
    sla_breached = StrictBooleanFilter(method="filter_sla_breached")
    source = django_filters.CharFilter(
        max_length=255, help_text="The source the candidacy mappings gave, exactly."
    )

    class Meta:
        model = m.Application
        fields = ("connection", "search", "pipeline_stage", "rejected", "sla_breached", "source")

    def filter_sla_breached(self, queryset: QuerySet, name: str, value: bool) -> QuerySet:
        return inbound.filter_applications(
            queryset, now=self.request.now, sla_breached=value, rejected=None
        )


class ApplicationViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, OwnerScopedViewSet):
    """Applications (Thrive candidacies); `inbound` lists those in the inbound stages."""

    queryset = m.Application.objects.select_related(
        "profile", "search", "pipeline_stage", "stage_mapping__candidacy_stage", "candidacy"
    )
    serializer_class = ApplicationSerializer
    filterset_class = ApplicationFilter

    def initial(self, request: Request, *args, **kwargs) -> None:
        super().initial(request, *args, **kwargs)
        # One instant per request: every row's SLA is judged against the same clock.
        request.now = timezone.now()
        # Thrive's answers to earlier advances and rejects show before anything is read.
        pipeline_applications.settle_answered(m.Connection.objects.filter(owner=self.owner))

    def get_serializer_context(self) -> dict:
        context = super().get_serializer_context()
        context["now"] = getattr(self.request, "now", None) or timezone.now()
        return context

    @extend_schema(responses=ApplicationSerializer(many=True))
    @action(detail=False, methods=["get"])
    def inbound(self, request: Request) -> Response:
        """Inbound applicants, filtered and paged, with `counts` per platform stage.

        The counts ignore the `pipeline_stage` filter: they are the tabs the listing is in.
        """
        applications = inbound.inbound_applications(self.get_queryset())
        listed = self.filter_queryset(applications)
        without_stage = request.query_params.copy()
        without_stage.pop("pipeline_stage", None)
        counted = self.filterset_class(without_stage, queryset=applications, request=request).qs
        counts = inbound.counts_by_stage(counted)
        page = self.paginate_queryset(listed)
        response = self.get_paginated_response(self.get_serializer(page, many=True).data)
        response.data["counts"] = counts
        return response

    @extend_schema(request=AdvanceSerializer, responses=ActionOutcomeSerializer)
    @action(detail=True, methods=["post"])
    def advance(self, request: Request, pk: str | None = None) -> Response:
        serializer = AdvanceSerializer(data=request.data, context=self.get_serializer_context())
        serializer.is_valid(raise_exception=True)
        application = self.get_object()
        mapping = _owned_mapping(application.connection, serializer.validated_data["stage_mapping"])
        try:
            entry = pipeline.advance(application, mapping)
        except pipeline.PipelineRefused as refusal:
            raise _refused(refusal) from None
        outcome = pipeline.ActionOutcome(application.pk, entry_id=entry.pk)
        return Response(ActionOutcomeSerializer(outcome).data, status=status.HTTP_202_ACCEPTED)

    @extend_schema(request=RejectSerializer, responses=ActionOutcomeSerializer)
    @action(detail=True, methods=["post"])
    def reject(self, request: Request, pk: str | None = None) -> Response:
        serializer = RejectSerializer(data=request.data, context=self.get_serializer_context())
        serializer.is_valid(raise_exception=True)
        application = self.get_object()
        try:
            entry = pipeline.reject(application, serializer.validated_data["reason"])
        except pipeline.PipelineRefused as refusal:
            raise _refused(refusal) from None
        outcome = pipeline.ActionOutcome(application.pk, entry_id=entry.pk)
        return Response(ActionOutcomeSerializer(outcome).data, status=status.HTTP_202_ACCEPTED)

    @extend_schema(request=BulkAdvanceSerializer, responses=ActionOutcomeSerializer(many=True))
    @action(
        detail=False,
        methods=["post"],
        url_path="bulk-advance",
        pagination_class=None,
        filter_backends=[],
    )
    def bulk_advance(self, request: Request) -> Response:
        serializer = BulkAdvanceSerializer(data=request.data, context=self.get_serializer_context())
        serializer.is_valid(raise_exception=True)
        data = serializer.validated_data
        connection = _owned_connection(self.owner, data["connection"])
        mapping = _owned_mapping(connection, data["stage_mapping"])
        try:
            outcomes = pipeline.bulk_advance(connection, data["applications"], mapping)
        except pipeline.PipelineRefused as refusal:
            raise _refused(refusal) from None
        return Response(ActionOutcomeSerializer(outcomes, many=True).data)

    @extend_schema(request=BulkRejectSerializer, responses=ActionOutcomeSerializer(many=True))
    @action(
        detail=False,
        methods=["post"],
        url_path="bulk-reject",
        pagination_class=None,
        filter_backends=[],
    )
    def bulk_reject(self, request: Request) -> Response:
        serializer = BulkRejectSerializer(data=request.data, context=self.get_serializer_context())
        serializer.is_valid(raise_exception=True)
        data = serializer.validated_data
        connection = _owned_connection(self.owner, data["connection"])
        try:
            outcomes = pipeline.bulk_reject(connection, data["applications"], data["reason"])
        except pipeline.PipelineRefused as refusal:
            raise _refused(refusal) from None
        return Response(ActionOutcomeSerializer(outcomes, many=True).data)

    @extend_schema(
        parameters=[OpenApiParameter("connection", ID_SCHEMA, required=True)],
        responses={200: ChoicesSerializer, 400: INVALID_REQUEST},
    )
    @action(detail=False, methods=["get"], pagination_class=None, filter_backends=[])
    def choices(self, request: Request) -> Response:
        """What a connection's advance and reject menus offer (`?connection=` required)."""
        connection = _owned_connection(self.owner, request.query_params.get("connection"))
        data = {
            "advance_targets": choices.advance_targets(connection),
            "rejection_reasons": choices.rejection_reasons(connection),
        }
        return Response(ChoicesSerializer(data).data)


def _owned_connection(owner: str, connection_id: object) -> m.Connection:
    if connection_id in (None, ""):
        raise ValidationError({"connection": ["A connection id is required."]})
    pk = parse_id(str(connection_id))
    if pk is None:
        raise ValidationError({"connection": ["This is not a valid connection id."]})
    return get_object_or_404(m.Connection, owner=owner, pk=pk)


def _owned_mapping(connection: m.Connection, mapping_id: int) -> m.StageMapping:
    mapping = (
        m.StageMapping.objects.filter(connection=connection, pk=mapping_id)
        .select_related("candidacy_stage")
        .first()
    )
    if mapping is None:
        raise ValidationError({"stage_mapping": ["No such stage for this connection."]})
    return mapping


def register_pipeline_routes(router: SimpleRouter) -> None:
    router.register("pipeline-stages", PipelineStageViewSet, basename="pipeline-stage")
    router.register("stage-mappings", StageMappingViewSet, basename="stage-mapping")
    router.register(
        "excluded-rejection-reasons",
        ExcludedRejectionReasonViewSet,
        basename="excluded-rejection-reason",
    )
    router.register("applications", ApplicationViewSet, basename="application")
