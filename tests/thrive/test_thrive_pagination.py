"""Every listing dialect of docs/thrive-wire.md, plus the ways a listing can go wrong."""

import json
from datetime import UTC, datetime, timedelta, timezone
from urllib.parse import parse_qs, urlsplit

import pytest
from responses import matchers

from tests.thrive.helpers import API_KEY, BASE
from thrive_integration.exceptions import MalformedPage, PaginationStalled

CONTACTS = f"{BASE}/contacts"


def page_query(page, per_page=2, **extra):
    return matchers.query_param_matcher({"page": str(page), "per_page": str(per_page), **extra})


def ids(pages):
    return [[record["id"] for record in page.records] for page in pages]


def sent_query(call):
    return parse_qs(urlsplit(call.request.url).query)


@pytest.fixture
def client(make_client):
    return make_client(per_page=2)


def test_link_header_dialect(mocked, client):
    for number, rows in ((1, [1, 2]), (2, [3, 4]), (3, [5])):
        headers = {}
        if number < 3:
            headers["Link"] = f'<{CONTACTS}?page={number + 1}&per_page=2>; rel="next"'
        mocked.get(
            CONTACTS,
            match=[page_query(number)],
            headers=headers,
            json={
                "data": [{"id": i} for i in rows],
                "meta": {"page": number, "per_page": 2, "total_count": 5, "total_pages": 3},
            },
        )
    pages = list(client.iter_pages("/contacts"))
    assert ids(pages) == [[1, 2], [3, 4], [5]]
    assert [page.number for page in pages] == [1, 2, 3]
    assert pages[0].next == {"url": f"{CONTACTS}?page=2&per_page=2", "page": 2}
    assert pages[2].next is None
    assert len(mocked.calls) == 3


def test_next_url_dialect(mocked, client):
    mocked.get(
        CONTACTS,
        match=[page_query(1)],
        json={"contacts": [{"id": "c_a"}, {"id": "c_b"}], "next": f"{CONTACTS}?page=2&per_page=2"},
    )
    mocked.get(
        CONTACTS,
        match=[page_query(2)],
        json={"contacts": [{"id": "c_c"}, {"id": "c_d"}], "next": None},
    )
    pages = list(client.iter_pages("/contacts"))
    # A full last page still ends the listing: `"next": null` is explicit.
    assert ids(pages) == [["c_a", "c_b"], ["c_c", "c_d"]]
    assert len(mocked.calls) == 2


def test_relative_next_url_is_resolved(mocked, client):
    mocked.get(
        CONTACTS,
        match=[page_query(1)],
        json={"contacts": [{"id": 1}, {"id": 2}], "next": "/api/v2/contacts?page=2&per_page=2"},
    )
    mocked.get(CONTACTS, match=[page_query(2)], json={"contacts": [{"id": 3}], "next": None})
    assert ids(client.iter_pages("/contacts")) == [[1, 2], [3]]


def test_meta_dialect_keeps_the_other_parameters(mocked, client):
    since = datetime(2024, 5, 1, tzinfo=UTC)
    extra = {"include": "positions", "updated_since": "2024-05-01T00:00:00.000000+00:00"}
    for number, rows in ((1, [1, 2]), (2, [3, 4])):
        mocked.get(
            CONTACTS,
            match=[page_query(number, **extra)],
            json={
                "data": [{"id": i, "updated_at": "2024-06-01T00:00:00.000000+00:00"} for i in rows],
                "meta": {"current_page": number, "total_pages": 2},
            },
        )
    pages = list(client.iter_pages("/contacts", include=["positions"], updated_since=since))
    assert ids(pages) == [[1, 2], [3, 4]]
    assert pages[0].next["page"] == 2
    assert pages[1].next is None


def test_bare_dialect_stops_on_a_short_page(mocked, client):
    mocked.get(CONTACTS, match=[page_query(1)], json={"contacts": [{"id": 1}, {"id": 2}]})
    mocked.get(CONTACTS, match=[page_query(2)], json={"contacts": [{"id": 3}]})
    assert ids(client.iter_pages("/contacts")) == [[1, 2], [3]]
    assert len(mocked.calls) == 2


def test_bare_dialect_stops_on_an_empty_page(mocked, client):
    mocked.get(CONTACTS, match=[page_query(1)], json={"contacts": [{"id": 1}, {"id": 2}]})
    mocked.get(CONTACTS, match=[page_query(2)], json={"contacts": []})
    pages = list(client.iter_pages("/contacts"))
    assert ids(pages) == [[1, 2], []]
    assert pages[-1].next is None


