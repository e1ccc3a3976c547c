"""Sync runs and imported Thrive objects over REST: filters, stable paging, constant queries."""

from __future__ import annotations

import base64
from datetime import timedelta

import pytest
from django.db import connection as db
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from thrive_integration.api.views import MIRROR_VIEWSETS
from thrive_integration.models import (
    Candidacy,
    Connection,
    Contact,
    RunStatus,
    SyncError,
    SyncRun,
)
from thrive_integration.sync.payloads import full_payloads
from thrive_integration.sync.registry import BY_NAME
from thrive_integration.sync.runner import execute_run, request_sync
from thrive_integration.sync.upsert import upsert_page

pytestmark = pytest.mark.django_db

API = "/api/thrive/"
MIRROR_ENDPOINTS = (
    "contacts",
    "candidacies",
    "searches",
    "companies",
    "users",
    "candidacy-stages",
    "talent-pools",
    "contact-networks",
)


@pytest.fixture
def foreign_imported(foreign_connection: Connection) -> Connection:
    run = request_sync(foreign_connection, full=True)
    execute_run(run.pk)
    return foreign_connection


def all_pages(api, url: str, **params) -> list[dict]:
    results, response = [], api.get(url, params)
    while True:
        assert response.status_code == 200, response.data
        results.extend(response.data["results"])
        if not response.data["next"]:
            return results
        response = api.get(response.data["next"])


@pytest.mark.parametrize("endpoint", MIRROR_ENDPOINTS)
def test_each_endpoint_lists_and_retrieves_imported_records(api, imported, endpoint):
    page = api.get(f"{API}{endpoint}/")

    assert page.status_code == 200
    assert page.data["results"], f"nothing imported for {endpoint}"
    first = page.data["results"][0]
    assert first["connection"] == imported.pk
    assert api.get(f"{API}{endpoint}/{first['id']}/").data == first


def test_contacts_come_with_their_children(api, imported):
    contacts = all_pages(api, f"{API}contacts/", page_size=200)

    assert len(contacts) == Contact.objects.filter(connection=imported).count()
    assert any(contact["positions"] for contact in contacts)
    child = next(c for c in contacts if c["positions"])["positions"][0]
    assert {"remote_id", "title", "company_name"} <= set(child)
    assert "contact" not in child and "content_hash" not in child


def test_children_come_as_thrive_lists_them_now(api, imported):
    """Thrive drops a contact's first position and reorders the others: the API lists the
    remaining ones in the new order, which the primary keys of rows stored earlier no longer
    follow, and not the one dropped (stored, marked deleted)."""
    contact = next(
        c for c in Contact.objects.filter(connection=imported) if c.positions.count() > 2
    )
    payload = full_payloads(Contact, {contact.pk: contact.remote_data})[contact.pk]
    payload["positions"] = payload["positions"][1:][::-1]
    upsert_page(imported, BY_NAME["contacts"], [payload], now=timezone.now())

    for url in (f"{API}contacts/{contact.pk}/", f"{API}contacts/"):
        body = api.get(url, {"page_size": 100}).data
        (listed,) = [c for c in body.get("results", [body]) if c["id"] == contact.pk]
        assert [p["remote_id"] for p in listed["positions"]] == [
            str(p["id"]) for p in payload["positions"]
        ]
    assert contact.positions.exclude(remote_deleted_at=None).count() == 1


@pytest.mark.parametrize(
    ("endpoint", "small", "large"), [("contacts", 2, 25), ("candidacies", 2, 50)]
)
def test_query_count_is_constant_per_page(
    api, imported, django_assert_num_queries, endpoint, small, large
):
    def queries_for(page_size: int) -> int:
        with CaptureQueriesContext(db) as captured:
            response = api.get(f"{API}{endpoint}/", {"page_size": page_size})
        assert len(response.data["results"]) == page_size
        return len(captured)

    expected = queries_for(small)
    with django_assert_num_queries(expected):
        api.get(f"{API}{endpoint}/", {"page_size": large})


def test_paging_is_stable_while_records_are_added(api, imported):
    first = api.get(f"{API}contacts/", {"page_size": 10})
    seen = [c["id"] for c in first.data["results"]]
    # A record appearing in front of the cursor must not shift the next page.
    now = timezone.now()
    Contact.objects.create(
        connection=imported,
        remote_id="new-1",
        content_hash="x",
        first_synced_at=now,
        last_synced_at=now,
    )
    rest = all_pages(api, first.data["next"].replace("http://testserver", ""))

    ids = seen + [c["id"] for c in rest]
    assert len(ids) == len(set(ids))
    assert set(ids) == set(Contact.objects.filter(connection=imported).values_list("id", flat=True))


def test_ordering_has_a_unique_tie_breaker(api, imported):
    # Every contact of one import shares nearly one last_synced_at: ties must not repeat rows.
    Contact.objects.update(last_synced_at=timezone.now())
    contacts = all_pages(api, f"{API}contacts/", ordering="-last_synced_at", page_size=3)

    ids = [c["id"] for c in contacts]
    assert len(ids) == len(set(ids)) == Contact.objects.count()


