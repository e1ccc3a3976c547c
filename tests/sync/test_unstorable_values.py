"""Values no database can store as sent cost neither their record nor the page they came in.

NUL (PostgreSQL refuses it in text and jsonb) is dropped; a lone surrogate (half of a UTF-16
pair, which no backend can encode as UTF-8) becomes U+FFFD; a timestamp outside years 1-9999
in UTC is read as unknown. Runs on SQLite and, with DATABASE_URL, on PostgreSQL.
"""

from __future__ import annotations

from django.utils import timezone

from tests.mapping.factories import contact_payload, make_connection
from thrive_integration.models import CandidateProfile, Contact, ContactNote
from thrive_integration.sync.registry import BY_NAME
from thrive_integration.sync.upsert import upsert_page

CONTACTS = BY_NAME["contacts"]


def _page() -> list[dict]:
    return [
        contact_payload("plain"),
        contact_payload("nul", first_name="A\x00da", referred_by_notes="Tags: x\x00y"),
        contact_payload(
            "lone",
            city="Lon\ud800don",
            source="Refer\ud800ral",
            notes=[{"id": 7, "body": "<p>half \udc00 pair</p>", "created_at": None}],
        ),
        contact_payload("emoji", first_name="Ada 😀"),
        contact_payload("far", created_at="9999-12-31T23:00:00-05:00", updated_at="bad"),
    ]


def test_unstorable_values_are_cleaned_and_the_page_kept(db):
    connection = make_connection()
    outcome = upsert_page(connection, CONTACTS, _page(), now=timezone.now())
    assert outcome.failures == []
    assert outcome.created == 5
    contacts = {c.remote_id: c for c in Contact.objects.filter(connection=connection)}
    assert contacts["nul"].first_name == "Ada"
    assert contacts["nul"].remote_data["referred_by_notes"] == "Tags: xy"
    assert contacts["lone"].city == "Lon\ufffddon"
    profile = CandidateProfile.objects.get(contact=contacts["lone"])
    assert (profile.source, profile.notes[0]["text"]) == ("Refer\ufffdral", "half \ufffd pair")
    note = ContactNote.objects.get(contact=contacts["lone"])
    assert note.remote_data["body"] == "<p>half \ufffd pair</p>"
    assert contacts["emoji"].first_name == "Ada 😀"
    assert contacts["far"].remote_created_at is None
    assert contacts["far"].remote_updated_at is None
    names = set(
        CandidateProfile.objects.filter(connection=connection).values_list("name", flat=True)
    )
    assert {"Ada Lovelace nul", "Ada 😀 Lovelace emoji"} <= names


def test_cleaned_records_are_unchanged_on_the_next_import(db):
    connection = make_connection()
    page = _page()
    upsert_page(connection, CONTACTS, page, now=timezone.now())
    again = upsert_page(connection, CONTACTS, page, now=timezone.now())
    assert (again.created, again.updated, again.unchanged) == (0, 0, 5)


def test_offsets_are_stored_in_utc(db):
    connection = make_connection()
    page = [contact_payload("east", created_at="2020-01-01T10:00:00+23:59")]
    upsert_page(connection, CONTACTS, page, now=timezone.now())
    stored = Contact.objects.get(connection=connection, remote_id="east").remote_created_at
    assert stored.isoformat() == "2019-12-31T10:01:00+00:00"


def test_an_id_with_control_characters_fails_alone_and_is_named_readably(db):
    """PostgreSQL refuses a NUL even in the page's lookup of stored ids: such a record must
    fail by itself, before any query, and its error must be storable too."""
    connection = make_connection()
    bad_child = contact_payload("parent", positions=[{"id": "9\n1", "title": "CTO"}])
    page = [contact_payload("77"), {**contact_payload("x"), "id": "77\x00"}, bad_child]
    outcome = upsert_page(connection, CONTACTS, page, now=timezone.now())
    assert outcome.created == 1
    assert outcome.failures == [
        ("77\\x00", "record id 77\\x00 contains control characters"),
        ("parent", "positions[0]: record id 9\\n1 contains control characters"),
    ]
    assert list(
        Contact.objects.filter(connection=connection).values_list("remote_id", flat=True)
    ) == ["77"]
