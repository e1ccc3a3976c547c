"""Routes of the REST API; the host mounts this module (DESIGN.md §6)."""

from __future__ import annotations

from rest_framework.routers import SimpleRouter

from .views import MIRROR_VIEWSETS, ConnectionViewSet, SyncRunViewSet

app_name = "thrive_integration"


def register_core_routes(router: SimpleRouter) -> None:
    router.register("connections", ConnectionViewSet, basename="connection")
    router.register("sync-runs", SyncRunViewSet, basename="sync-run")
    for prefix, viewset in MIRROR_VIEWSETS.items():
        router.register(prefix, viewset, basename=prefix)


# SimpleRouter, not DefaultRouter: its API root view would inherit the host's permissions.
router = SimpleRouter()
register_core_routes(router)
urlpatterns = router.urls
