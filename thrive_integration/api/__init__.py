"""The REST API the host mounts: `path("api/thrive/", include("thrive_integration.api.urls"))`."""
