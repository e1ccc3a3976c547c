"""Every switchable fault, armed from Python and over the control endpoint."""

from __future__ import annotations

import json
import time

import pytest
import requests

from tests.sandbox.conftest import ALL_CONTACT_INCLUDES, Api
from thrive_integration.sandbox import state as sandbox_state


def test_rate_limit_fault_bursts_429_then_recovers(api):
    api.server.set_fault("rate_limit", count=2, seconds=3)
    first, second, third = (api.get("/users") for _ in range(3))
    assert (first.status_code, second.status_code, third.status_code) == (429, 429, 200)
    assert first.headers["Retry-After"] == "3"
    assert api.server.counters["fault:rate_limit"] == 2


@pytest.mark.parametrize("status", [500, 502, 503])
def test_server_error_fault(api, status):
    api.server.set_fault("server_error", status=status)
    assert api.get("/users").status_code == status
    assert api.get("/users").status_code == 200


def test_fault_path_prefix_only_hits_matching_requests(api):
    api.server.set_fault("server_error", count=1, path="/api/v2/contacts")
    assert api.get("/users").status_code == 200
    assert api.get("/contacts/1/notes").status_code == 503
    assert api.get("/contacts").status_code == 200


def test_slow_fault_delays_then_answers(api):
    api.server.set_fault("slow", seconds=0.3)
    started = time.monotonic()
    assert api.get("/users").status_code == 200
    assert time.monotonic() - started >= 0.3


def test_hang_fault_outlasts_the_client_timeout(api):
    api.server.set_fault("hang", seconds=5)
    with pytest.raises(requests.Timeout):
        api.session.get(api.server.url + "/users", timeout=0.3)
    assert api.get("/users").status_code == 200  # the fault fired once


def test_truncated_fault_cuts_the_json_body(api):
    api.server.set_fault("truncated")
    response = api.get("/contacts")
    assert response.status_code == 200
    assert response.headers["Content-Type"] == "application/json"
    with pytest.raises(json.JSONDecodeError):
        json.loads(response.content)
    assert api.get("/contacts").json()["data"]


def test_reset_fault_closes_the_connection_without_answer(api):
    api.server.set_fault("reset")
    with pytest.raises(requests.ConnectionError):
        api.get("/users")
    assert api.get("/users").status_code == 200
    assert api.server.request_log[-2].status is None


@pytest.mark.parametrize(("shape", "broken"), [("missing_id", "id"), ("string_list", "positions")])
def test_malformed_record_fault_breaks_one_record(api, shape, broken):
    api.server.set_fault("malformed_record", shape=shape)
    records = api.get("/contacts", per_page=10, include=ALL_CONTACT_INCLUDES).json()["data"]
    bad = [r for r in records if "id" not in r or isinstance(r.get("positions"), str)]
    assert len(bad) == 1
    assert broken not in bad[0] or isinstance(bad[0][broken], str)
    records = api.get("/contacts", per_page=10, include="positions").json()["data"]
    assert all("id" in r and isinstance(r["positions"], list) for r in records)


def test_mutate_while_paging_changes_upcoming_and_deletes_served(api):
    api.server.set_fault("mutate_while_paging", path="/contacts", page=1)
    page1 = api.get("/contacts", per_page=10, page=1).json()["data"]
    event = api.server.state.events[-1]
    assert event == {"kind": "contacts", "changed": 11, "deleted": 1}
    assert api.get("/contacts/1").status_code == 404
    page2 = api.get("/contacts", per_page=10, page=2).json()["data"]
    # The deletion shifted every record one place: an offset-paging client never sees id 11.
    assert [r["id"] for r in page1] == list(range(1, 11))
    assert [r["id"] for r in page2] == list(range(12, 22))
    changed = api.get("/contacts/11").json()["data"]
    assert changed["last_name"].endswith(" (edited)")
    assert changed["updated_at"] > max(r["updated_at"] for r in page1)


def test_mutate_while_paging_can_delete_an_upcoming_record(api):
    api.server.set_fault("mutate_while_paging", path="/users", page=1, delete="upcoming")
    api.get("/users", per_page=5)
    assert api.server.state.events[-1] == {"kind": "users", "changed": 6, "deleted": 7}
    assert [r["id"] for r in api.get("/users", per_page=5, page=2).json()["data"]] == [
        6,
        8,
        9,
        10,
        11,
    ]


def test_control_endpoint_arms_lists_and_clears_faults(sandbox):
    control = sandbox.root_url + "/__sandbox__/faults"
    armed = requests.post(
        control, json=[{"kind": "server_error", "count": 3, "status": 502}, {"kind": "slow"}]
    )
    assert armed.status_code == 201
    assert [f["kind"] for f in requests.get(control).json()["faults"]] == ["server_error", "slow"]
    api = Api(sandbox)
    assert api.get("/users").status_code == 502
    assert requests.get(control).json()["faults"][0]["count"] == 2
    assert requests.delete(control).status_code == 204
    assert requests.get(control).json()["faults"] == []
    assert api.get("/users").status_code == 200
    assert requests.post(control, json={"kind": "meteor"}).status_code == 400


def test_request_log_and_counters(api):
    api.get("/contacts", page=2, per_page=5)
    Api(api.server, token="bad").get("/users")
    log = api.server.request_log
    assert (log[0].method, log[0].path, log[0].status) == ("GET", "/api/v2/contacts", 200)
    assert "page=2" in log[0].query
    assert log[1].status == 401
    assert api.server.counters["requests"] == 2
    assert api.server.counters["status:401"] == 1
    remote = requests.get(api.server.root_url + "/__sandbox__/requests").json()["requests"]
    assert [entry["status"] for entry in remote] == [200, 401]


def test_request_log_keeps_the_latest_requests_only(monkeypatch):
    monkeypatch.setattr(sandbox_state, "REQUEST_LOG_SIZE", 3)
    state = sandbox_state.SandboxState(contacts=1)
    for number in range(5):
        state.log(sandbox_state.LoggedRequest("GET", f"/api/v2/users/{number}", ""))
    assert [entry.path[-1] for entry in state.request_log] == ["2", "3", "4"]


def test_tokens_can_be_added_over_the_control_endpoint(sandbox):
    requests.post(
        sandbox.root_url + "/__sandbox__/tokens",
        json={"key": "remote", "permissions": ["Retrieves all Users"]},
    )
    api = Api(sandbox, token="remote")
    assert api.get("/users").status_code == 200
    assert api.get("/users/1").status_code == 403


@pytest.mark.parametrize(
    "spec",
    [
        {"kind": "server_error", "count": "x"},
        {"kind": "rate_limit", "seconds": "abc"},
        {"kind": "slow", "seconds": -1},
        {"kind": "server_error", "count": -5},
    ],
)
def test_a_bad_fault_is_refused_and_breaks_nothing(sandbox, spec):
    control = sandbox.root_url + "/__sandbox__/faults"
    assert requests.post(control, json=spec).status_code == 400
    assert requests.get(control).json()["faults"] == []
    assert Api(sandbox).get("/users").status_code == 200
