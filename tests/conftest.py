"""Fixtures shared across test folders: one real Thrive sandbox for the whole session."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from thrive_integration.sandbox import SandboxServer


@pytest.fixture(scope="session")
def sandbox() -> Iterator[SandboxServer]:
    """A sandbox on 127.0.0.1 with an ephemeral port; `sandbox.add_token(key, labels)`.

    Session-scoped because its data is read-only for these tests; tests that change remote
    data or arm faults start their own (see tests/sync/conftest.py).
    """
    with SandboxServer(contacts=30, rate_limit=100_000) as server:
        yield server
