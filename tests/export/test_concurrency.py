"""Two workers at once: real threads, real row and advisory locks, so PostgreSQL only.

SQLite serialises every writer with one file lock, so it can neither show the race nor the
locks that prevent it.
"""

from __future__ import annotations

import threading

import pytest
from django.db import connections

from tests.export.conftest import created_contacts
from tests.markers import POSTGRES_CONCURRENCY
from thrive_integration.export import enqueue, export_profile, process
from thrive_integration.models import OutboxEntry, OutboxKind, OutboxState

pytestmark = POSTGRES_CONCURRENCY


def in_parallel(*entry_ids: int) -> list[OutboxEntry]:
    """Process each entry in its own thread (own DB connection), all released at once."""
    start = threading.Barrier(len(entry_ids))
    results: list[OutboxEntry | None] = [None] * len(entry_ids)
    errors: list[BaseException] = []

    def work(index: int) -> None:
        try:
            start.wait()
            results[index] = process(entry_ids[index])
        except BaseException as exc:  # surfaced in the test thread below
            errors.append(exc)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=work, args=(i,)) for i in range(len(entry_ids))]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)
    assert not errors, errors
    return results


def test_two_exports_of_one_profile_at_once_make_one_contact(sandbox, make_profile):
    profile = make_profile(email="race@example.net")
    # Two different requests (so two rows) for the same person, e.g. two users' clicks.
    first = export_profile(profile, tags={"icp_name": "Project A"})
    second = export_profile(profile, tags={"icp_name": "Project B"})
    # A slow duplicate lookup widens the window in which both would otherwise see "no match".
    sandbox.set_fault("slow", count=2, path="/contacts/duplicates", seconds=0.3)

    results = in_parallel(first.pk, second.pk)

    assert [r.state for r in results] == [OutboxState.SUCCEEDED] * 2, [
        r.last_error for r in results
    ]
    (contact,) = created_contacts(sandbox)
    assert {r.remote_id for r in results} == {str(contact["id"])}


@pytest.mark.parametrize(
    ("first_fields", "second_fields"),
    [
        ({"email": "Twin@Example.net"}, {"email": "twin@example.net "}),
        (
            {"linkedin_url": "https://www.linkedin.com/in/ada-twin/"},
            {"email": "other@example.net", "linkedin_url": "linkedin.com/in/Ada-Twin"},
        ),
    ],
    ids=["same-email", "same-linkedin"],
)
def test_two_profiles_of_one_person_exported_at_once_make_one_contact(
    sandbox, make_profile, first_fields, second_fields
):
    # Two profiles, so two profile locks: only the lock on the shared key keeps them apart.
    first = make_profile(**first_fields)
    second = make_profile(**second_fields)
    entries = [export_profile(first), export_profile(second)]
    sandbox.set_fault("slow", count=2, path="/contacts/duplicates", seconds=0.3)

    results = in_parallel(*(entry.pk for entry in entries))

    assert [r.state for r in results] == [OutboxState.SUCCEEDED] * 2, [
        r.last_error for r in results
    ]
    (contact,) = created_contacts(sandbox)
    assert {r.remote_id for r in results} == {str(contact["id"])}
    for profile in (first, second):
        profile.refresh_from_db()
        assert profile.contact.remote_id == str(contact["id"])


def test_one_row_claimed_by_two_workers_is_processed_once(sandbox, connection):
    entry = enqueue(
        OutboxKind.ADD_NOTE,
        connection=connection,
        payload={"contact_id": "2", "body": "Only once"},
    )

    in_parallel(entry.pk, entry.pk, entry.pk)

    entry.refresh_from_db()
    assert (entry.state, entry.attempts) == (OutboxState.SUCCEEDED, 1)
    assert [n["body"] for n in sandbox.state.get("contacts", 2)["notes"]].count("Only once") == 1
