"""Retries, waits, error mapping and secrecy of the key, at the HTTP boundary."""

import json
import logging
import subprocess
import sys
from datetime import UTC, datetime, timedelta
from email.utils import format_datetime
from pathlib import Path

import pytest
import requests

from tests.thrive.helpers import API_KEY, BASE
from thrive_integration.exceptions import (
    AuthenticationFailed,
    ConfigurationError,
    Conflict,
    NotFound,
    PermissionMissing,
    RateLimited,
    ThriveAPIError,
    TransientError,
    UnclearWriteOutcome,
    ValidationFailed,
)
from thrive_integration.thrive import ThriveClient

USER = {"id": "u_1", "first_name": "Ada"}


def error_body(code, message, **extra):
    return {"error": {"code": code, "message": message, **extra}}


def test_sends_bearer_key_user_agent_and_timeouts(mocked, make_client):
    mocked.get(f"{BASE}/users/u_1", json={"data": USER})
    client = make_client(timeout=(2.0, 7.0))
    client.get("/users/u_1")
    sent = mocked.calls[0].request
    assert sent.headers["Authorization"] == f"Bearer {API_KEY}"
    assert sent.headers["User-Agent"].startswith("thrive-integration/")
    assert sent.req_kwargs["timeout"] == (2.0, 7.0)


# Reads: what is retried


def test_429_honours_retry_after_seconds(mocked, client, fake_time):
    mocked.get(f"{BASE}/users/u_1", status=429, headers={"Retry-After": "7"})
    mocked.get(f"{BASE}/users/u_1", json={"data": USER})
    assert client.get("/users/u_1") == USER
    assert fake_time.waits() == [7.0]


def test_429_honours_retry_after_http_date(mocked, client, fake_time):
    when = datetime.now(UTC) + timedelta(seconds=30)
    mocked.get(
        f"{BASE}/users/u_1", status=429, headers={"Retry-After": format_datetime(when, usegmt=True)}
    )
    mocked.get(f"{BASE}/users/u_1", json={"data": USER})
    assert client.get("/users/u_1") == USER
    assert len(fake_time.waits()) == 1
    assert 28.0 <= fake_time.waits()[0] <= 30.0  # the date has whole-second precision


def test_retry_after_is_capped(mocked, make_client, fake_time):
    far = format_datetime(datetime.now(UTC) + timedelta(hours=2), usegmt=True)
    mocked.get(f"{BASE}/users/u_1", status=429, headers={"Retry-After": "3600"})
    mocked.get(f"{BASE}/users/u_1", status=429, headers={"Retry-After": far})
    mocked.get(f"{BASE}/users/u_1", json={"data": USER})
    make_client(max_retry_wait=20.0).get("/users/u_1")
    assert fake_time.waits() == [20.0, 20.0]


def test_retry_after_in_the_past_does_not_wait(mocked, client, fake_time):
    past = format_datetime(datetime.now(UTC) - timedelta(minutes=5), usegmt=True)
    mocked.get(f"{BASE}/users/u_1", status=429, headers={"Retry-After": past})
    mocked.get(f"{BASE}/users/u_1", json={"data": USER})
    client.get("/users/u_1")
    assert fake_time.waits() == []


def test_429_without_retry_after_backs_off_exponentially(mocked, client, fake_time):
    for _ in range(3):
        mocked.get(f"{BASE}/users/u_1", status=429)
    mocked.get(f"{BASE}/users/u_1", json={"data": USER})
    client.get("/users/u_1")
    assert len(fake_time.waits()) == 3
    for wait, ceiling in zip(fake_time.waits(), (0.5, 1.0, 2.0), strict=True):
        assert ceiling / 2 <= wait <= ceiling


def test_rate_limited_after_max_retries(mocked, make_client, fake_time):
    mocked.get(f"{BASE}/users", status=429, headers={"Retry-After": "2"})
    with pytest.raises(RateLimited) as raised:
        make_client(max_retries=2).get("/users")
    assert raised.value.retry_after == 2.0
    assert raised.value.status == 429
    assert len(mocked.calls) == 3
    assert fake_time.waits() == [2.0, 2.0]


@pytest.mark.parametrize("status", [500, 502, 503, 504])
def test_5xx_is_retried_for_reads(mocked, client, status):
    mocked.get(f"{BASE}/users/u_1", status=status)
    mocked.get(f"{BASE}/users/u_1", json={"data": USER})
    assert client.get("/users/u_1") == USER
    assert len(mocked.calls) == 2


def test_5xx_gives_up_as_transient_error(mocked, make_client, fake_time):
    mocked.get(f"{BASE}/users", status=503)
    with pytest.raises(TransientError) as raised:
        make_client(max_retries=3).get("/users")
    assert raised.value.status == 503
    assert len(mocked.calls) == 4
    assert len(fake_time.waits()) == 3
    assert fake_time.waits()[2] > fake_time.waits()[0]


