"""Single records, writes, duplicate lookups, and the permission catalogue and probes."""

import glob
import json
import re
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

import pytest

from tests.thrive.helpers import BASE
from thrive_integration.exceptions import (
    AuthenticationFailed,
    NotFound,
    ThriveAPIError,
    TransientError,
    UnclearWriteOutcome,
)
from thrive_integration.thrive import OPERATIONS, ThriveClient
from thrive_integration.thrive.operations import OPERATIONS_BY_LABEL

CONTACT = {"id": "c_1", "first_name": "Ada", "positions": None}


# Single records


@pytest.mark.parametrize(
    "body",
    [{"data": CONTACT}, {"contact": CONTACT}, CONTACT],
    ids=["data", "singular", "bare"],
)
def test_get_unwraps_every_envelope(mocked, client, body):
    mocked.get(f"{BASE}/contacts/c_1", json=body)
    assert client.get("/contacts/c_1") == CONTACT


def test_get_single_object_without_id(mocked, client):
    member = {"name": "Sam", "email": "sam@x.test", "company_name": "X"}
    url = f"{BASE}/searches/s_1/external_recruitment_team_member"
    mocked.get(url, json={"external_recruitment_team_member": member})
    mocked.get(url, json=member)
    assert client.get("/searches/s_1/external_recruitment_team_member") == member
    assert client.get("/searches/s_1/external_recruitment_team_member") == member


def test_get_with_include(mocked, client):
    mocked.get(f"{BASE}/candidacies/7", json={"data": {"id": 7, "tags": [], "contact": CONTACT}})
    record = client.get("/candidacies/7", include=["tags", "contact"])
    assert record["contact"] == CONTACT
    assert parse_qs(urlsplit(mocked.calls[0].request.url).query) == {"include": ["tags,contact"]}


def test_get_refuses_a_non_object(mocked, client):
    mocked.get(f"{BASE}/contacts/c_1", json=[CONTACT])
    with pytest.raises(ThriveAPIError, match="expected a JSON object"):
        client.get("/contacts/c_1")


# Writes


def test_create_with_envelope(mocked, client):
    mocked.post(f"{BASE}/contacts", status=201, json={"contact": CONTACT})
    assert client.create("/contacts", {"first_name": "Ada"}, envelope="contact") == CONTACT
    assert json.loads(mocked.calls[0].request.body) == {"contact": {"first_name": "Ada"}}


def test_create_bare(mocked, client):
    mocked.post(f"{BASE}/contacts/c_1/notes", status=201, json={"data": {"id": "n_1"}})
    assert client.create("/contacts/c_1/notes", {"body": "<p>hi</p>"}) == {"id": "n_1"}
    assert json.loads(mocked.calls[0].request.body) == {"body": "<p>hi</p>"}


def test_update_patches(mocked, client):
    mocked.patch(f"{BASE}/candidacies/7", json={"candidacy": {"id": 7, "rejection_reason": "x"}})
    record = client.update("/candidacies/7", {"rejection_reason": "x"}, envelope="candidacy")
    assert record == {"id": 7, "rejection_reason": "x"}
    assert mocked.calls[0].request.method == "PATCH"


def test_delete(mocked, client):
    mocked.delete(f"{BASE}/contacts/c_1/notes/n_1", status=204)
    client.delete("/contacts/c_1/notes/n_1")
    assert mocked.calls[0].request.method == "DELETE"


# Duplicate lookups


@pytest.mark.parametrize(
    "body",
    [{"data": [CONTACT], "meta": {"page": 1, "total_pages": 1}}, {"contacts": [CONTACT]}],
    ids=["data", "plural"],
)
def test_find_duplicate_contacts(mocked, client, body):
    mocked.get(f"{BASE}/contacts/duplicates", json=body)
    found = client.find_duplicate_contacts(email="Ada@X.test", linkedin_url="https://l.test/in/a")
    assert found == [CONTACT]
    assert parse_qs(urlsplit(mocked.calls[0].request.url).query) == {
        "email": ["Ada@X.test"],
        "linkedin_url": ["https://l.test/in/a"],
    }


