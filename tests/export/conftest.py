"""Fixtures for export tests: a writable sandbox over HTTP on 127.0.0.1 per test.

The shared session sandbox (tests/conftest.py) is read-only by agreement; exports write, so
each test here gets its own sandbox and its own connection.
"""

from __future__ import annotations

from collections.abc import Iterator
from urllib.parse import urlsplit

import pytest
import requests

from thrive_integration.connections import create_connection
from thrive_integration.models import CandidateProfile, Connection
from thrive_integration.normalize import linkedin_key
from thrive_integration.sandbox import SandboxServer, SandboxState

API_KEY = "export-test-key-5b7e21c9"
READ_ONLY_KEY = "export-read-only-key-0f3a"
# Everything an export reads, nothing it writes.
READ_LABELS = (
    "Retrieves a single Contact",
    "Returns Contacts that already exist based on the given email or LinkedIn URL",
    "Returns Companies that already exist based on the given name or Website URL",
    "Retrieves a single Search",
    "Retrieves a single Candidacy",
    "Retrieves the notes of the specified contact",
)


@pytest.fixture
def thrive_settings(settings):
    settings.THRIVE_INTEGRATION = {
        **settings.THRIVE_INTEGRATION,
        "ALLOW_INSECURE_BASE_URL": True,
        "READ_TIMEOUT": 2.0,
        "MAX_RETRY_WAIT": 0.05,
        "MAX_RETRIES": 2,
        "REQUESTS_PER_SECOND": 1000.0,
    }
    return settings


@pytest.fixture
def sandbox() -> Iterator[SandboxServer]:
    state = SandboxState(contacts=30, rate_limit=100_000)
    state.add_token(API_KEY)
    state.add_token(READ_ONLY_KEY, READ_LABELS)
    with SandboxServer(state) as server:
        yield server


@pytest.fixture
def connection(db, thrive_settings, sandbox) -> Connection:
    return create_connection(owner="tenant-a", name="thrive", api_key=API_KEY, base_url=sandbox.url)


@pytest.fixture
def make_profile(connection):
    def make(**fields) -> CandidateProfile:
        fields.setdefault("name", "Ada Lovelace")
        return CandidateProfile.objects.create(connection=fields.pop("on", connection), **fields)

    return make


def created_contacts(sandbox: SandboxServer) -> list[dict]:
    """Contacts the sandbox made through POST /contacts during the test, as it stores them."""
    contacts = sandbox.state.collections["contacts"]
    return [contacts.get(record_id) for record_id in contacts.created]


def requests_made(sandbox: SandboxServer, method: str, path_end: str) -> int:
    return sum(
        1
        for entry in sandbox.request_log
        if entry.method == method and entry.path.endswith(path_end)
    )


@pytest.fixture
def after_each_request(monkeypatch):
    """`after_each_request(hook)`: every HTTP request reaches the sandbox, then `hook(method,
    url)` runs before its answer is returned (an exception it raises replaces the answer)."""
    real_request = requests.Session.request
    hooks: list = []

    def request(self, method, url, *args, **kwargs):
        response = real_request(self, method, url, *args, **kwargs)
        for hook in hooks:
            hook(method.upper(), url)
        return response

    monkeypatch.setattr(requests.Session, "request", request)
    return hooks.append


@pytest.fixture
def lose_answers(after_each_request):
    """Let matching requests reach the sandbox, then drop the answer, as a reset would.

    The sandbox's own reset fault fires before the write; this is the other case, a write that
    happened and whose answer never arrived. `lose_answers("POST", "/contacts", times=1)`.
    """
    armed: dict[tuple[str, str], int] = {}

    def drop(method: str, url: str) -> None:
        key = (method, urlsplit(url).path.split("/api/v2", 1)[-1])
        if armed.get(key, 0) > 0:
            armed[key] -= 1
            raise requests.ConnectionError("connection reset by peer (after the write)")

    after_each_request(drop)

    def arm(method: str, path: str, times: int = 1) -> None:
        armed[(method, path)] = times

    return arm


def _off_limits(contact: dict) -> bool:
    return any(
        not reason.get("expires_on") or reason["expires_on"] > "2026"
        for reason in contact.get("off_limit_reasons") or []
    )


def find_contact(sandbox: SandboxServer, *, off_limits: bool = False) -> dict:
    """A generated contact with an email and a LinkedIn URL, off-limits or not.

    Chosen by property, not by id, so the tests do not depend on the generator's details.
    """
    state = sandbox.state
    for contact_id in range(1, state.generator.contacts + 1):
        contact = state.get("contacts", contact_id)
        if (
            contact.get("email")
            and linkedin_key(contact.get("linkedin_url"))
            and not contact.get("merged_into_id")
            and _off_limits(contact) == off_limits
        ):
            return contact
    raise LookupError("the sandbox generated no such contact")


def search_pair(sandbox: SandboxServer, *, existing: bool) -> tuple[int, int, int | None]:
    """(contact id, search id, candidacy id or None) of an allowed contact in a search."""
    state = sandbox.state
    taken = {
        (state.get("candidacies", cid)["contact_id"], search_id): cid
        for search_id in range(1, state.collections["searches"].base + 1)
        for cid in state.search_candidacy_ids(search_id)
    }
    for contact_id in range(1, state.generator.contacts + 1):
        contact = state.get("contacts", contact_id)
        if _off_limits(contact) or contact.get("merged_into_id"):
            continue
        for search_id in range(1, state.collections["searches"].base + 1):
            if ((contact_id, search_id) in taken) == existing:
                return contact_id, search_id, taken.get((contact_id, search_id))
    raise LookupError("the sandbox generated no such pair")
