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
# Every path segment reaches the API, which answers a malformed id like an unknown one.
_NOT_FOUND = OpenApiResponse(_DETAIL, "No such object for your owner.")
# One schema for every shape a 400 takes: which one depends on what was refused.
_REFUSAL = {
    "type": "object",
    "description": (
        "Why the request was refused. A body that is not JSON (or nests too deeply): "
        '`{"detail": "message"}`. A refused field, filter or query parameter: messages by '
        'its name, `{"field": ["message"]}`, nested like the body. A refused pipeline action: '
        "`detail` and messages by field. Field-mapping validate and preview: a proposal they "
        'cannot read by item index, `{"mappings": {"7": {"field": ["message"]}}}`, an invalid '
        'one `{"valid": false, "errors": ["message"]}`; saving an invalid field mapping: '
        '`{"mappings": ["message"]}`.'
    ),
    # Untyped: a client's body may itself name a field `detail` and get a list back.
    "properties": {"detail": {"description": "A message about the whole request."}},
    "additionalProperties": {},
}
INVALID_REQUEST = OpenApiResponse(_REFUSAL, "Invalid body or query.")


def detail_response(description: str) -> OpenApiResponse:
    """An action's own refusal (a 409, say) whose body is `{"detail": "message"}`."""
    return OpenApiResponse(_DETAIL, description)


_WITH_BODY = frozenset({"POST", "PUT", "PATCH"})


class ThriveAutoSchema(AutoSchema):
    def _get_response_bodies(self, direction: str = "response") -> dict[str, Any]:
        bodies = super()._get_response_bodies(direction)
        errors = {"401": _UNAUTHENTICATED, "403": _FORBIDDEN, "429": _THROTTLED}
        if "{" in self.path:
            errors["404"] = _NOT_FOUND
        if self._reads_input():
            errors["400"] = INVALID_REQUEST
        for code, response in errors.items():
            if code not in bodies:
                bodies[code] = self._get_response_for_code(response, code, direction=direction)
        return bodies

    def _reads_input(self) -> bool:
        """A body, or a list's query (filters, ordering, cursor): each can be refused.

        Every body is parsed, so malformed JSON is a 400 even where no field is taken.
        """
        if self.method in _WITH_BODY:
            return True
        if not self._is_list_view():
            return False
        return bool(getattr(self.view, "filterset_class", None) or self._get_paginator())
