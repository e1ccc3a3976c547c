"""Routes of the REST API; the host mounts this module (DESIGN.md §6).

Each area of the app registers its own routes on one router, so a viewset is declared once,
beside its serializers, and every route shares the base classes of `api/base.py`.
"""

from __future__ import annotations

from rest_framework.routers import SimpleRouter

from .export_views import register_export_routes
from .mapping_views import register_mapping_routes
from .pipeline_views import register_pipeline_routes
from .views import MIRROR_VIEWSETS, ConnectionViewSet, SyncRunViewSet

app_name = "thrive_integration"


def register_core_routes(router: SimpleRouter) -> None:
    router.register("connections", ConnectionViewSet, basename="connection")
    router.register("sync-runs", SyncRunViewSet, basename="sync-run")
    for prefix, viewset in MIRROR_VIEWSETS.items():
        router.register(prefix, viewset, basename=prefix)


# SimpleRouter, not DefaultRouter: its API root view would inherit the host's permissions.
router = SimpleRouter()
for register in (
    register_core_routes,
    register_mapping_routes,
    register_pipeline_routes,
    register_export_routes,
):
    register(router)
urlpatterns = router.urls
