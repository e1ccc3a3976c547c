"""Searches, notes, and what each kind of Thrive answer does to an outbox row."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone

from tests.export.conftest import (
    READ_ONLY_KEY,
    created_contacts,
    find_contact,
    requests_made,
    search_pair,
)
from thrive_integration.connections import create_connection
from thrive_integration.export import enqueue, export_profile, process, retry
from thrive_integration.export.outbox import claim
from thrive_integration.models import (
    Candidacy,
    Contact,
    ContactNote,
    OutboxEntry,
    OutboxKind,
    OutboxState,
)

pytestmark = pytest.mark.django_db


def run(entry):
    return process(entry.pk)


def candidacies_of(sandbox, contact_id: int, search_id: int) -> list[dict]:
    collection = sandbox.state.collections["candidacies"]
    return [
        candidacy
        for candidacy in map(collection.get, collection.created)
        if (candidacy["contact_id"], candidacy["search_id"]) == (contact_id, search_id)
    ]


def test_export_into_a_search_creates_a_candidacy_at_the_default_stage(sandbox, make_profile):
    profile = make_profile(email="candidate@example.net", source="Findem")

    exported = run(export_profile(profile, search_id="1"))

    assert exported.state == OutboxState.SUCCEEDED, exported.last_error
    follow_up = OutboxEntry.objects.get(kind=OutboxKind.ADD_TO_SEARCH, profile=profile)
    assert follow_up.state == OutboxState.SUCCEEDED, follow_up.last_error
    (candidacy,) = candidacies_of(sandbox, int(exported.remote_id), 1)
    default_stage = sandbox.state.get("searches", 1)["default_candidacy_stage_id"]
    assert candidacy["candidacy_stage"]["id"] == default_stage
    assert candidacy["source"] == "Findem"
    mirrored = Candidacy.objects.get(remote_id=follow_up.remote_id)
    assert (mirrored.contact_remote_id, mirrored.search_remote_id) == (exported.remote_id, "1")


def test_add_to_search_with_a_chosen_stage(sandbox, connection):
    contact_id, search_id, _ = search_pair(sandbox, existing=False)
    payload = {
        "contact_id": str(contact_id),
        "search_id": str(search_id),
        "candidacy_stage_id": "4",
    }

    entry = run(enqueue(OutboxKind.ADD_TO_SEARCH, connection=connection, payload=payload))

    assert entry.state == OutboxState.SUCCEEDED, entry.last_error
    (candidacy,) = candidacies_of(sandbox, contact_id, search_id)
    assert candidacy["candidacy_stage"]["id"] == 4


def test_conflict_links_to_the_existing_candidacy(sandbox, connection):
    # The contact already has a candidacy in the search: Thrive answers 409 naming it.
    contact_id, search_id, candidacy_id = search_pair(sandbox, existing=True)
    payload = {"contact_id": str(contact_id), "search_id": str(search_id)}

    entry = run(enqueue(OutboxKind.ADD_TO_SEARCH, connection=connection, payload=payload))

    assert entry.state == OutboxState.SUCCEEDED, entry.last_error
    assert entry.remote_id == str(candidacy_id)
    assert requests_made(sandbox, "POST", "/candidacies") == 1
    assert candidacies_of(sandbox, contact_id, search_id) == []
    assert Candidacy.objects.filter(remote_id=str(candidacy_id)).exists()


def test_off_limits_contact_is_not_added_to_a_search(sandbox, connection):
    entry = run(
        enqueue(
            OutboxKind.ADD_TO_SEARCH,
            connection=connection,
            payload={
                "contact_id": str(find_contact(sandbox, off_limits=True)["id"]),
                "search_id": "2",
            },
        )
    )

    assert entry.state == OutboxState.FAILED
    assert "off-limits" in entry.last_error
    assert requests_made(sandbox, "POST", "/candidacies") == 0


def test_update_candidacy_moves_stage_and_rejects_once(sandbox, connection):
    contact_id, search_id, _ = search_pair(sandbox, existing=False)
    added = run(
        enqueue(
            OutboxKind.ADD_TO_SEARCH,
            connection=connection,
            payload={
                "contact_id": str(contact_id),
                "search_id": str(search_id),
                "candidacy_stage_id": "1",
            },
        )
    )
    payload = {
        "candidacy_id": added.remote_id,
        "candidacy_stage_id": "2",
        "rejection_reason": "Not a fit",
    }

    entry = run(enqueue(OutboxKind.UPDATE_CANDIDACY, connection=connection, payload=payload))
    again = run(
        enqueue(
            OutboxKind.UPDATE_CANDIDACY, connection=connection, payload=payload, idempotency_key="2"
        )
    )

    assert (entry.state, again.state) == (OutboxState.SUCCEEDED, OutboxState.SUCCEEDED)
    assert requests_made(sandbox, "PATCH", f"/candidacies/{added.remote_id}") == 1
    mirrored = Candidacy.objects.get(remote_id=added.remote_id)
    assert (mirrored.candidacy_stage_remote_id, mirrored.rejection_reason) == ("2", "Not a fit")


def test_note_is_added_and_mirrored(sandbox, connection, make_profile):
    profile = make_profile(email="noted@example.net")
    contact_id = run(export_profile(profile)).remote_id
    profile.refresh_from_db()

    entry = run(
        enqueue(
            OutboxKind.ADD_NOTE,
            connection=connection,
            profile=profile,
            payload={"body": "<p>Great <b>call</b> today.</p>"},
        )
    )

    assert entry.state == OutboxState.SUCCEEDED, entry.last_error
    notes = sandbox.state.get("contacts", int(contact_id))["notes"]
    assert [(str(n["id"]), n["body"]) for n in notes] == [
        (entry.remote_id, "<p>Great <b>call</b> today.</p>")
    ]
    assert ContactNote.objects.filter(contact__remote_id=contact_id).count() == 1


def test_lost_note_answer_is_looked_up_not_resent(sandbox, connection, lose_answers):
    lose_answers("POST", "/contacts/4/notes")
    entry = enqueue(
        OutboxKind.ADD_NOTE, connection=connection, payload={"contact_id": "4", "body": "Hi"}
    )

    assert run(entry).state == OutboxState.NEEDS_LOOKUP
    OutboxEntry.objects.filter(pk=entry.pk).update(next_attempt_at=timezone.now())
    assert run(entry).state == OutboxState.SUCCEEDED

    assert requests_made(sandbox, "POST", "/contacts/4/notes") == 1
    assert [n["body"] for n in sandbox.state.get("contacts", 4)["notes"]].count("Hi") == 1


def test_lost_create_answer_yields_one_contact(sandbox, make_profile, lose_answers):
    lose_answers("POST", "/contacts")
    entry = export_profile(make_profile(email="lost@example.net"))

    first = run(entry)
    assert first.state == OutboxState.NEEDS_LOOKUP
    assert "answer was lost" in first.last_error
    assert run(entry).state == OutboxState.NEEDS_LOOKUP  # not due yet: nothing happens
    OutboxEntry.objects.filter(pk=entry.pk).update(next_attempt_at=timezone.now())
    second = run(entry)

    assert second.state == OutboxState.SUCCEEDED, second.last_error
    (contact,) = created_contacts(sandbox)
    assert second.remote_id == str(contact["id"])
    assert requests_made(sandbox, "POST", "/contacts") == 1


def test_lost_create_answer_without_lookup_keys_fails_instead_of_guessing(
    sandbox, make_profile, lose_answers
):
    lose_answers("POST", "/contacts")
    entry = export_profile(make_profile(name="Nameonly Person"))
    run(entry)
    OutboxEntry.objects.filter(pk=entry.pk).update(next_attempt_at=timezone.now())

    second = run(entry)

    assert second.state == OutboxState.FAILED
    assert "no email or LinkedIn URL" in second.last_error
    assert requests_made(sandbox, "POST", "/contacts") == 1


def test_invalid_data_fails_with_the_field_reason(sandbox, make_profile):
    entry = run(export_profile(make_profile(name="", email="x@example.net")))

    assert entry.state == OutboxState.FAILED
    assert entry.last_error == (
        "Thrive refused the data (422): first_name: first_name or last_name is required"
    )
    assert entry.attempts == 1
    assert run(entry).attempts == 1  # a failed row is not retried by itself


def test_server_error_on_create_is_a_lost_answer(sandbox, make_profile):
    sandbox.set_fault("server_error", count=1, path="/contacts", status=503)
    entry = export_profile(make_profile(name="Five Oh Three"))

    # The fault hits the first /contacts request, the create (no keys, so no lookup).
    assert run(entry).state == OutboxState.NEEDS_LOOKUP


def test_rate_limit_is_retried_with_backoff(sandbox, make_profile):
    sandbox.set_fault("rate_limit", count=5, path="/contacts", seconds=1)
    entry = export_profile(make_profile(email="slow@example.net"))

    result = run(entry)

    assert result.state == OutboxState.PENDING
    assert result.next_attempt_at > timezone.now() + timedelta(seconds=20)
    assert "429" in result.last_error


def test_key_without_write_permission_is_reported(sandbox, db, thrive_settings, make_profile):
    read_only = create_connection(
        owner="tenant-a", name="read-only", api_key=READ_ONLY_KEY, base_url=sandbox.url
    )
    entry = run(export_profile(make_profile(on=read_only, email="perm@example.net")))

    assert entry.state == OutboxState.FAILED
    assert "lacks a permission" in entry.last_error
    assert "Creates a new Contact" in entry.last_error
    assert READ_ONLY_KEY not in entry.last_error


def test_retry_rearms_a_failed_row_in_the_lookup_state(sandbox, make_profile):
    entry = run(export_profile(make_profile(name="", email="fix@example.net")))
    assert entry.state == OutboxState.FAILED

    assert retry(entry) is True
    entry.refresh_from_db()
    assert (entry.state, entry.attempts) == (OutboxState.NEEDS_LOOKUP, 0)
    assert retry(entry) is False


def test_a_claimed_row_cannot_be_claimed_twice(connection):
    entry = enqueue(
        OutboxKind.ADD_NOTE, connection=connection, payload={"contact_id": "1", "body": "x"}
    )

    assert claim(entry.pk) is not None
    assert claim(entry.pk) is None
    # A worker that died keeps the row only until its lease ends; then it is looked up first.
    later = timezone.now() + timedelta(hours=1)
    taken_over = claim(entry.pk, now=later)
    assert taken_over is not None and taken_over.look_up_first


def test_failed_read_after_a_create_keeps_the_created_contact(sandbox, make_profile):
    # Every read of the new contact fails: the create's own answer must still be kept, or a
    # profile without email or LinkedIn would be created again on the next attempt.
    new_id = sandbox.state.collections["contacts"].next_id
    sandbox.set_fault("server_error", count=10, path=f"/contacts/{new_id}", status=503)

    entry = run(export_profile(make_profile(name="Keyless Person")))

    assert entry.state == OutboxState.SUCCEEDED, entry.last_error
    assert entry.remote_id == str(new_id)
    assert Contact.objects.filter(remote_id=str(new_id)).exists()
    assert requests_made(sandbox, "POST", "/contacts") == 1


@pytest.mark.parametrize(
    ("search_id", "quoted"),
    [
        ("1/../../users", "1%2F..%2F..%2Fusers"),
        ("1?include=contacts", "1%3Finclude%3Dcontacts"),
        ("1#x", "1%23x"),
        ("..", "%2E%2E"),
    ],
)
def test_an_id_is_one_path_segment_whatever_it_holds(
    sandbox, connection, after_each_request, search_id, quoted
):
    """An id from a request goes into the path quoted: it cannot name another resource."""
    sent = []
    after_each_request(lambda method, url: sent.append(url))
    contact_id, _, _ = search_pair(sandbox, existing=False)
    payload = {"contact_id": str(contact_id), "search_id": search_id}

    entry = run(enqueue(OutboxKind.ADD_TO_SEARCH, connection=connection, payload=payload))

    assert entry.state != OutboxState.SUCCEEDED
    assert "404" in entry.last_error, entry.last_error
    assert [url for url in sent if "/searches" in url] == [
        f"{connection.base_url}/searches/{quoted}"
    ], sent
    # Past the URL's normalisation on the way too: the sandbox was asked for that one search.
    assert sandbox.request_log[-1].path == f"/api/v2/searches/{search_id}"
    assert not candidacies_of(sandbox, contact_id, 1)


@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize(
    "deleted_when", ["after the contact's write", "while adding to the search"]
)
def test_an_export_whose_connection_is_deleted_meanwhile_ends_quietly(
    sandbox, make_profile, monkeypatch, after_each_request, caplog, deleted_when
):
    """The connection, and with it the row, goes while the export runs (a user deleting it):
    nothing is left to record Thrive's answer on, and the worker must see no error for it."""
    from thrive_integration.connections import delete_connection
    from thrive_integration.export import processor

    profile = make_profile(email="gone-meanwhile@example.net")
    entry = export_profile(profile, search_id="1")

    def delete_it() -> None:
        delete_connection(type(profile.connection).objects.get(pk=profile.connection_id))

    if deleted_when == "after the contact's write":
        succeeded = processor.outbox.mark_succeeded

        def delete_then_succeed(*args, **kwargs):
            delete_it()
            return succeeded(*args, **kwargs)

        monkeypatch.setattr(processor.outbox, "mark_succeeded", delete_then_succeed)
    else:

        def delete_after_the_candidacy(method: str, url: str) -> None:
            if method == "POST" and url.endswith("/candidacies"):
                delete_it()  # between Thrive's answer and the mirror's write of it

        after_each_request(delete_after_the_candidacy)
    caplog.set_level("INFO", logger="thrive_integration")

    process(entry.pk)

    assert not OutboxEntry.objects.exists() and not Contact.objects.exists()
    assert "was deleted with its connection during its export" in caplog.text
    assert not [r for r in caplog.records if r.levelname in ("ERROR", "WARNING")]
