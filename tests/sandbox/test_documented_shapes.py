"""The sandbox serves at least the fields of Thrive's documented payload examples.

The examples (fixtures/thrive/) were written from the documents, not from the sandbox: if the
simulator stopped serving a documented field, envelope key or error field, the import tests
against the sandbox would no longer cover it, and this says so.
"""

from __future__ import annotations

from typing import Any

import pytest

from tests.payload_examples import (
    ERROR_EXAMPLES,
    LISTING_VARIANTS,
    RESOURCE_PAGES,
    error_body,
    example_records,
    listing_pages,
)
from thrive_integration.sync.registry import BY_NAME

from .conftest import Api

# What the engine asks Thrive to embed; and the candidacy's contact, which the examples carry
# because the documents show it embedded (the engine reads `contact_id` instead).
INCLUDES = {name: BY_NAME[name].include for name in RESOURCE_PAGES}
INCLUDES["candidacies"] += ("contact",)


def embedded(records: list[dict[str, Any]], key: str) -> list[dict[str, Any]]:
    """Every object embedded under `key` in `records`: a child list's items, or the object."""
    found = []
    for record in records:
        value = record.get(key)
        found += value if isinstance(value, list) else [value] if isinstance(value, dict) else []
    return found


def keys_of(records: list[dict[str, Any]]) -> set[str]:
    return set().union(*(record.keys() for record in records))


def uncovered(documented: list[dict[str, Any]], served: list[dict[str, Any]]) -> set[str]:
    """The documented keys some served record lacks."""
    assert served, "the sandbox served nothing to compare with"
    wanted = keys_of(documented)
    return set().union(*(wanted - record.keys() for record in served))


@pytest.mark.parametrize("collection", RESOURCE_PAGES)
def test_sandbox_records_carry_every_documented_field(api: Api, collection: str):
    response = api.get(f"/{collection}", per_page=100, include=",".join(INCLUDES[collection]))
    assert response.status_code == 200, response.text
    served = response.json()["data"]
    documented = example_records(collection)
    assert uncovered(documented, served) == set()
    for key in INCLUDES[collection]:
        children = embedded(documented, key)
        if children:
            assert uncovered(children, embedded(served, key)) == set(), key


@pytest.mark.parametrize("variant", LISTING_VARIANTS)
def test_sandbox_envelopes_carry_every_documented_key(make_sandbox, variant: str):
    api = Api(make_sandbox(dialect=variant))
    response = api.get("/talent_pools", page=1, per_page=2)
    assert response.status_code == 200, response.text
    first = listing_pages(variant)[0]
    assert set(first["body"]) == set(response.json())
    if "meta" in first["body"]:
        assert set(first["body"]["meta"]) <= set(response.json()["meta"])
    assert set(first.get("headers", {})) <= set(response.headers)


def error_keys(body: dict[str, Any]) -> set[str]:
    return {f"error.{key}" for key in body["error"]} | set(body)


@pytest.mark.parametrize("status", sorted(ERROR_EXAMPLES))
def test_sandbox_errors_carry_every_documented_key(sandbox, status: int):
    if status == 401:
        response = Api(sandbox, token="no-such-key").get("/users")
    elif status == 403:
        sandbox.add_token("no-permissions", [])
        response = Api(sandbox, token="no-permissions").get("/talent_pools")
    else:
        sandbox.set_fault("rate_limit", seconds=1)
        response = Api(sandbox).get("/users")
    assert response.status_code == status
    assert error_keys(error_body(status)) <= error_keys(response.json())
