"""The unauthenticated ``/__sandbox__`` endpoints tests and demos use to steer the sandbox.

``POST /__sandbox__/faults`` arms one fault (object) or several (list), ``DELETE`` disarms
all, ``GET`` lists armed ones; ``GET /__sandbox__/requests`` returns the request log;
``POST /__sandbox__/tokens`` adds a key (``{"key", "permissions": [...] or null}``).
"""

from __future__ import annotations

import json
from dataclasses import asdict

from werkzeug.wrappers import Request, Response

from thrive_integration.sandbox.state import SandboxState


def _json(status: int, body: object) -> Response:
    data = b"" if body is None else json.dumps(body, ensure_ascii=False).encode()
    return Response(data, status=status, mimetype="application/json")


def control_response(state: SandboxState, request: Request, path: str) -> Response:
    path = path.rstrip("/")
    try:
        if path == "/faults" and request.method == "GET":
            return _json(200, {"faults": state.faults.pending()})
        if path == "/faults" and request.method == "DELETE":
            state.faults.clear()
            return _json(204, None)
        if path == "/faults" and request.method == "POST":
            specs = json.loads(request.get_data() or b"{}")
            for spec in specs if isinstance(specs, list) else [specs]:
                state.faults.add(**spec)
            return _json(201, {"faults": state.faults.pending()})
        if path == "/requests" and request.method == "GET":
            return _json(200, {"requests": [asdict(entry) for entry in state.request_log]})
        if path == "/tokens" and request.method == "POST":
            spec = json.loads(request.get_data() or b"{}")
            state.add_token(spec["key"], spec.get("permissions"))
            return _json(201, {"key": spec["key"]})
    except (TypeError, ValueError, KeyError) as error:
        return _json(400, {"error": {"code": "bad_request", "message": str(error)}})
    return _json(404, {"error": {"code": "not_found", "message": "No such sandbox control"}})