def test_empty_collection(mocked, client):
    mocked.get(CONTACTS, json={"data": [], "meta": {"page": 1, "total_pages": 0}})
    pages = list(client.iter_pages("/contacts"))
    assert ids(pages) == [[]]


def test_child_listing_uses_the_last_path_segment(mocked, client):
    url = f"{BASE}/searches/s_1/candidacies"
    mocked.get(url, json={"candidacies": [{"id": 9}], "searches": [{"id": "x"}]})
    assert ids(client.iter_pages("/searches/s_1/candidacies")) == [[9]]


@pytest.mark.parametrize(
    "body",
    [{"results": [{"id": 1}], "count": 1}, [{"id": 1}]],
    ids=["only-list-valued-key", "bare-list"],
)
def test_other_envelopes(mocked, client, body):
    mocked.get(CONTACTS, json=body)
    assert ids(client.iter_pages("/contacts")) == [[1]]


def test_records_pass_through_untouched(mocked, client):
    records = [
        {"id": 7, "positions": None, "deleted_at": "2024-01-01T00:00:00+00:00"},
        {"id": "007", "skills": ["x"]},
    ]
    mocked.get(CONTACTS, json={"data": records, "meta": {"current_page": 1, "total_pages": 1}})
    (page,) = client.iter_pages("/contacts")
    assert page.records == records
    assert [type(record["id"]) for record in page.records] == [int, str]


# Stalls and malformed pages


def test_same_ids_as_previous_page_stalls(mocked, client):
    # The server ignores `page` and serves page 1 forever.
    mocked.get(
        CONTACTS,
        json={"data": [{"id": 1}, {"id": 2}], "meta": {"current_page": 1, "total_pages": 9}},
    )
    mocked.get(CONTACTS, json={"data": [{"id": 1}, {"id": 2}]})
    pages = client.iter_pages("/contacts")
    next(pages)
    with pytest.raises(PaginationStalled):
        next(pages)
    assert len(mocked.calls) == 2


def test_same_next_url_twice_stalls(mocked, client):
    link = f'<{CONTACTS}?page=2&per_page=2>; rel="next"'
    mocked.get(
        CONTACTS,
        match=[page_query(1)],
        headers={"Link": link},
        json={"data": [{"id": 1}, {"id": 2}]},
    )
    mocked.get(
        CONTACTS,
        match=[page_query(2)],
        headers={"Link": link},
        json={"data": [{"id": 3}, {"id": 4}]},
    )
    with pytest.raises(PaginationStalled):
        list(client.iter_pages("/contacts"))
    assert len(mocked.calls) == 2


@pytest.mark.parametrize(
    "body",
    [
        "just text",
        {"data": None},
        {"contacts": {"id": 1}},
        {"error": "nope"},
        {"data_a": [], "data_b": []},
        {"data": [1, 2]},
        {"data": [{"id": 1}, {"id": 2}], "next": 42},
    ],
    ids=[
        "string",
        "null-data",
        "object-not-list",
        "no-list",
        "two-lists",
        "not-records",
        "bad-next",
    ],
)
def test_unrecognisable_listing_is_malformed(mocked, client, body):
    mocked.get(CONTACTS, json=body)
    with pytest.raises(MalformedPage):
        list(client.iter_pages("/contacts"))


def test_next_link_to_another_host_is_refused(mocked, client):
    mocked.get(
        CONTACTS,
        headers={"Link": '<https://evil.test/contacts?page=2>; rel="next"'},
        json={"data": [{"id": 1}, {"id": 2}]},
    )
    with pytest.raises(MalformedPage, match="another host"):
        list(client.iter_pages("/contacts"))
    assert len(mocked.calls) == 1


def test_next_link_carrying_the_key_is_refused_without_it(mocked, client):
    """A cursor is stored as the run's checkpoint; the key is stored nowhere."""
    mocked.get(
        CONTACTS,
        headers={"Link": f'<{BASE}/contacts/{API_KEY}?page=2&echo={API_KEY}>; rel="next"'},
        json={"data": [{"id": 1}, {"id": 2}]},
    )
    with pytest.raises(MalformedPage, match="carries the API key") as refused:
        list(client.iter_pages("/contacts"))
    assert API_KEY not in str(refused.value)
    assert len(mocked.calls) == 1


