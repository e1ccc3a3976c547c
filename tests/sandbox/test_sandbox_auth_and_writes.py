"""Keys, permissions, rate limits and every kind of write, over HTTP."""

from __future__ import annotations

import time
from email.utils import parsedate_to_datetime

import requests

from tests.sandbox.conftest import Api


def test_unknown_or_missing_key_is_401(sandbox):
    assert requests.get(sandbox.url + "/users", timeout=5).status_code == 401
    response = Api(sandbox, token="nope").get("/users")
    assert response.status_code == 401
    assert response.json()["error"]["code"] == "unauthorized"


def test_missing_permission_is_403_naming_it_before_lookup_or_validation(sandbox):
    sandbox.add_token("narrow", {"Retrieves all contacts"})
    api = Api(sandbox, token="narrow")
    assert api.get("/contacts").status_code == 200
    for response in (
        api.get("/contacts/999999"),  # unknown id: still 403, not 404
        api.post("/contacts", {}),  # empty payload: still 403, not 422
        api.delete("/contacts/1"),
    ):
        assert response.status_code == 403
        assert response.json()["error"]["code"] == "forbidden"
    assert "Retrieves a single Contact" in api.get("/contacts/1").json()["error"]["message"]
    assert "Creates a new Contact" in api.post("/contacts", {}).json()["error"]["message"]
    assert api.get("/contacts/1").status_code == 403


def test_granted_probes_answer_404_and_422(api):
    assert api.get("/contacts/999999").status_code == 404
    response = api.post("/contacts", {})
    assert response.status_code == 422
    assert "first_name" in response.json()["errors"]


def test_rate_limit_sliding_window_with_retry_after_seconds(make_sandbox):
    api = Api(make_sandbox(rate_limit=5))
    statuses = [api.get("/candidacy_stages").status_code for _ in range(7)]
    assert statuses[:5] == [200] * 5 and statuses[5:] == [429, 429]
    limited = api.get("/candidacy_stages")
    assert limited.json()["error"]["code"] == "rate_limited"
    assert int(limited.headers["Retry-After"]) >= 1
    other = Api(api.server, token="second")
    api.server.add_token("second")
    assert other.get("/candidacy_stages").status_code == 200  # per key
    time.sleep(1.05)
    assert api.get("/candidacy_stages").status_code == 200


def test_rate_limit_retry_after_as_http_date(make_sandbox):
    api = Api(make_sandbox(rate_limit=1, retry_after_date=True))
    api.get("/users")
    limited = api.get("/users")
    assert limited.status_code == 429
    assert parsedate_to_datetime(limited.headers["Retry-After"]).year >= 2024


def test_create_contact_validates_and_does_not_deduplicate(api):
    bad = api.post(
        "/contacts", {"contact": {"first_name": "A", "email": "nope", "linkedin_url": "ftp://x"}}
    )
    assert bad.status_code == 422
    assert set(bad.json()["errors"]) == {"email", "linkedin_url"}
    payload = {
        "contact": {
            "first_name": "Zoë",
            "last_name": "Ångström",
            "email": "zoe@example.com",
            "linkedin_url": "https://www.linkedin.com/in/zoe-a",
            "positions": [{"title": "CTO", "company_name": "Acme", "start_date": "2020-01"}],
        }
    }
    first = api.post("/contacts", payload)
    second = api.post("/contacts", payload["contact"])  # the bare object is accepted too
    assert first.status_code == second.status_code == 201
    one, two = first.json()["data"], second.json()["data"]
    assert one["id"] != two["id"]
    assert (
        api.get(f"/contacts/{one['id']}", include="positions").json()["data"]["positions"][0][
            "title"
        ]
        == "CTO"
    )
    found = api.get("/contacts/duplicates", linkedin_url="https://uk.linkedin.com/in/zoe-a/").json()
    assert {record["id"] for record in found["data"]} == {one["id"], two["id"]}
    assert api.get("/contacts", per_page=1).json()["meta"]["total_count"] == 202


