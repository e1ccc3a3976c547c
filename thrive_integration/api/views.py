"""Viewsets: each action resolves an owner-scoped object and calls one function of the core."""

from __future__ import annotations

from collections.abc import Callable

from django.db.models import Model, OuterRef, Prefetch, Subquery
from drf_spectacular.utils import extend_schema
from rest_framework import mixins, status
from rest_framework.decorators import action
from rest_framework.request import Request
from rest_framework.response import Response

from .. import models as m
from .. import tasks
from ..connections import delete_connection, disconnect
from ..exceptions import ConfigurationError, SyncLocked
from ..models.sync import ACTIVE_RUN_STATUSES
from ..sync.runner import active_run, request_sync
from ..verify import verify_connection
from . import filters
from .base import (
    DestructiveActionPermission,
    OwnerScopedViewSet,
    SyncRateThrottle,
    refuse_any_body,
)
from .schema import detail_response
from .serializers import (
    ConflictSerializer,
    ConnectionSerializer,
    ScheduleSerializer,
    SyncRequestSerializer,
    SyncRunDetailSerializer,
    SyncRunSerializer,
    VerificationSerializer,
    mirror_serializer,
)


def queued_run_response(
    request: Request, connection: m.Connection, request_run: Callable[[], m.SyncRun]
) -> Response:
    """202 with the run `request_run` records, queued once it commits; 409 if it is refused;
    429 if the owner's budget of runs is spent (only a started run spends it).

    The sync and remap actions answer alike: a client polls either run under `sync-runs/`.
    """
    budget = SyncRateThrottle()
    budget.reserve(request)
    try:
        run = request_run()
    except (SyncLocked, ConfigurationError) as exc:
        budget.release()
        running = active_run(connection)
        conflict = {"detail": str(exc), "active_run": running.pk if running else None}
        return Response(conflict, status=status.HTTP_409_CONFLICT)
    tasks.enqueue_run(run.pk)
    return Response(SyncRunSerializer(run).data, status=status.HTTP_202_ACCEPTED)


class ConnectionViewSet(
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    mixins.CreateModelMixin,
    mixins.UpdateModelMixin,
    mixins.DestroyModelMixin,
    OwnerScopedViewSet,
):
    """Thrive connections of the request's owner. The API key is write-only."""

    owner_lookup = "owner"
    serializer_class = ConnectionSerializer
    queryset = m.Connection.objects.annotate(
        active_run_id=Subquery(
            m.SyncRun.objects.filter(
                connection=OuterRef("pk"), status__in=ACTIVE_RUN_STATUSES
            ).values("pk")[:1]
        )
    )
    ordering_fields = ("id", "name", "created_at")
    destructive_actions = ("destroy", "disconnect")

    def get_permissions(self):
        permissions = super().get_permissions()
        if self.action in self.destructive_actions:
            permissions.append(DestructiveActionPermission())
        return permissions

    @extend_schema(
        responses={
            204: None,
            409: detail_response(
                "A run of this connection is pending or running: wait for it to finish "
                "(the message names it), then delete again."
            ),
        },
        summary="Delete the connection",
        description=(
            "Deletes the connection with its schedules and everything imported for it. 409 "
            "while one of its runs (import or re-map) is pending or running; a run whose "
            "worker died does not count once its lock has expired."
        ),
    )
    def destroy(self, request: Request, *args, **kwargs) -> Response:
        connection = self.get_object()
        try:
            delete_connection(connection)
        except SyncLocked as exc:
            return Response({"detail": str(exc)}, status=status.HTTP_409_CONFLICT)
        return Response(status=status.HTTP_204_NO_CONTENT)

    @extend_schema(
        request=None,
        responses={200: VerificationSerializer},
        summary="Verify the key against Thrive",
        description=(
            "Calls Thrive now, probing every operation the integration needs, and returns the "
            "permissions the key lacks by name. An invalid key or unreachable Thrive is a "
            "status (`invalid_key`, `unreachable`), not an error."
        ),
    )
    @action(detail=True, methods=["post"])
    def verify(self, request: Request, pk: str | None = None) -> Response:
        connection = self.get_object()
        refuse_any_body(request)
        connection = verify_connection(connection)
        return Response(VerificationSerializer(connection).data)

    @extend_schema(
        request=SyncRequestSerializer,
        responses={
            202: SyncRunSerializer,
            409: ConflictSerializer,
        },
        summary="Start a sync now",
        description=(
            "Records a run and queues it. 409 while another run of this connection is "
            "pending or running, when the connection is disconnected, or when its last "
            "verification found the key invalid (fix the key and verify again)."
        ),
    )
    @action(detail=True, methods=["post"])
    def sync(self, request: Request, pk: str | None = None) -> Response:
        connection = self.get_object()
        body = SyncRequestSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        return queued_run_response(
            request,
            connection,
            lambda: request_sync(
                connection,
                full=body.validated_data["full"],
                resources=body.validated_data.get("resources") or None,
                trigger=m.SyncRun.Trigger.API,
            ),
        )

    @extend_schema(
        request=None,
        responses={200: ConnectionSerializer},
        summary="Disconnect",
        description="Stops all scheduled work of the connection and keeps every imported record.",
    )
    @action(detail=True, methods=["post"])
    def disconnect(self, request: Request, pk: str | None = None) -> Response:
        connection = self.get_object()
        refuse_any_body(request)
        connection = disconnect(connection)
        return Response(self.get_serializer(connection).data)

    @extend_schema(
        methods=["GET"],
        request=None,
        responses={200: ScheduleSerializer},
        summary="Read the import and export schedule",
    )
    @extend_schema(
        methods=["PATCH"],
        request=ScheduleSerializer,
        responses={
            200: ScheduleSerializer,
            409: detail_response(
                "The connection is disconnected: reconnect it to turn its schedule on."
            ),
        },
        summary="Change the import and export schedule",
        description=(
            "Intervals in minutes; the scheduled tasks are updated at once. A disconnected "
            "connection's schedule cannot be turned on (409)."
        ),
    )
    @action(detail=True, methods=["get", "patch"])
    def schedule(self, request: Request, pk: str | None = None) -> Response:
        connection = self.get_object()
        if request.method == "GET":
            return Response(ScheduleSerializer(connection).data)
        schedule = ScheduleSerializer(connection, data=request.data, partial=True)
        schedule.is_valid(raise_exception=True)
        try:
            schedule.save()  # calls schedules.sync_schedules, which may refuse
        except ConfigurationError as exc:
            return Response({"detail": str(exc)}, status=status.HTTP_409_CONFLICT)
        return Response(schedule.data)


class SyncRunViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, OwnerScopedViewSet):
    """Import runs (one step per resource) and remap runs (profiles, then applications),
    newest first."""

    queryset = m.SyncRun.objects.prefetch_related("steps")
    filterset_class = filters.SyncRunFilter
    ordering_fields = ("id", "created_at")
    ordering = ("-id",)

    def get_serializer_class(self):
        return SyncRunDetailSerializer if self.action == "retrieve" else SyncRunSerializer


class MirrorViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, OwnerScopedViewSet):
    """Read-only mirrored Thrive objects; children arrive in one prefetch query each."""

    # Non-null columns only: a cursor cannot point between rows by a missing value.
    ordering_fields = ("id", "last_synced_at")


def mirror_viewset(
    model: type[Model],
    filterset: type[filters.MirrorFilter],
    children: tuple[str, ...] = (),
) -> type[MirrorViewSet]:
    attrs = {
        "__doc__": f"{model._meta.verbose_name_plural.capitalize()} imported from Thrive.",
        # Each list as the parent's payload has it (`sync.payloads`): the children Thrive
        # still lists, in its order.
        "queryset": model.objects.prefetch_related(
            *(
                Prefetch(
                    name,
                    model._meta.get_field(name)
                    .related_model.objects.filter(remote_deleted_at__isnull=True)
                    .order_by("list_index", "pk"),
                )
                for name in children
            )
        ),
        "serializer_class": mirror_serializer(model, children),
        "filterset_class": filterset,
    }
    return type(f"{model.__name__}ViewSet", (MirrorViewSet,), attrs)


CONTACT_CHILDREN = (
    "positions",
    "educations",
    "notes",
    "comments",
    "documents",
    "off_limit_reasons",
    "outreaches",
    "connections",
    "references",
    "introductions",
)

# URL prefix -> viewset of the mirrored objects the frontend reads.
MIRROR_VIEWSETS: dict[str, type[MirrorViewSet]] = {
    "contacts": mirror_viewset(m.Contact, filters.ContactFilter, CONTACT_CHILDREN),
    "candidacies": mirror_viewset(m.Candidacy, filters.CandidacyFilter, ("comments", "tags")),
    "searches": mirror_viewset(
        m.Search, filters.SearchFilter, ("commissions", "documents", "team_memberships")
    ),
    "companies": mirror_viewset(
        m.Company, filters.CompanyFilter, ("funding_rounds", "investments")
    ),
    "users": mirror_viewset(m.ThriveUser, filters.ThriveUserFilter),
    "candidacy-stages": mirror_viewset(m.CandidacyStage, filters.CandidacyStageFilter),
    "talent-pools": mirror_viewset(m.TalentPool, filters.TalentPoolFilter),
    "contact-networks": mirror_viewset(m.ContactNetwork, filters.ContactNetworkFilter),
}