def test_filters_narrow_the_listing(api, imported):
    candidacy = Candidacy.objects.filter(connection=imported).exclude(search_remote_id="").first()
    by_search = all_pages(api, f"{API}candidacies/", search=candidacy.search_remote_id)
    by_stage = all_pages(
        api, f"{API}candidacies/", stage=candidacy.candidacy_stage_remote_id, page_size=200
    )

    assert by_search and all(c["search_remote_id"] == candidacy.search_remote_id for c in by_search)
    assert by_stage and all(
        c["candidacy_stage_remote_id"] == candidacy.candidacy_stage_remote_id for c in by_stage
    )

    contact = Contact.objects.filter(connection=imported).first()
    Contact.objects.filter(pk=contact.pk).update(remote_deleted_at=timezone.now())
    deleted = all_pages(api, f"{API}contacts/", deleted="true")
    live = all_pages(api, f"{API}contacts/", deleted="false", page_size=200)
    assert [c["id"] for c in deleted] == [contact.pk]
    assert contact.pk not in {c["id"] for c in live}

    future = (timezone.now() + timedelta(days=1)).isoformat()
    assert all_pages(api, f"{API}contacts/", updated_since=future) == []
    assert all_pages(api, f"{API}contacts/", q=contact.last_name[:4] or contact.email[:4])
    assert all_pages(api, f"{API}contacts/", connection=imported.pk + 1000) == []


@pytest.mark.parametrize(
    "params",
    [
        {"updated_since": "yesterday"},
        {"deleted": "sometimes"},
        {"connection": "abc"},
        {"ordering": "content_hash"},
        {"q": "x" * 5000},
        {"q": "nul\x00byte"},
        {"connection": str(10**30)},
        {"connection": "-5e174"},
        {"updated_since": "0001-01-01T00:00:00+05:00"},
    ],
)
def test_bad_filters_are_400s_not_500s(api, imported, params):
    response = api.get(f"{API}contacts/", params)

    assert response.status_code == 400


def test_an_offset_postgresql_cannot_store_is_normalised_to_utc(api, imported):
    # Found by schemathesis: ISO 8601 allows -20:50, PostgreSQL stops at ±15:59.
    response = api.get(f"{API}contacts/", {"updated_since": "2572-01-04T21:12:42.67-20:50"})

    assert response.status_code == 200


def test_a_forged_cursor_is_a_400(api, imported):
    forged = base64.b64encode(b"o=0&p=not-a-date").decode()
    response = api.get(f"{API}contacts/", {"cursor": forged, "ordering": "last_synced_at"})

    assert response.status_code == 400
    assert response.json() == {"cursor": ["Invalid cursor"]}


@pytest.mark.parametrize("endpoint", MIRROR_ENDPOINTS)
def test_another_owners_records_are_404_and_never_listed(api, imported, foreign_imported, endpoint):
    model = MIRROR_VIEWSETS[endpoint].queryset.model
    record = model.objects.filter(connection=foreign_imported).first()

    assert api.get(f"{API}{endpoint}/{record.pk}/").status_code == 404
    listed = all_pages(api, f"{API}{endpoint}/", page_size=200)
    assert record.pk not in {item["id"] for item in listed}
    filtered = all_pages(api, f"{API}{endpoint}/", connection=foreign_imported.pk)
    assert filtered == []


# ---- sync runs ---------------------------------------------------------------------------


def test_runs_show_steps_progress_and_errors(api, imported):
    run = SyncRun.objects.get(connection=imported)
    step = run.steps.get(resource="contacts")
    SyncError.objects.create(run=run, step=step, resource="contacts", remote_id="7", reason="bad")

    listed = api.get(f"{API}sync-runs/")
    detail = api.get(f"{API}sync-runs/{run.pk}/")

    assert [r["id"] for r in listed.data["results"]] == [run.pk]
    contacts = next(s for s in detail.data["steps"] if s["resource"] == "contacts")
    assert contacts["pages"] >= 1 and contacts["records_done"] == step.records_done
    assert detail.data["errors"][0]["reason"] == "bad"
    assert "errors" not in listed.data["results"][0]


def test_runs_filter_by_connection_status_and_date(api, imported, connection):
    run = SyncRun.objects.get(connection=imported)
    url = f"{API}sync-runs/"

    assert all_pages(api, url, connection=imported.pk)[0]["id"] == run.pk
    assert all_pages(api, url, status=run.status)[0]["id"] == run.pk
    assert all_pages(api, url, status="failed") == []
    later = (timezone.now() + timedelta(hours=1)).isoformat()
    assert all_pages(api, url, created_after=later) == []
    assert all_pages(api, url, created_before=later)[0]["id"] == run.pk
    assert api.get(url, {"status": "exploded"}).status_code == 400
    assert api.get(url, {"created_after": "soon"}).status_code == 400


def test_run_query_count_is_constant(api, connection, django_assert_num_queries):
    for _ in range(6):
        run = request_sync(connection, resources=["users"])
        SyncRun.objects.filter(pk=run.pk).update(status=RunStatus.SUCCEEDED)
    with CaptureQueriesContext(db) as small:
        api.get(f"{API}sync-runs/", {"page_size": 1})
    with django_assert_num_queries(len(small)):
        api.get(f"{API}sync-runs/", {"page_size": 6})


def test_another_owners_run_is_404(api, foreign_imported):
    run = SyncRun.objects.get(connection=foreign_imported)

    assert api.get(f"{API}sync-runs/{run.pk}/").status_code == 404
    assert all_pages(api, f"{API}sync-runs/") == []
