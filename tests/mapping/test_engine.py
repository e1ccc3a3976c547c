"""map_contacts / remap_connection: counts, failures, constant SQL, re-map without Thrive."""

import pytest
import responses
from django.db import connection as db_connection
from django.db import transaction
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from thrive_integration.mapping import ensure_default_mappings, map_contacts, remap_connection
from thrive_integration.models import CandidateProfile, ContactProfileLink, FieldMapping
from thrive_integration.sync.registry import BY_NAME
from thrive_integration.sync.upsert import prepare_page, write_page

from .factories import contact_payload, make_connection, make_contact, update_payload


def _statements(connection, contacts) -> int:
    with CaptureQueriesContext(db_connection) as captured:
        map_contacts(connection, [c.pk for c in contacts])
    return len(captured)


@pytest.fixture
def wide_sqlite_batches(settings):
    """Lift Django's conservative 999-parameter SQLite cap to the library's real limit.

    Django 5.2 assumes SQLite's pre-3.32 default of 999 bound parameters and splits bulk
    statements to fit; the SQLite linked here allows far more (Django 6.0 reads the real
    limit). Lifting it shows the engine itself issues one statement per model.
    """
    features = db_connection.features
    if db_connection.vendor != "sqlite":
        yield
        return
    original = features.max_query_params
    features.max_query_params = 32766
    yield
    features.max_query_params = original


# Re-mapping reads each list a stored contact holds as [] (see sync/payloads.py): one query each.
LISTS_READ = sum(1 for value in contact_payload("any").values() if value == [])


# mappings, contacts, their lists (LISTS_READ), links (own, merged into), then either the
# candidates of new contacts (by email, work email, LinkedIn, GitHub, name and employer: none
# found here, so no profile read) or the linked profiles; then the writes the phase needs:
# insert profiles, their name/employer keys and links (create); upsert profiles, delete and
# insert their name/employer keys (update).
# On PostgreSQL each insert is four: create the staging table, COPY, INSERT .. SELECT, empty it.
@pytest.mark.parametrize(
    ("phase", "statements", "inserts"), [("create", 11, 3), ("update", 8, 1), ("unchanged", 5, 0)]
)
@pytest.mark.parametrize("size", [10, 100])
def test_constant_statements_per_call(
    db, wide_sqlite_batches, django_assert_num_queries, phase, statements, inserts, size
):
    if db_connection.vendor == "postgresql":
        statements += 3 * inserts
    statements += LISTS_READ
    connection = make_connection()
    ensure_default_mappings(connection)
    contacts = [make_contact(connection) for _ in range(size)]
    if phase != "create":
        map_contacts(connection, [c.pk for c in contacts])
    if phase == "update":
        for contact in contacts:
            update_payload(contact, city="Paris")
    with django_assert_num_queries(statements):
        outcome = map_contacts(connection, [c.pk for c in contacts])
    counted = {"create": "created", "update": "updated", "unchanged": "unchanged"}[phase]
    assert getattr(outcome, counted) == size


