"""Who owns a request. The host replaces this with `THRIVE_INTEGRATION["OWNER_RESOLVER"]`."""

from __future__ import annotations

from django.http import HttpRequest


def owner_from_user(request: HttpRequest) -> str | None:
    """Default for the demo project: each authenticated user is its own tenant."""
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return None
    return f"user:{user.pk}"
