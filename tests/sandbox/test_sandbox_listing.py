"""Listings over HTTP: each dialect's envelope and paging, include, updated_since, ids."""

from __future__ import annotations

import pytest
import requests

from tests.sandbox.conftest import ALL_CONTACT_INCLUDES, Api


def walk(api: Api, dialect: str, path: str, **params: object) -> list[dict]:
    """Follow a listing the way the given dialect tells a client to, returning every record."""
    records: list[dict] = []
    url: str | None = api.server.url + path
    query: dict | None = {**params, "per_page": 30}
    page = 1
    while url:
        response = api.session.get(url, params=query, timeout=10)
        assert response.status_code == 200, response.text
        body = response.json()
        items = body["data"] if dialect in ("link", "meta") else body[path.strip("/")]
        records.extend(items)
        if dialect == "link":
            url, query = response.links.get("next", {}).get("url"), None
        elif dialect == "next_url":
            url, query = body["next"], None
        elif dialect == "meta":
            page += 1
            more = body["meta"]["current_page"] < body["meta"]["total_pages"]
            url, query = (url if more else None), {**params, "per_page": 30, "page": page}
        else:
            page += 1
            url = url if len(items) == 30 else None
            query = {**params, "per_page": 30, "page": page}
    return records


@pytest.mark.parametrize("dialect", ["link", "next_url", "meta", "bare"])
def test_each_dialect_pages_through_every_record_once(make_sandbox, dialect):
    api = Api(make_sandbox(contacts=95, dialect=dialect))
    records = walk(api, dialect, "/contacts")
    ids = [record["id"] for record in records]
    assert ids == list(range(1, 96))


def test_link_dialect_envelope_and_headers(api):
    response = api.get("/contacts", per_page=10, page=2)
    body = response.json()
    assert body["meta"] == {"page": 2, "per_page": 10, "total_count": 200, "total_pages": 20}
    assert 'rel="next"' in response.headers["Link"]
    assert response.links["next"]["url"].startswith(api.server.url + "/contacts?")
    assert "page=3" in response.links["next"]["url"]
    last = api.get("/contacts", per_page=10, page=20)
    assert "Link" not in last.headers


def test_next_url_dialect_ends_with_null(make_sandbox):
    api = Api(make_sandbox(dialect="next_url"))
    body = api.get("/users", per_page=100).json()
    assert set(body) == {"users", "next"} and body["next"] is None
    assert api.get("/users/3").json()["user"]["id"] == 3


def test_meta_and_bare_single_record_envelopes(make_sandbox):
    meta = Api(make_sandbox(dialect="meta"))
    assert meta.get("/searches", per_page=5).json()["meta"] == {"current_page": 1, "total_pages": 1}
    assert meta.get("/searches/2").json()["data"]["id"] == 2
    bare = Api(make_sandbox(dialect="bare"))
    assert set(bare.get("/candidacy_stages").json()) == {"candidacy_stages"}
    assert bare.get("/candidacies/1").json()["candidacy"]["id"] == 1


def test_per_page_is_clamped_to_100_and_defaults_to_25(api):
    assert len(api.get("/contacts").json()["data"]) == 25
    assert api.get("/contacts", per_page=500).json()["meta"]["per_page"] == 100
    assert api.get("/contacts", per_page="x").status_code == 400


def test_include_embeds_children_only_when_asked(api):
    plain = api.get("/contacts/7").json()["data"]
    assert "positions" not in plain and "notes" not in plain
    full = api.get("/contacts/7", include=ALL_CONTACT_INCLUDES).json()["data"]
    for name in ALL_CONTACT_INCLUDES.split(","):
        assert name in full
    assert 1 <= len(full["positions"]) <= 4
    candidacy = api.get("/candidacies", include="contact,tags", per_page=1).json()["data"][0]
    assert candidacy["contact"]["id"] == candidacy["contact_id"]
    assert isinstance(candidacy["tags"], list)
    company = api.get("/companies/1", include="funding_rounds,investments").json()["data"]
    assert "funding_rounds" in company and "investments" in company


