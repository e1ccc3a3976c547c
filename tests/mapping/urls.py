"""The mapping routes alone, mounted as the host mounts the app's API."""

from django.urls import include, path
from rest_framework.routers import SimpleRouter

from thrive_integration.api.mapping_views import register_mapping_routes

router = SimpleRouter()
register_mapping_routes(router)
urlpatterns = [path("api/thrive/", include(router.urls))]