def test_backoff_is_capped(mocked, make_client, fake_time):
    mocked.get(f"{BASE}/users", status=500)
    with pytest.raises(TransientError):
        make_client(max_retries=10, max_retry_wait=4.0).get("/users")
    assert max(fake_time.waits()) <= 4.0


@pytest.mark.parametrize(
    "fault",
    [
        requests.ConnectionError("Connection reset by peer"),
        requests.ReadTimeout("read timed out"),
        requests.ConnectTimeout("connect timed out"),
        requests.exceptions.ChunkedEncodingError("IncompleteRead"),
    ],
    ids=["reset", "read-timeout", "connect-timeout", "truncated-stream"],
)
def test_network_faults_are_retried_for_reads(mocked, client, fault):
    mocked.get(f"{BASE}/users/u_1", body=fault)
    mocked.get(f"{BASE}/users/u_1", json={"data": USER})
    assert client.get("/users/u_1") == USER
    assert len(mocked.calls) == 2


@pytest.mark.parametrize(
    "body", ['{"data": {"id": "u_1", "first_na', "<html>Bad gateway</html>", ""]
)
def test_unparsable_200_is_retried_for_reads(mocked, client, body):
    mocked.get(f"{BASE}/users/u_1", body=body, status=200)
    mocked.get(f"{BASE}/users/u_1", json={"data": USER})
    assert client.get("/users/u_1") == USER
    assert len(mocked.calls) == 2


# Reads: what is not retried, and how statuses map


@pytest.mark.parametrize(
    ("status", "error"),
    [
        (400, ValidationFailed),
        (401, AuthenticationFailed),
        (403, PermissionMissing),
        (404, NotFound),
        (409, Conflict),
        (410, ThriveAPIError),
        (422, ValidationFailed),
    ],
)
def test_4xx_is_not_retried_and_maps_to_the_error_tree(mocked, client, fake_time, status, error):
    mocked.get(f"{BASE}/users/u_1", status=status, json=error_body("x", "nope"))
    with pytest.raises(error) as raised:
        client.get("/users/u_1")
    assert type(raised.value) is error
    assert raised.value.status == status
    assert raised.value.method == "GET"
    assert raised.value.path == "/api/v2/users/u_1"
    assert not raised.value.retriable
    assert len(mocked.calls) == 1
    assert fake_time.waits() == []


def test_403_carries_thrives_message(mocked, client):
    message = "This API key lacks the permission 'Retrieves a single User'"
    mocked.get(f"{BASE}/users/u_1", status=403, json=error_body("forbidden", message))
    with pytest.raises(PermissionMissing, match="Retrieves a single User"):
        client.get("/users/u_1")


def test_422_carries_field_errors(mocked, client):
    errors = {"email": ["is not an email"], "linkedin_url": ["must be an http(s) URL"]}
    mocked.post(
        f"{BASE}/contacts",
        status=422,
        json={**error_body("invalid", "Validation failed"), "errors": errors},
    )
    with pytest.raises(ValidationFailed) as raised:
        client.create("/contacts", {"email": "nope"}, envelope="contact")
    assert raised.value.errors == errors
    assert "Validation failed" in str(raised.value)


def test_409_names_the_existing_record(mocked, client):
    mocked.post(
        f"{BASE}/candidacies",
        status=409,
        json=error_body("conflict", "Candidacy already exists", existing_id="cy_42"),
    )
    with pytest.raises(Conflict) as raised:
        client.create("/candidacies", {"contact_id": "c1", "search_id": "s1"}, envelope="candidacy")
    assert raised.value.existing_id == "cy_42"
    assert len(mocked.calls) == 1


def test_409_without_an_id(mocked, client):
    mocked.post(f"{BASE}/candidacies", status=409, body="duplicate")
    with pytest.raises(Conflict) as raised:
        client.create("/candidacies", {})
    assert raised.value.existing_id is None


# Writes


@pytest.mark.parametrize("method", ["POST", "PATCH", "DELETE"])
@pytest.mark.parametrize(
    "fault",
    [
        {"status": 500},
        {"status": 503},
        {"body": requests.ConnectionError("Connection reset by peer")},
        {"body": requests.ReadTimeout("read timed out")},
        {"body": '{"data": {"id": "c_1", "fir', "status": 201},
    ],
    ids=["500", "503", "reset", "read-timeout", "truncated-body"],
)
def test_writes_with_an_unclear_outcome_are_not_retried(mocked, client, method, fault):
    mocked.add(method, f"{BASE}/contacts/c_1", **fault)
    with pytest.raises(UnclearWriteOutcome) as raised:
        if method == "POST":
            client.create("/contacts/c_1", {"first_name": "Ada"})
        elif method == "PATCH":
            client.update("/contacts/c_1", {"first_name": "Ada"})
        else:
            client.delete("/contacts/c_1")
    assert len(mocked.calls) == 1
    assert raised.value.method == method