def test_unknown_include_is_400(api):
    response = api.get("/contacts", include="positions,hobbies")
    assert response.status_code == 400
    assert "hobbies" in response.json()["error"]["message"]


def test_updated_since_filters_and_is_inclusive(api):
    everything = api.get("/contacts", per_page=100, page=1).json()["data"]
    pivot = sorted(record["updated_at"] for record in everything)[50]
    listed = api.get("/contacts", per_page=100, updated_since=pivot).json()
    assert 0 < listed["meta"]["total_count"] < 200
    assert all(record["updated_at"] >= pivot for record in listed["data"])
    assert pivot in {record["updated_at"] for record in listed["data"]}
    assert api.get("/contacts", updated_since="yesterday").status_code == 400


def test_updated_since_ignored_variant_returns_everything(make_sandbox):
    api = Api(make_sandbox(ignore_updated_since=True))
    body = api.get("/contacts", updated_since="2099-01-01T00:00:00+00:00").json()
    assert body["meta"]["total_count"] == 200


def test_string_ids_are_opaque_and_round_trip(make_sandbox):
    api = Api(make_sandbox(ids="str"))
    contact = api.get("/contacts", include="positions", per_page=1).json()["data"][0]
    assert isinstance(contact["id"], str) and contact["id"].startswith("ct_")
    assert all(isinstance(p["id"], str) for p in contact["positions"])
    assert api.get(f"/contacts/{contact['id']}").json()["data"]["id"] == contact["id"]
    candidacy = api.get("/candidacies", per_page=1).json()["data"][0]
    assert candidacy["contact_id"].startswith("ct_") and candidacy["search_id"].startswith("se_")
    assert api.get("/contacts/1").status_code == 404


def test_children_endpoints_and_single_child(api):
    search = api.get("/searches/4", include="origination_team_memberships").json()["data"]
    memberships = api.get("/searches/4/origination_team_memberships").json()["data"]
    assert memberships == search["origination_team_memberships"]
    member = memberships[0]
    single = api.get(f"/searches/4/origination_team_memberships/{member['id']}")
    assert single.json()["data"] == member
    assert api.get("/searches/4/origination_team_memberships/1").status_code == 404


def test_search_candidacies_and_candidates_agree(api):
    candidacies = api.get("/searches/2/candidacies", per_page=100).json()["data"]
    assert candidacies and all(c["search_id"] == 2 for c in candidacies)
    candidates = api.get("/searches/2/candidates", per_page=100).json()["data"]
    assert {c["id"] for c in candidates} == {c["contact_id"] for c in candidacies}
    first = candidacies[0]
    assert api.get(f"/searches/2/candidacies/{first['id']}").status_code == 200
    assert api.get(f"/searches/2/candidates/{first['contact_id']}").status_code == 200


def test_duplicate_lookups(api):
    # Every 50th contact repeats its predecessor's email (upper-cased) and LinkedIn slug.
    pairs = [
        (api.get(f"/contacts/{i - 1}").json()["data"], api.get(f"/contacts/{i}").json()["data"])
        for i in (50, 100, 150, 200)
    ]
    original, twin = next((a, b) for a, b in pairs if a["email"])
    assert twin["email"] == original["email"].upper()
    found = api.get("/contacts/duplicates", email=original["email"]).json()["data"]
    assert {record["id"] for record in found} == {original["id"], twin["id"]}
    original, twin = next((a, b) for a, b in pairs if a["linkedin_url"] and b["linkedin_url"])
    found = api.get("/contacts/duplicates", linkedin_url=original["linkedin_url"]).json()["data"]
    assert {original["id"], twin["id"]} <= {record["id"] for record in found}
    company = api.get("/companies/3").json()["data"]
    found = api.get("/companies/duplicates", name=company["name"].lower()).json()["data"]
    assert [record["id"] for record in found] == [3]
    assert api.get("/contacts/duplicates").status_code == 400


def test_requests_without_api_prefix_are_404(api):
    response = requests.get(api.server.root_url + "/contacts", headers=api.session.headers)
    assert response.status_code == 404
