"""Sandbox fixtures: a real server on 127.0.0.1 per test, spoken to with ``requests``."""

from __future__ import annotations

from collections.abc import Callable, Iterator

import pytest
import requests

from thrive_integration.sandbox import DEMO_TOKEN, SandboxServer

ALL_CONTACT_INCLUDES = (
    "positions,educations,notes,contact_comments,documents,off_limit_reasons,"
    "outreaches,connections,references,introductions"
)


class Api:
    """A tiny HTTP helper bound to one sandbox and one key: tests read like wire traffic."""

    def __init__(self, server: SandboxServer, token: str = DEMO_TOKEN) -> None:
        self.server = server
        self.session = requests.Session()
        self.session.headers["Authorization"] = f"Bearer {token}"

    def get(self, path: str, **params: object) -> requests.Response:
        return self.session.get(self.server.url + path, params=params, timeout=10)

    def post(self, path: str, body: object) -> requests.Response:
        return self.session.post(self.server.url + path, json=body, timeout=10)

    def patch(self, path: str, body: object) -> requests.Response:
        return self.session.patch(self.server.url + path, json=body, timeout=10)

    def put(self, path: str, body: object) -> requests.Response:
        return self.session.put(self.server.url + path, json=body, timeout=10)

    def delete(self, path: str) -> requests.Response:
        return self.session.delete(self.server.url + path, timeout=10)


@pytest.fixture
def make_sandbox() -> Iterator[Callable[..., SandboxServer]]:
    """Start sandboxes with given options; all are stopped after the test."""
    started: list[SandboxServer] = []

    def make(**options: object) -> SandboxServer:
        options.setdefault("contacts", 200)
        server = SandboxServer(**options).start()
        started.append(server)
        return server

    yield make
    for server in started:
        server.stop()


@pytest.fixture
def sandbox(make_sandbox: Callable[..., SandboxServer]) -> SandboxServer:
    return make_sandbox()


@pytest.fixture
def api(sandbox: SandboxServer) -> Api:
    return Api(sandbox)
