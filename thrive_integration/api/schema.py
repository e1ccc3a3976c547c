"""The error answers every view of the app can give, in its OpenAPI description.

drf-spectacular describes what an operation returns on success, and an action's own refusals
where it declares them (a 409 on a busy connection). The refusals that come from the base
classes are the same for every operation: authentication and owner (`HasOwner`), the throttle,
an object that is not the owner's (404), a refused body or query (400). They are added here
once, so a client generated from the schema knows them everywhere.
"""

from __future__ import annotations

from typing import Any

from drf_spectacular.openapi import AutoSchema
from drf_spectacular.utils import OpenApiResponse, inline_serializer
from rest_framework import serializers

_DETAIL = inline_serializer("ErrorDetail", {"detail": serializers.CharField()})

_UNAUTHENTICATED = OpenApiResponse(_DETAIL, "Not authenticated.")
_FORBIDDEN = OpenApiResponse(
    _DETAIL, "Not allowed: no credentials, no owner for the account, or no permission."
)
_THROTTLED = OpenApiResponse(_DETAIL, "Too many requests for this owner; retry later.")
# These two have no body schema: the API's own are JSON (`detail`, or messages by field), but
# a path the host's URLconf cannot route, or a request Django refuses before the API sees it,
# gets the host's error page.
_NOT_FOUND = OpenApiResponse(description="No such object for your owner.")
_INVALID = OpenApiResponse(description="Invalid body or query: messages by field name.")
_WITH_BODY = frozenset({"POST", "PUT", "PATCH"})


class ThriveAutoSchema(AutoSchema):
    def _get_response_bodies(self, direction: str = "response") -> dict[str, Any]:
        bodies = super()._get_response_bodies(direction)
        errors = {"401": _UNAUTHENTICATED, "403": _FORBIDDEN, "429": _THROTTLED}
        if "{" in self.path:
            errors["404"] = _NOT_FOUND
        if self._reads_input():
            errors["400"] = _INVALID
        for code, response in errors.items():
            if code not in bodies:
                bodies[code] = self._get_response_for_code(response, code, direction=direction)
        return bodies

    def _reads_input(self) -> bool:
        """A body it validates, or a list it filters by query: both can be refused."""
        if self.method in _WITH_BODY:
            return self.get_request_serializer() is not None
        return self._is_list_view() and bool(getattr(self.view, "filterset_class", None))
