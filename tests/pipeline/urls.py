"""The pipeline routes alone, mounted as the host mounts the app (`/api/thrive/`)."""

from django.urls import include, path
from rest_framework.routers import SimpleRouter

from thrive_integration.api.pipeline_views import register_pipeline_routes

router = SimpleRouter()
register_pipeline_routes(router)
urlpatterns = [path("api/thrive/", include(router.urls))]
