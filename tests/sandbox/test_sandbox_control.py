"""The ``/__sandbox__`` control endpoints refuse malformed bodies with a 400 that says why."""

from __future__ import annotations

import pytest
import requests

from tests.sandbox.conftest import Api


def control(sandbox, name: str) -> str:
    return f"{sandbox.root_url}/__sandbox__/{name}"


def refusal(response: requests.Response) -> str:
    assert response.status_code == 400
    assert response.headers["Content-Type"] == "application/json"
    return response.json()["error"]["message"]


@pytest.mark.parametrize(
    ("body", "says"),
    [
        ({"key": ""}, "key must be a non-empty string"),
        ({"key": 5}, "key must be a non-empty string"),
        ({"key": " padded "}, "key must be a non-empty string"),
        ({}, "key must be a non-empty string"),
        ({"key": "k", "permissions": "Retrieves all Users"}, "permissions must be a list"),
        ({"key": "k", "permissions": [5]}, "permissions must be a list"),
        ({"key": "k", "permissions": ["Flies"]}, "unknown permission labels: ['Flies']"),
        ({"key": "k", "perms": []}, "unknown token field 'perms'; the fields are key, permissions"),
        (["k"], "a token must be a JSON object"),
        ("k", "a token must be a JSON object"),
    ],
)
def test_a_malformed_token_is_refused(sandbox, body, says):
    response = requests.post(control(sandbox, "tokens"), json=body)

    assert says in refusal(response)
    assert Api(sandbox, token="k").get("/users").status_code == 401


def test_a_token_with_no_permissions_listed_is_granted_all(sandbox):
    added = requests.post(control(sandbox, "tokens"), json={"key": "k", "permissions": None})

    assert (added.status_code, added.json()) == (201, {"key": "k"})
    assert Api(sandbox, token="k").get("/users/1").status_code == 200


def test_an_unknown_fault_field_is_named_with_the_known_ones(sandbox):
    response = requests.post(control(sandbox, "faults"), json={"kind": "slow", "bogus": 1})

    message = refusal(response)
    assert "unknown fault field 'bogus'" in message
    assert "kind, count, path, status, seconds, page, shape, delete" in message
    assert "__init__" not in message


@pytest.mark.parametrize(
    ("body", "says"),
    [
        ({"count": 2}, "a fault needs a kind"),
        (5, "a fault must be a JSON object"),
        ([{"kind": "slow"}, "slow"], "a fault must be a JSON object"),
        ({"kind": "slow", "path": 5}, "path must be a string or null"),
        ({"kind": "slow", "fired": 3}, "unknown fault field 'fired'"),
    ],
)
def test_a_malformed_fault_is_refused_and_arms_nothing(sandbox, body, says):
    response = requests.post(control(sandbox, "faults"), json=body)

    assert says in refusal(response)
    assert requests.get(control(sandbox, "faults")).json()["faults"] == []


@pytest.mark.parametrize("name", ["faults", "tokens"])
@pytest.mark.parametrize("raw", [b"{", b"not json", b"\xff\xfe"])
def test_a_body_that_is_not_json_is_a_400(sandbox, name, raw):
    response = requests.post(
        control(sandbox, name), data=raw, headers={"Content-Type": "application/json"}
    )

    assert refusal(response) == "the body must be JSON"
