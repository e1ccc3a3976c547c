"""The unauthenticated ``/__sandbox__`` endpoints tests and demos use to steer the sandbox.

``POST /__sandbox__/faults`` arms one fault (object) or several (list), ``DELETE`` disarms
all, ``GET`` lists armed ones; ``GET /__sandbox__/requests`` returns the request log;
``POST /__sandbox__/tokens`` adds a key (``{"key", "permissions": [...] or null}``).
A body that is not JSON, or not the object described, is a 400 whose message says why.
"""

from __future__ import annotations

import json
from dataclasses import asdict

from werkzeug.wrappers import Request, Response

from thrive_integration.sandbox.faults import fault_from_spec, refuse_unknown_fields
from thrive_integration.sandbox.state import SandboxState

TOKEN_FIELDS = ("key", "permissions")


def _json(status: int, body: object) -> Response:
    data = b"" if body is None else json.dumps(body, ensure_ascii=False).encode()
    return Response(data, status=status, mimetype="application/json")


def _body(request: Request) -> object:
    """The request's JSON body (`{}` when empty); a ValueError when it is not JSON."""
    try:
        return json.loads(request.get_data() or b"{}")
    except ValueError:  # also a body that is not UTF-8
        raise ValueError("the body must be JSON") from None


def _add_token(state: SandboxState, spec: object) -> str:
    if not isinstance(spec, dict):
        raise ValueError('a token must be a JSON object: {"key": ..., "permissions": [...]}')
    refuse_unknown_fields("token", spec, TOKEN_FIELDS)
    permissions = spec.get("permissions")
    if permissions is not None and not isinstance(permissions, list):
        raise ValueError("permissions must be a list of permission labels, or null for all")
    state.add_token(spec.get("key"), permissions)
    return spec["key"]


def control_response(state: SandboxState, request: Request, path: str) -> Response:
    path = path.rstrip("/")
    try:
        if path == "/faults" and request.method == "GET":
            return _json(200, {"faults": state.faults.pending()})
        if path == "/faults" and request.method == "DELETE":
            state.faults.clear()
            return _json(204, None)
        if path == "/faults" and request.method == "POST":
            specs = _body(request)
            state.faults.arm(
                [fault_from_spec(spec) for spec in (specs if isinstance(specs, list) else [specs])]
            )
            return _json(201, {"faults": state.faults.pending()})
        if path == "/requests" and request.method == "GET":
            return _json(200, {"requests": [asdict(entry) for entry in state.request_log]})
        if path == "/tokens" and request.method == "POST":
            return _json(201, {"key": _add_token(state, _body(request))})
    except ValueError as error:
        return _json(400, {"error": {"code": "bad_request", "message": str(error)}})
    return _json(404, {"error": {"code": "not_found", "message": "No such sandbox control"}})
