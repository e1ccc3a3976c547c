"""Run the sandbox on a real socket: a threaded werkzeug server in a daemon thread.

Tests and the ``thrive_sandbox`` command speak to it over HTTP on 127.0.0.1, exactly as the
client will speak to Thrive, so transport behaviour (timeouts, resets, keep-alive) is real.
"""

from __future__ import annotations

import threading
from collections import Counter, deque
from collections.abc import Iterable

from werkzeug.serving import BaseWSGIServer, WSGIRequestHandler, make_server

from thrive_integration.sandbox.app import API_PREFIX, SandboxApp
from thrive_integration.sandbox.faults import Fault
from thrive_integration.sandbox.state import LoggedRequest, SandboxOptions, SandboxState

DEMO_TOKEN = "sandbox-demo-key"


class QuietRequestHandler(WSGIRequestHandler):
    """No access log lines: test output stays readable; the state keeps its own log."""

    def log_request(self, code: int | str = "-", size: int | str = "-") -> None:
        return None


class SandboxServer:
    """A running sandbox. ``SandboxServer(contacts=500, dialect="bare").start()``.

    Accepts a ready ``SandboxState``, a ``SandboxOptions`` or option keywords. When no
    ``tokens`` are given and the state has none, ``DEMO_TOKEN`` is granted every permission.
    """

    def __init__(
        self,
        state: SandboxState | SandboxOptions | None = None,
        *,
        host: str = "127.0.0.1",
        port: int = 0,
        tokens: Iterable[str] | None = None,
        quiet: bool = True,
        **options: object,
    ) -> None:
        if isinstance(state, SandboxOptions):
            state = SandboxState(state)
        self.state = state if state is not None else SandboxState(**options)
        for key in tokens if tokens is not None else ([] if self.state.tokens else [DEMO_TOKEN]):
            self.state.add_token(key)
        self.app = SandboxApp(self.state)
        self.host = host
        self.port = port
        self.quiet = quiet
        self._server: BaseWSGIServer | None = None
        self._thread: threading.Thread | None = None

    def bind(self) -> SandboxServer:
        """Open the listening socket (so ``url`` knows the port) without serving yet."""
        if self._server is None:
            handler = QuietRequestHandler if self.quiet else None
            self._server = make_server(
                self.host, self.port, self.app, threaded=True, request_handler=handler
            )
            self.port = self._server.server_port
            self.state.wake.clear()
        return self

    def start(self) -> SandboxServer:
        """Serve from a daemon thread; returns at once."""
        self.bind()
        self._thread = threading.Thread(
            target=self._server.serve_forever,
            kwargs={"poll_interval": 0.05},  # quick stop() between tests
            name="thrive-sandbox",
            daemon=True,
        )
        self._thread.start()
        return self

    def serve_forever(self) -> None:
        """Serve in the calling thread (the management command) until interrupted."""
        self.bind()
        try:
            self._server.serve_forever()
        finally:
            self.state.wake.set()
            self._server.server_close()
            self._server = None

    def stop(self) -> None:
        self.state.wake.set()  # release requests sleeping in hang/slow faults
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()
        if self._thread is not None:
            self._thread.join(timeout=5)
        self._server = self._thread = None

    def __enter__(self) -> SandboxServer:
        return self if self._thread is not None else self.start()

    def __exit__(self, *exc_info: object) -> None:
        self.stop()

    # ---- conveniences over the state ---------------------------------------------------
    @property
    def root_url(self) -> str:
        return f"http://{self.host}:{self.port}"

    @property
    def url(self) -> str:
        """The API base URL, ending in ``/api/v2``."""
        return self.root_url + API_PREFIX

    def add_token(self, key: str, permissions: Iterable[str] | None = None) -> None:
        self.state.add_token(key, permissions)

    def set_fault(
        self, kind: str, count: int = 1, path: str | None = None, **params: object
    ) -> Fault:
        return self.state.faults.add(kind, count=count, path=path, **params)

    def clear_faults(self) -> None:
        self.state.faults.clear()

    @property
    def request_log(self) -> deque[LoggedRequest]:
        return self.state.request_log

    @property
    def counters(self) -> Counter[str]:
        return self.state.counters