def test_write_refused_with_429_is_retried(mocked, client, fake_time):
    mocked.post(f"{BASE}/contacts", status=429, headers={"Retry-After": "1"})
    mocked.post(f"{BASE}/contacts", status=201, json={"contact": {"id": "c_9"}})
    assert client.create("/contacts", {"first_name": "Ada"}, envelope="contact") == {"id": "c_9"}
    assert fake_time.waits() == [1.0]
    assert [json.loads(call.request.body) for call in mocked.calls] == [
        {"contact": {"first_name": "Ada"}}
    ] * 2


def test_write_that_never_connected_is_retried(mocked, client):
    mocked.post(f"{BASE}/contacts", body=requests.ConnectTimeout("connect timed out"))
    mocked.post(f"{BASE}/contacts", status=201, json={"id": "c_9"})
    assert client.create("/contacts", {"first_name": "Ada"}) == {"id": "c_9"}


def test_write_4xx_is_not_retried(mocked, client):
    mocked.patch(f"{BASE}/contacts/c_1", status=404, json=error_body("not_found", "No contact"))
    with pytest.raises(NotFound):
        client.update("/contacts/c_1", {"first_name": "Ada"})
    assert len(mocked.calls) == 1


def test_delete_accepts_an_empty_204(mocked, client):
    mocked.delete(f"{BASE}/contacts/c_1", status=204)
    assert client.delete("/contacts/c_1") is None


# The key stays secret


def test_bad_key_is_refused_without_echoing_it():
    with pytest.raises(ConfigurationError) as raised:
        ThriveClient(BASE, "sk_secret\nInjected: yes")
    assert "sk_secret" not in str(raised.value)


def test_key_never_in_repr_errors_or_logs(mocked, make_client, caplog):
    caplog.set_level(logging.DEBUG)
    client = make_client(max_retries=1)
    echo = f"bad token Bearer {API_KEY}"
    mocked.get(f"{BASE}/users/a", status=401, json=error_body("unauthorized", echo))
    mocked.get(f"{BASE}/users/b", status=403, json=error_body("forbidden", echo))
    mocked.get(f"{BASE}/users/c", status=503, json=error_body("down", echo))
    mocked.get(f"{BASE}/users/d", status=429, json=error_body("slow", echo))
    mocked.get(f"{BASE}/users/e", body=requests.ConnectionError(f"reset {API_KEY}"))
    mocked.post(f"{BASE}/users/f", status=500, json=error_body("oops", echo))
    mocked.get(f"{BASE}/users/g", status=200, body="{not json")
    raised = []
    for call in (
        lambda: client.get("/users/a"),
        lambda: client.get("/users/b"),
        lambda: client.get("/users/c"),
        lambda: client.get("/users/d"),
        lambda: client.get("/users/e"),
        lambda: client.create("/users/f", {}),
        lambda: client.get("/users/g"),
        lambda: client.get("https://evil.test/steal"),
    ):
        with pytest.raises(ThriveAPIError) as info:
            call()
        raised.append(info.value)
    texts = [repr(client), repr(client._transport), caplog.text]
    texts += [str(error) for error in raised] + [repr(error) for error in raised]
    assert any("[redacted]" in text for text in texts)
    for text in texts:
        assert API_KEY not in text
    assert len(caplog.records) > 0


def test_key_is_never_sent_to_another_host(mocked, client):
    with pytest.raises(ThriveAPIError, match="another host"):
        client.get("https://evil.test/api/v2/users/1")
    assert len(mocked.calls) == 0


def test_other_request_failures_map_to_the_tree_without_retry(mocked, client):
    mocked.get(f"{BASE}/users", body=requests.TooManyRedirects("loop"))
    with pytest.raises(ThriveAPIError) as raised:
        client.get("/users")
    assert not raised.value.retriable
    assert len(mocked.calls) == 1


def test_the_client_does_not_import_django_or_the_sandbox():
    code = (
        "import sys, thrive_integration.thrive; "
        "print(sorted(m for m in sys.modules"
        " if m.startswith(('django', 'thrive_integration.sandbox'))))"
    )
    root = Path(__file__).resolve().parents[2]
    output = subprocess.run(
        [sys.executable, "-c", code], cwd=root, capture_output=True, text=True, check=True
    ).stdout
    assert output.strip() == "[]"