def test_a_failing_page_is_retried_mid_listing(mocked, client):
    mocked.get(CONTACTS, match=[page_query(1)], json={"contacts": [{"id": 1}, {"id": 2}]})
    mocked.get(CONTACTS, match=[page_query(2)], status=503)
    mocked.get(CONTACTS, match=[page_query(2)], body='{"contacts": [{"id": 3}')
    mocked.get(CONTACTS, match=[page_query(2)], json={"contacts": [{"id": 3}]})
    assert ids(client.iter_pages("/contacts")) == [[1, 2], [3]]


# Parameters and resume


def test_include_and_params(mocked, client):
    mocked.get(CONTACTS, json={"data": []})
    list(client.iter_pages("/contacts", params={"sort": "id"}, include=("positions", "notes")))
    assert sent_query(mocked.calls[0]) == {
        "sort": ["id"],
        "page": ["1"],
        "per_page": ["2"],
        "include": ["positions,notes"],
    }


@pytest.mark.parametrize(
    ("since", "sent"),
    [
        (datetime(2024, 5, 1, 12, 0, tzinfo=UTC), "2024-05-01T12:00:00.000000+00:00"),
        (
            datetime(2024, 5, 1, 12, 0, 0, 123456, tzinfo=timezone(timedelta(hours=2))),
            "2024-05-01T12:00:00.123456+02:00",
        ),
    ],
)
def test_updated_since_is_iso_with_microseconds_and_offset(mocked, client, since, sent):
    mocked.get(CONTACTS, json={"data": []})
    list(client.iter_pages("/contacts", updated_since=since))
    assert sent_query(mocked.calls[0])["updated_since"] == [sent]


def test_naive_updated_since_is_refused(client):
    with pytest.raises(ValueError, match="timezone-aware"):
        list(client.iter_pages("/contacts", updated_since=datetime(2024, 5, 1)))


def test_ignored_updated_since_is_reported(mocked, client):
    since = datetime(2024, 5, 1, tzinfo=UTC)
    mocked.get(
        CONTACTS,
        match=[page_query(1, updated_since="2024-05-01T00:00:00.000000+00:00")],
        json={
            "data": [
                {"id": 1, "updated_at": "2024-05-01T00:00:00.000000+00:00"},
                {"id": 2, "updated_at": "2023-01-01T00:00:00.000000Z"},
            ]
        },
    )
    mocked.get(
        CONTACTS,
        match=[page_query(2, updated_since="2024-05-01T00:00:00.000000+00:00")],
        json={"data": [{"id": 3, "updated_at": "2024-06-01T00:00:00+00:00"}, {"id": 4}]},
    )
    mocked.get(
        CONTACTS,
        match=[page_query(3, updated_since="2024-05-01T00:00:00.000000+00:00")],
        json={"data": []},
    )
    pages = list(client.iter_pages("/contacts", updated_since=since))
    assert [page.ignored_updated_since for page in pages] == [True, False, False]


def test_no_ignored_flag_without_updated_since(mocked, client):
    mocked.get(CONTACTS, json={"data": [{"id": 1, "updated_at": "2001-01-01T00:00:00+00:00"}]})
    (page,) = client.iter_pages("/contacts")
    assert page.ignored_updated_since is False


def test_resume_from_a_stored_cursor(mocked, client):
    for number, rows in ((1, [1, 2]), (2, [3, 4]), (3, [5])):
        mocked.get(
            CONTACTS,
            match=[page_query(number, include="notes")],
            json={
                "data": [{"id": i} for i in rows],
                "meta": {"current_page": number, "total_pages": 3},
            },
        )
    first = next(iter(client.iter_pages("/contacts", include=["notes"])))
    stored = json.loads(json.dumps(first.next))  # what the engine keeps in its checkpoint
    mocked.calls.reset()
    resumed = list(client.iter_pages("/contacts", include=["notes"], start=stored))
    assert ids(resumed) == [[3, 4], [5]]
    assert [page.number for page in resumed] == [2, 3]
    assert sent_query(mocked.calls[0])["page"] == ["2"]
    assert len(mocked.calls) == 2


def test_an_explicit_next_link_is_followed_past_an_empty_page(mocked, client):
    # Stopping here would make an incomplete listing look complete to the deletion sweep.
    mocked.get(
        CONTACTS,
        match=[page_query(1)],
        headers={"Link": f'<{CONTACTS}?page=2&per_page=2>; rel="next"'},
        json={"data": [], "meta": {"page": 1, "total_pages": 2}},
    )
    mocked.get(
        CONTACTS,
        match=[page_query(2)],
        json={"data": [{"id": 3}], "meta": {"page": 2, "total_pages": 2}},
    )
    assert ids(client.iter_pages("/contacts")) == [[], [3]]