def test_constant_statements_with_merges_and_duplicates(db, wide_sqlite_batches):
    counts = []
    for size in (10, 100):
        connection = make_connection()
        ensure_default_mappings(connection)
        contacts = []
        for i in range(size // 2):
            survivor = make_contact(connection, remote_id=f"s{size}-{i}")
            contacts += [
                survivor,
                make_contact(
                    connection, remote_id=f"m{size}-{i}", merged_into_id=survivor.remote_id
                ),
            ]
        counts.append(_statements(connection, contacts))
    assert counts[0] == counts[1], counts


def test_counts_created_updated_unchanged(connection):
    contacts = [make_contact(connection) for _ in range(3)]
    first = map_contacts(connection, [c.pk for c in contacts])
    assert (first.created, first.updated, first.unchanged, first.failures) == (3, 0, 0, [])
    update_payload(contacts[0], skills=["Rust"])
    again = map_contacts(connection, [c.pk for c in contacts])
    assert (again.created, again.updated, again.unchanged) == (0, 1, 2)
    assert CandidateProfile.objects.count() == 3 == ContactProfileLink.objects.count()


def test_a_bad_payload_fails_alone(connection):
    good = make_contact(connection)
    bad = make_contact(connection)
    bad.remote_data = ["not", "an", "object"]
    bad.save()
    outcome = map_contacts(connection, [good.pk, bad.pk])
    assert outcome.created == 1
    assert outcome.failures == [(bad.remote_id, "the stored payload is a list, not an object")]


def test_other_connections_contacts_are_ignored(connection):
    foreign = make_contact(make_connection())
    outcome = map_contacts(connection, [foreign.pk])
    assert outcome.total == 0
    assert not CandidateProfile.objects.exists()


def test_default_mappings_are_created_once(connection):
    first = ensure_default_mappings(connection)
    again = ensure_default_mappings(connection)
    assert len(first) == len(again) == FieldMapping.objects.filter(connection=connection).count()


@responses.activate
def test_mapping_change_remaps_stored_contacts_without_http(connection):
    contacts = [make_contact(connection, city="Berlin", country="Germany") for _ in range(7)]
    map_contacts(connection, [c.pk for c in contacts])
    assert set(CandidateProfile.objects.values_list("location", flat=True)) == {"Berlin, Germany"}

    FieldMapping.objects.filter(connection=connection, platform_field="location").update(
        thrive_paths=["country"], transform="text"
    )
    outcome = remap_connection(connection, batch_size=3)

    assert (outcome.created, outcome.updated, outcome.unchanged) == (0, 7, 0)
    assert set(CandidateProfile.objects.values_list("location", flat=True)) == {"Germany"}
    assert len(responses.calls) == 0  # any HTTP request would have raised ConnectionError


def test_removing_a_mapping_empties_its_field_on_remap(connection):
    contact = make_contact(connection, phone="+1 555")
    map_contacts(connection, [contact.pk])
    FieldMapping.objects.filter(connection=connection, platform_field="phone").delete()
    remap_connection(connection)
    assert CandidateProfile.objects.get().phone == ""


def test_bench_remap_reports_constant_statements_per_full_batch(connection, wide_sqlite_batches):
    from thrive_integration.mapping.bench import bench_remap

    for _ in range(25):
        make_contact(connection)
    ensure_default_mappings(connection)
    figures = bench_remap(connection, batch_size=10)
    assert (figures["contacts"], figures["created"], figures["batches"]) == (25, 25, 3)
    # Every batch, short last one included: map_contacts' eleven statements (create phase) and
    # its list reads, plus the savepoint pair its transaction becomes inside the test's own
    # transaction; on PostgreSQL, three more for each of its two inserts (profiles, links; no
    # employer, no key).
    copies = 6 if db_connection.vendor == "postgresql" else 0
    assert figures["statements_per_batch"] == [13 + LISTS_READ + copies]
    assert bench_remap(connection, batch_size=10)["statements_per_batch"] == [7 + LISTS_READ]


def _prepared_contacts_page(connection, payloads):
    """A contacts page prepared as the import prepares it ahead of its write."""
    spec = BY_NAME["contacts"]
    preparer = spec.preparer(connection)
    return spec, prepare_page(connection.pk, spec, payloads, now=timezone.now(), preparer=preparer)


def test_a_page_mapped_ahead_is_written_with_what_it_was_mapped_to(connection):
    payloads = [contact_payload(str(n), city="Berlin", country="Germany") for n in range(3)]
    spec, page = _prepared_contacts_page(connection, payloads)
    with transaction.atomic():
        outcome = write_page(connection, spec, page)
    assert outcome.derived["profiles_created"] == 3
    assert set(CandidateProfile.objects.values_list("location", flat=True)) == {"Berlin, Germany"}


def test_a_mapping_changed_while_a_page_waits_is_the_one_written(connection):
    """The page was mapped ahead with the old mapping; its write maps it with the new one."""
    payloads = [contact_payload(str(n), city="Berlin", country="Germany") for n in range(3)]
    spec, page = _prepared_contacts_page(connection, payloads)
    FieldMapping.objects.filter(connection=connection, platform_field="location").update(
        thrive_paths=["country"], transform="text"
    )
    with transaction.atomic():
        write_page(connection, spec, page)
    assert set(CandidateProfile.objects.values_list("location", flat=True)) == {"Germany"}
