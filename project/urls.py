from django.contrib import admin
from django.urls import include, path
from drf_spectacular.views import SpectacularAPIView

urlpatterns = [
    path("admin/", admin.site.urls),
    path("api/thrive/schema/", SpectacularAPIView.as_view(), name="thrive-schema"),
    path("api/thrive/", include("thrive_integration.api.urls")),
]
