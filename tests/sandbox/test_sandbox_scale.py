"""100,000 contacts: generated lazily, first and last pages served with every include."""

from __future__ import annotations

import pytest

from tests.sandbox.conftest import ALL_CONTACT_INCLUDES, Api
from thrive_integration.sandbox import Generator


@pytest.fixture(scope="module")
def big():
    from thrive_integration.sandbox import SandboxServer

    with SandboxServer(contacts=100_000) as server:
        yield Api(server)


def test_counts_scale_with_contacts():
    counts = Generator(seed=1, contacts=100_000).counts
    assert counts["contacts"] == 100_000
    assert counts["candidacies"] == 150_000
    assert counts["companies"] == 5_000 and counts["searches"] == 2_000
    small = Generator(seed=1, contacts=10).counts
    assert small["searches"] >= 5 and small["companies"] >= 5


def test_first_and_last_pages_of_100k_contacts(big):
    first = big.get("/contacts", per_page=100, include=ALL_CONTACT_INCLUDES)
    assert first.status_code == 200
    assert first.json()["meta"]["total_pages"] == 1000
    last = big.get("/contacts", per_page=100, page=1000, include=ALL_CONTACT_INCLUDES).json()
    assert [r["id"] for r in last["data"]] == list(range(99_901, 100_001))
    assert "Link" not in big.get("/contacts", per_page=100, page=1000).headers


def test_last_candidacies_page_and_incremental_listing_at_scale(big):
    last = big.get("/candidacies", per_page=100, page=1500, include="contact").json()["data"]
    assert last[-1]["id"] == 150_000
    assert last[-1]["contact"]["id"] == last[-1]["contact_id"]
    recent = big.get("/contacts", per_page=100, updated_since="2025-10-01T00:00:00+00:00").json()
    assert 0 < recent["meta"]["total_count"] < 100_000