def test_update_bumps_updated_at_with_microseconds(api):
    before = api.get("/contacts/5").json()["data"]
    after = api.patch("/contacts/5", {"contact": {"city": "Zürich"}})
    assert after.status_code == 200
    data = after.json()["data"]
    assert data["city"] == "Zürich" and data["first_name"] == before["first_name"]
    assert data["updated_at"] > before["updated_at"]
    assert data["updated_at"].endswith("+00:00") and len(data["updated_at"].split(".")[1]) == 12
    assert api.put("/contacts/5", {"email": "bad"}).status_code == 422
    since = api.get("/contacts", updated_since=data["updated_at"]).json()["data"]
    assert [record["id"] for record in since] == [5]


def test_child_writes_bump_the_parent(api):
    before = api.get("/contacts/9").json()["data"]["updated_at"]
    created = api.post("/contacts/9/notes", {"note": {"body": "<p>hi</p>"}})
    assert created.status_code == 201
    note = created.json()["data"]
    bumped = api.get("/contacts/9").json()["data"]["updated_at"]
    assert bumped > before
    updated = api.patch(f"/contacts/9/notes/{note['id']}", {"note": {"body": "edited"}})
    assert updated.json()["data"]["body"] == "edited"
    assert api.get(f"/contacts/9/notes/{note['id']}").json()["data"]["body"] == "edited"
    assert api.delete(f"/contacts/9/notes/{note['id']}").status_code == 204
    assert api.get(f"/contacts/9/notes/{note['id']}").status_code == 404
    assert api.get("/contacts/9").json()["data"]["updated_at"] > bumped


def test_every_contact_child_kind_can_be_written(api):
    bodies = {
        "outreaches": {"channel": "email", "subject": "Hi"},
        "connections": {"connected_contact_id": 3, "connection_type": "peer", "strength": "high"},
        "references": {"referee_contact_id": 4, "search_id": 1},
        "introductions": {"introduced_contact_id": 5, "introduced_by_user_id": 2},
    }
    for child, body in bodies.items():
        created = api.post(f"/contacts/12/{child}", body)
        assert created.status_code == 201, created.text
        cid = created.json()["data"]["id"]
        assert api.put(f"/contacts/12/{child}/{cid}", {"notes": "n"}).status_code == 200
        assert api.delete(f"/contacts/12/{child}/{cid}").status_code == 204
    bad = api.post(
        "/contacts/12/connections", {"connected_contact_id": 999999, "connection_type": "x"}
    )
    assert bad.status_code == 422
    assert set(bad.json()["errors"]) == {"connected_contact_id", "connection_type"}


def test_hard_delete_vanishes(api):
    assert api.delete("/contacts/3").status_code == 204
    assert api.get("/contacts/3").status_code == 404
    ids = [r["id"] for r in api.get("/contacts", per_page=5).json()["data"]]
    assert ids == [1, 2, 4, 5, 6]
    assert (
        api.get("/contacts", updated_since="2000-01-01T00:00:00Z", per_page=3).json()["data"][2][
            "id"
        ]
        == 4
    )
    assert api.delete("/contacts/3").status_code == 404


def test_soft_delete_tombstone_only_with_updated_since(make_sandbox):
    api = Api(make_sandbox(deletes="soft"))
    assert api.delete("/contacts/3").status_code == 204
    assert api.get("/contacts/3").status_code == 404
    assert 3 not in [r["id"] for r in api.get("/contacts", per_page=5).json()["data"]]
    listed = api.get("/contacts", updated_since="2000-01-01T00:00:00Z", per_page=5).json()["data"]
    tombstone = next(r for r in listed if r["id"] == 3)
    assert tombstone["deleted_at"] and tombstone["first_name"] is not None


