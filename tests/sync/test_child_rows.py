"""Each embedded child is stored once, as its own row, and its parent's payload put back whole.

The parent's stored payload keeps a list it included as `[]`; `sync.payloads` fills it from
the live child rows in Thrive's order. Runs on SQLite and, with DATABASE_URL, on PostgreSQL.
"""

from __future__ import annotations

from django.utils import timezone

from tests.mapping.factories import contact_payload, make_connection, make_contact
from thrive_integration.models import Contact, Position
from thrive_integration.sync.payloads import full_payloads
from thrive_integration.sync.registry import BY_NAME
from thrive_integration.sync.upsert import upsert_page

CONTACTS = BY_NAME["contacts"]


def _positions(*ids: str) -> list[dict]:
    return [{"id": rid, "title": f"Role {rid}", "company_name": "Acme"} for rid in ids]


def _whole(contact: Contact) -> dict:
    return full_payloads(Contact, {contact.pk: contact.remote_data})[contact.pk]


def _import(connection, payload: dict):
    return upsert_page(connection, CONTACTS, [payload], now=timezone.now())


def test_children_are_stored_once_and_put_back_in_thrive_order(db):
    connection = make_connection()
    first = contact_payload("c1", positions=_positions("a", "b", "c"), educations=None)
    _import(connection, first)
    contact = Contact.objects.get(connection=connection)
    assert contact.remote_data["positions"] == []
    assert contact.remote_data["educations"] is None  # kept as Thrive sent it
    assert _whole(contact) == first

    # Thrive reorders the list and drops one: the order and the drop come back.
    second = contact_payload("c1", positions=_positions("c", "a"), educations=None)
    assert _import(connection, second).updated == 1
    contact.refresh_from_db()
    assert _whole(contact) == second
    assert set(
        Position.objects.filter(remote_deleted_at__isnull=False).values_list("remote_id", flat=True)
    ) == {"b"}


def test_a_change_in_one_child_alone_changes_the_parent(db):
    connection = make_connection()
    payload = contact_payload("c1", positions=_positions("a", "b"))
    _import(connection, payload)
    assert _import(connection, payload).unchanged == 1
    payload["positions"][1]["title"] = "Chief Engines Officer"
    assert _import(connection, payload).updated == 1
    contact = Contact.objects.get(connection=connection)
    assert _whole(contact)["positions"][1]["title"] == "Chief Engines Officer"


def test_a_list_not_included_stays_absent_and_its_rows_stay(db):
    connection = make_connection()
    _import(connection, contact_payload("c1", positions=_positions("a")))
    without = contact_payload("c1")
    del without["positions"]
    _import(connection, without)
    contact = Contact.objects.get(connection=connection)
    assert "positions" not in _whole(contact)
    assert Position.objects.get(remote_id="a").remote_deleted_at is None


def test_a_payload_stored_whole_is_returned_as_it_is(db):
    """Rows an older build stored with their lists in them read back unchanged."""
    connection = make_connection()
    contact = make_contact(connection, positions=_positions("a"))
    assert _whole(contact)["positions"] == _positions("a")


def test_an_unusable_child_is_named_in_its_parent_s_failure(db):
    connection = make_connection()
    pages = [
        contact_payload("c1", positions=[*_positions("a"), {"title": "no id"}]),
        contact_payload("c2", educations=[7]),
        contact_payload("c3", notes={"id": 1}),
        contact_payload("c4", positions=_positions("a")),
    ]

    outcome = upsert_page(connection, CONTACTS, pages, now=timezone.now())

    assert outcome.failures == [
        ("c1", "positions[1]: record has no usable id"),
        ("c2", "educations[0]: record is not an object but a number"),
        ("c3", "'notes' is not a list but an object"),
    ]
    assert list(Contact.objects.values_list("remote_id", flat=True)) == ["c4"]


def test_a_list_naming_one_child_twice_is_kept_as_sent(db):
    """Its rows hold each child once (the later copy); the parent keeps that list whole, so
    re-mapping, the preview and the admin see both copies, and a re-map changes nothing."""
    from thrive_integration.mapping import map_contacts, remap_connection
    from thrive_integration.models import CandidateProfile

    connection = make_connection()
    first = {"id": "x", "title": "First", "company_name": "Acme", "current": True}
    second = {"id": "x", "title": "Second", "company_name": "Beta", "current": False}
    sent = contact_payload("c1", positions=[first, _positions("y")[0], second])
    assert _import(connection, sent).failures == []
    contact = Contact.objects.get(connection=connection)

    assert contact.remote_data["positions"] == sent["positions"]
    assert _whole(contact) == sent
    assert sorted(Position.objects.values_list("remote_id", "title")) == [
        ("x", "Second"),
        ("y", "Role y"),
    ]
    map_contacts(connection, [contact.pk])
    before = list(CandidateProfile.objects.values())
    outcome = remap_connection(connection)
    assert (outcome.updated, outcome.unchanged) == (0, 1)
    assert list(CandidateProfile.objects.values()) == before


def test_a_team_membership_with_the_longest_id_is_stored(db):
    """Stored as `<team>:<id>`: an id Thrive may send (64 characters) still fits, on every
    backend (PostgreSQL refused it)."""
    from thrive_integration.models import SearchTeamMembership

    connection = make_connection()
    longest = "m" * 64
    search = {
        "id": "s1",
        "name": "Search",
        "recruitment_team_memberships": [{"id": longest, "user_id": 1, "role": "lead"}],
        "origination_team_memberships": [{"id": "ok", "user_id": 1, "role": "lead"}],
    }

    outcome = upsert_page(connection, BY_NAME["searches"], [search], now=timezone.now())

    assert outcome.failures == []
    assert sorted(SearchTeamMembership.objects.values_list("remote_id", flat=True)) == [
        "origination:ok",
        f"recruitment:{longest}",
    ]


def test_a_child_the_database_refuses_is_named_with_its_parent(db):
    connection = make_connection()
    documents = [{"id": "d1", "file_name": "cv.pdf", "size": 10**30}]
    outcome = _import(connection, contact_payload("c1", documents=documents))
    [(name, reason)] = outcome.failures
    assert name == "c1/d1"
    assert reason.startswith("database refused the record")