def test_find_duplicate_companies(mocked, client):
    mocked.get(f"{BASE}/companies/duplicates", json={"companies": [{"id": 3, "name": "X"}]})
    assert client.find_duplicate_companies(website_url="https://x.test") == [{"id": 3, "name": "X"}]
    assert parse_qs(urlsplit(mocked.calls[0].request.url).query) == {
        "website_url": ["https://x.test"]
    }


def test_duplicate_lookup_needs_a_criterion(client):
    with pytest.raises(ValueError):
        client.find_duplicate_contacts()


def test_per_page_is_within_thrives_maximum():
    with pytest.raises(ValueError):
        ThriveClient(BASE, "key", per_page=250)


# The permission catalogue


def test_catalogue_is_complete_and_well_formed():
    assert len(OPERATIONS) == 77
    assert len(OPERATIONS_BY_LABEL) == 77
    for operation in OPERATIONS:
        assert operation.method in {"GET", "POST", "PATCH", "DELETE"}
        assert operation.path.startswith("/")
        assert not operation.listing or operation.method == "GET"
    assert list(dict.fromkeys(operation.group for operation in OPERATIONS)) == [
        "Candidacy",
        "Candidacy Stages",
        "Companies",
        "Contact Network",
        "Contacts",
        "Searches",
        "Talent Pools",
        "Users",
    ]


def test_catalogue_follows_the_seed():
    seeds = glob.glob("/work/shared/seeds/*.txt")
    if not seeds:
        pytest.skip("the seed document is not available here")
    groups = {operation.group for operation in OPERATIONS}
    lines = Path(seeds[0]).read_text(encoding="utf-8").splitlines()
    rows, group = [], None
    for line in lines[lines.index("| Candidacy |") :]:
        if not line.startswith("| "):
            break
        text = line.strip("| ").strip()
        if text in groups:
            group = text
        else:
            rows.append((group, text))
    assert [(operation.group, operation.label) for operation in OPERATIONS] == rows


# Probes


@pytest.mark.parametrize(
    ("status", "granted"),
    [
        (200, True),
        (201, True),
        (204, True),
        (400, True),
        (404, True),
        (409, True),
        (422, True),
        (403, False),
    ],
)
def test_probe_maps_statuses(mocked, client, status, granted):
    body = "" if status == 204 else json.dumps({"error": {"code": "x", "message": "y"}})
    mocked.get(f"{BASE}/contacts/0", status=status, body=body)
    assert client.probe("Retrieves a single Contact") is granted


def test_probe_401_raises(mocked, client):
    mocked.get(
        f"{BASE}/users", status=401, json={"error": {"code": "unauthorized", "message": "?"}}
    )
    with pytest.raises(AuthenticationFailed):
        client.probe("Retrieves all Users")


def test_probe_404_on_a_collection_means_a_wrong_base_url(mocked, client):
    mocked.get(f"{BASE}/users", status=404, json={"error": {"code": "not_found"}})
    with pytest.raises(NotFound, match="does not serve the Thrive API"):
        client.probe("Retrieves all Users")


def test_probe_other_failures_raise(mocked, make_client):
    client = make_client(max_retries=1)
    mocked.get(f"{BASE}/users", status=500)
    mocked.post(f"{BASE}/contacts", status=500)
    with pytest.raises(TransientError):
        client.probe("Retrieves all Users")
    with pytest.raises(UnclearWriteOutcome):
        client.probe("Creates a new Contact")