def test_candidacy_create_conflict_and_update(api):
    existing = api.get("/candidacies/1").json()["data"]
    clash = api.post(
        "/candidacies",
        {
            "candidacy": {
                "contact_id": existing["contact_id"],
                "search_id": existing["search_id"],
                "candidacy_stage_id": 1,
            }
        },
    )
    assert clash.status_code == 409
    assert clash.json()["error"]["existing_id"] == existing["id"]
    bad = api.post("/candidacies", {"candidacy": {"contact_id": 999999, "search_id": 1}})
    assert bad.status_code == 422
    assert set(bad.json()["errors"]) == {"contact_id", "candidacy_stage_id"}
    searches = {
        c["search_id"] for c in api.get("/searches/1/candidacies", per_page=100).json()["data"]
    }
    free_contact = next(
        i for i in range(1, 200) if api.get("/searches/1/candidates/" + str(i)).status_code == 404
    )
    assert searches == {1}
    created = api.post(
        "/candidacies",
        {
            "candidacy": {
                "contact_id": free_contact,
                "search_id": 1,
                "candidacy_stage_id": 2,
                "source": "Findem",
            }
        },
    )
    assert created.status_code == 201, created.text
    candidacy = created.json()["data"]
    assert candidacy["candidacy_stage"]["name"] == "Contacted"
    again = api.post(
        "/candidacies", {"contact_id": free_contact, "search_id": 1, "candidacy_stage_id": 3}
    )
    assert again.status_code == 409 and again.json()["error"]["existing_id"] == candidacy["id"]
    assert candidacy["id"] in [
        c["id"] for c in api.get("/searches/1/candidacies", per_page=100).json()["data"]
    ]
    moved = api.patch(
        f"/candidacies/{candidacy['id']}",
        {"candidacy": {"candidacy_stage_id": 4, "rejection_reason": "Compensation"}},
    ).json()["data"]
    assert moved["candidacy_stage"]["id"] == 4
    assert moved["candidacy_stage_entered_at"] > candidacy["candidacy_stage_entered_at"]
    assert moved["rejection_reason"] == "Compensation" and moved["rejected_at"]


def test_add_contact_to_network(api):
    response = api.post("/contact_networks/1/contacts", {"contact_id": 7})
    assert response.status_code == 201
    assert 7 in response.json()["data"]["contact_ids"]
    assert api.post("/contact_networks/1/contacts", {"contact_id": 999999}).status_code == 422


def test_determinism_same_seed_same_data(make_sandbox):
    first, second = Api(make_sandbox(seed=7)), Api(make_sandbox(seed=7))
    other = Api(make_sandbox(seed=8))
    params = {"per_page": 50, "include": "positions,notes,connections"}
    assert first.get("/contacts", **params).json() == second.get("/contacts", **params).json()
    assert (
        first.get("/candidacies", per_page=50).json()
        == second.get("/candidacies", per_page=50).json()
    )
    assert first.get("/contacts", **params).json() != other.get("/contacts", **params).json()


def test_generated_data_is_varied(api):
    contacts = api.get(
        "/contacts", per_page=100, include="positions,notes,off_limit_reasons"
    ).json()["data"]
    text = " ".join(f"{c['first_name']} {c['last_name']}" for c in contacts)
    assert any("\u0400" <= ch <= "\u04ff" for ch in text)  # Cyrillic
    assert any("\u4e00" <= ch <= "\u9fff" for ch in text)  # CJK
    assert any("\u0600" <= ch <= "\u06ff" for ch in text)  # Arabic
    dates = {p["end_date"] for c in contacts for p in c["positions"]}
    assert "Present" in dates and None in dates
    assert any("<script>" in n["body"] for c in contacts for n in c["notes"])
    assert any(c["off_limit_reasons"] for c in contacts)
    searches = api.get("/searches", per_page=100).json()["data"]
    assert {s["status"] for s in searches} == {"open", "on_hold", "cancelled", "closed", "placed"}
