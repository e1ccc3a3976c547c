"""The WSGI application: faults, auth, rate limit, routing and permission, in that order.

Transport faults come first because a real network fails before any business logic runs.
Permission is checked before any lookup or validation so a probe (unknown id, empty body)
tells "granted" (404/422) from "missing" (403) without touching data, as the contract says.
"""

from __future__ import annotations

import socket
import struct
import time
from collections.abc import Iterable
from typing import TYPE_CHECKING

from werkzeug.exceptions import MethodNotAllowed, NotFound
from werkzeug.http import http_date
from werkzeug.routing import Map, Rule
from werkzeug.wrappers import Request, Response

from thrive_integration.sandbox.control import control_response
from thrive_integration.sandbox.errors import ApiError
from thrive_integration.sandbox.permissions import ROUTES
from thrive_integration.sandbox.routes import Handlers, json_response
from thrive_integration.sandbox.state import LoggedRequest, SandboxState

if TYPE_CHECKING:
    from _typeshed.wsgi import StartResponse

API_PREFIX = "/api/v2"
CONTROL_PREFIX = "/__sandbox__"


class ConnectionReset(ConnectionResetError):
    """Raised after the socket was torn down; werkzeug treats it as a dropped connection."""


def build_url_map() -> Map:
    rules = []
    for method, path, endpoint, label in ROUTES:
        methods = ["PUT", "PATCH"] if method == "PUT" else [method]
        rules.append(Rule(path, endpoint=(endpoint, label), methods=methods))
    return Map(rules, strict_slashes=False)


class SandboxApp:
    """A WSGI callable serving one ``SandboxState`` under ``/api/v2``."""

    def __init__(self, state: SandboxState) -> None:
        self.state = state
        self.handlers = Handlers(state)
        self.url_map = build_url_map()

    def __call__(self, environ: dict, start_response: StartResponse) -> Iterable[bytes]:
        request = Request(environ)
        if request.path.startswith(CONTROL_PREFIX):
            response = control_response(self.state, request, request.path[len(CONTROL_PREFIX) :])
        else:
            response = self.api(request)
        return response(environ, start_response)

    def api(self, request: Request) -> Response:
        path = request.path
        relative = path[len(API_PREFIX) :] if path.startswith(API_PREFIX) else path
        entry = LoggedRequest(request.method, path, request.query_string.decode("latin-1"))
        self.state.log(entry)
        self.state.count("requests")
        if self.state.faults.take("reset", relative):
            self.state.count("fault:reset")
            reset_connection(request.environ)
        try:
            response = self.answer(request, relative, entry)
        except ApiError as error:
            response = json_response(error.status, error.body())
            if error.status == 429:
                response.headers["Retry-After"] = self.retry_after(error.extra["retry_after"])
        if self.state.faults.take("truncated", relative):
            self.state.count("fault:truncated")
            data = response.get_data()
            response.set_data(data[: len(data) // 2])
        entry.status = response.status_code
        self.state.count(f"status:{response.status_code}")
        return response

    def answer(self, request: Request, relative: str, entry: LoggedRequest) -> Response:
        state = self.state
        for kind in ("hang", "slow"):
            fault = state.faults.take(kind, relative)
            if fault is not None:
                state.count(f"fault:{kind}")
                state.wake.wait(fault.seconds)
        fault = state.faults.take("rate_limit", relative)
        if fault is not None:
            state.count("fault:rate_limit")
            raise rate_limited(max(1, round(fault.seconds)))
        fault = state.faults.take("server_error", relative)
        if fault is not None:
            state.count("fault:server_error")
            raise ApiError(fault.status, "server_error", "Something went wrong (injected)")

        token = bearer_token(request)
        if token is None or token not in state.tokens:
            raise ApiError(401, "unauthorized", "Unknown or missing API key")
        entry.token = token
        wait = state.limiter.check(token)
        if wait is not None:
            state.count("rate_limited")
            raise rate_limited(wait)
        if not request.path.startswith(API_PREFIX):
            raise ApiError(404, "not_found", f"The API lives under {API_PREFIX}")
        adapter = self.url_map.bind("sandbox", script_name=API_PREFIX, path_info=relative)
        try:
            (endpoint, label), args = adapter.match(relative, method=request.method)
        except MethodNotAllowed:
            raise ApiError(405, "method_not_allowed", "Method not allowed here") from None
        except NotFound:
            raise ApiError(404, "not_found", "No such endpoint") from None
        if label not in state.tokens[token]:
            raise ApiError(403, "forbidden", f"This API key lacks the permission: {label}")
        return self.handlers.dispatch(endpoint, request, relative, args)

    def retry_after(self, seconds: int) -> str:
        if self.state.options.retry_after_date:
            return http_date(time.time() + seconds)
        return str(seconds)


def rate_limited(seconds: int) -> ApiError:
    return ApiError(429, "rate_limited", "Rate limit exceeded", retry_after=seconds)


def bearer_token(request: Request) -> str | None:
    scheme, _, token = request.headers.get("Authorization", "").partition(" ")
    return token.strip() or None if scheme.lower() == "bearer" else None


def reset_connection(environ: dict) -> None:
    """Tear the TCP connection down without answering (RST), then abort the request.

    SO_LINGER with a zero timeout makes the kernel send RST instead of FIN; shutting both
    directions down stops werkzeug from reading another request on this connection.
    """
    sock = environ.get("werkzeug.socket")
    if sock is not None:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
        sock.shutdown(socket.SHUT_RDWR)
    raise ConnectionReset("sandbox fault: connection reset")