@pytest.mark.parametrize(
    ("label", "method", "path", "query", "body"),
    [
        (
            "Retrieves all contacts",
            "GET",
            "/api/v2/contacts",
            {"page": ["1"], "per_page": ["1"]},
            None,
        ),
        (
            "Retrieves the notes of the specified contact",
            "GET",
            "/api/v2/contacts/0/notes",
            {"page": ["1"], "per_page": ["1"]},
            None,
        ),
        (
            "Retrieves a single note from the specified contact",
            "GET",
            "/api/v2/contacts/0/notes/0",
            {},
            None,
        ),
        (
            "Retrieves the external recruitment team member",
            "GET",
            "/api/v2/searches/0/external_recruitment_team_member",
            {},
            None,
        ),
        ("Creates a new Contact", "POST", "/api/v2/contacts", {}, {}),
        ("Updates an Reference", "PATCH", "/api/v2/contacts/0/references/0", {}, {}),
        ("Destroys a Contact", "DELETE", "/api/v2/contacts/0", {}, None),
        ("Add a contact to a network", "POST", "/api/v2/contact_networks/0/contacts", {}, {}),
    ],
)
def test_probe_requests_change_nothing(mocked, client, label, method, path, query, body):
    # A top-level collection exists (200); any record under id 0 does not (404).
    status = 404 if "/0" in path else 200
    mocked.add(method, re.compile(re.escape(BASE) + ".*"), status=status, json={"data": []})
    assert client.probe(OPERATIONS_BY_LABEL[label]) is True
    (call,) = mocked.calls
    sent = urlsplit(call.request.url)
    assert call.request.method == method
    assert sent.path == path
    assert parse_qs(sent.query) == query
    assert (json.loads(call.request.body) if call.request.body else None) == body


def permission_server(mocked, missing_labels):
    """Answer like Thrive: 403 for the operations the key lacks, else 404/422."""
    forbidden = {
        (operation.method, "/api/v2" + operation.path.format(id="0", cid="0"))
        for operation in OPERATIONS
        if operation.label in missing_labels
    }

    def answer(request):
        key = (request.method, urlsplit(request.url).path)
        if key in forbidden:
            return 403, {}, json.dumps({"error": {"code": "forbidden", "message": "missing"}})
        if request.method == "GET" and "/0" not in request.url:
            return 200, {}, json.dumps({"data": []})
        return (422 if request.method == "POST" else 404), {}, "{}"

    for method in ("GET", "POST", "PATCH", "DELETE"):
        mocked.add_callback(method, re.compile(re.escape(BASE) + ".*"), callback=answer)


def test_check_permissions_reports_missing_by_group(mocked, make_client, fake_time):
    missing = ["Retrieves all Candidacy Stages", "Destroys a Note", "Retrieves a single User"]
    permission_server(mocked, missing)
    client = make_client(requests_per_second=90.0)
    report = client.check_permissions()
    assert len(mocked.calls) == len(OPERATIONS) == 77  # one request per operation
    assert report.missing == missing  # seed order
    assert len(report.granted) == 74
    assert not report.complete
    groups = report.by_group()
    assert list(groups) == [
        "Candidacy",
        "Candidacy Stages",
        "Companies",
        "Contact Network",
        "Contacts",
        "Searches",
        "Talent Pools",
        "Users",
    ]
    assert groups["Candidacy Stages"] == {
        "granted": [],
        "missing": ["Retrieves all Candidacy Stages"],
    }
    assert groups["Users"] == {
        "granted": ["Retrieves all Users"],
        "missing": ["Retrieves a single User"],
    }
    # Paced by the rate limiter: 77 requests at 90/s take at least 76/90 s.
    assert sum(fake_time.sleeps) == pytest.approx(76 / 90)


def test_check_permissions_all_granted(mocked, client):
    permission_server(mocked, [])
    report = client.check_permissions()
    assert report.complete
    assert report.missing == []


def test_check_permissions_stops_on_unknown_key(mocked, client):
    mocked.add(
        "POST",
        f"{BASE}/candidacies",
        status=401,
        json={"error": {"code": "unauthorized", "message": "?"}},
    )
    with pytest.raises(AuthenticationFailed):
        client.check_permissions()
    assert len(mocked.calls) == 1
