"""The client reads Thrive's documented payload examples (fixtures/thrive/) as they stand."""

from __future__ import annotations

import pytest

from tests.payload_examples import (
    LISTING_VARIANTS,
    RESOURCE_PAGES,
    THRIVE_BASE,
    error_body,
    example_records,
    listing_pages,
    records_in,
    serve_listing,
    serve_resource_page,
)
from thrive_integration.exceptions import AuthenticationFailed, PermissionMissing


@pytest.fixture
def client(make_client):
    return make_client(THRIVE_BASE)


@pytest.mark.parametrize("collection", RESOURCE_PAGES)
def test_each_example_page_is_read_whole_and_ends_its_listing(mocked, client, collection):
    serve_resource_page(mocked, collection)
    pages = list(client.iter_pages(f"/{collection}"))
    # Records pass through untouched (ids keep their type): what a record means is the
    # engine's business.
    assert [page.records for page in pages] == [example_records(collection)]
    assert pages[0].next is None
    assert len(mocked.calls) == 1


@pytest.mark.parametrize("variant", LISTING_VARIANTS)
def test_each_listing_variant_is_followed_to_its_last_page(mocked, make_client, variant):
    serve_listing(mocked, variant)
    pages = list(make_client(THRIVE_BASE, per_page=2).iter_pages("/talent_pools"))
    expected = listing_pages(variant)
    assert [page.records for page in pages] == [
        records_in(page["body"], "talent_pools") for page in expected
    ]
    assert [page.number for page in pages] == [1, 2]
    assert pages[-1].next is None
    # Only the example's own URLs are served: a request for a third page would have failed.
    assert len(mocked.calls) == len(expected)


def test_the_documented_401_body_refuses_the_key(mocked, client):
    mocked.get(f"{THRIVE_BASE}/users", status=401, json=error_body(401))
    with pytest.raises(AuthenticationFailed, match="Invalid or missing API key"):
        list(client.iter_pages("/users"))
    assert len(mocked.calls) == 1  # a refused key is not retried


def test_the_documented_403_body_names_the_missing_operation(mocked, client):
    mocked.get(f"{THRIVE_BASE}/talent_pools", status=403, json=error_body(403))
    with pytest.raises(PermissionMissing, match="Retrieves all Talent Pools") as raised:
        list(client.iter_pages("/talent_pools"))
    assert raised.value.status == 403


def test_the_documented_429_is_waited_out_then_the_page_read(mocked, client, fake_time):
    mocked.get(
        f"{THRIVE_BASE}/users", status=429, headers={"Retry-After": "2"}, json=error_body(429)
    )
    serve_resource_page(mocked, "users")
    pages = list(client.iter_pages("/users"))
    assert [page.records for page in pages] == [example_records("users")]
    assert fake_time.waits() == [2.0]
