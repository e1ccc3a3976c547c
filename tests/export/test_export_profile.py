"""Exporting profiles to the sandbox over HTTP: create, match, merge, refuse."""

from __future__ import annotations

import pytest
from django.utils import timezone

from tests.export.conftest import created_contacts, find_contact, requests_made
from thrive_integration.connections import client_for
from thrive_integration.export import enqueue, export_profile, process
from thrive_integration.export.referral import EXPORTED_MARKER
from thrive_integration.models import (
    Contact,
    ContactProfileLink,
    FieldMapping,
    OutboxKind,
    OutboxState,
)
from thrive_integration.normalize import linkedin_key
from thrive_integration.sync.registry import BY_NAME
from thrive_integration.sync.upsert import upsert_page

pytestmark = pytest.mark.django_db


def run(entry):
    return process(entry.pk)


def test_new_profile_is_created_with_mapped_fields(sandbox, make_profile):
    profile = make_profile(
        name="Grace Brewster Hopper",
        email="grace@example.net",
        linkedin_url="linkedin.com/in/grace-hopper",
        github_url="https://github.com/ghopper",
        platform_profile_url="https://app.findem.ai/profile/42",
        avatar_url="https://img.example.net/grace.png",
        location="Arlington, United States",
        skills=["COBOL", "Compilers"],
        source="Findem",
        work_experience=[
            {
                "company_name": "Acme 1 AG",
                "title": "Rear Admiral",
                "start_date": {"year": 1967, "month": 8, "day": None, "ongoing": False},
                "end_date": {"year": None, "month": None, "day": None, "ongoing": True},
                "current": True,
            }
        ],
        education=[{"school_name": "Yale"}],
        icp_name="Navy compilers",
        icp_owner_name="Ann Owner",
        shortlisted_by="Sam Picker",
        tags=["pioneer"],
    )

    entry = run(export_profile(profile))

    assert entry.state == OutboxState.SUCCEEDED, entry.last_error
    (contact,) = created_contacts(sandbox)
    assert str(contact["id"]) == entry.remote_id
    assert (contact["first_name"], contact["last_name"]) == ("Grace", "Brewster Hopper")
    assert contact["email"] == "grace@example.net"
    assert contact["linkedin_url"] == "https://linkedin.com/in/grace-hopper"
    assert contact["other_url"] == "https://app.findem.ai/profile/42"
    assert contact["avatar"] == "https://img.example.net/grace.png"
    assert (contact["city"], contact["country"]) == ("Arlington", "United States")
    assert contact["skills"] == ["COBOL", "Compilers"]
    assert contact["source"] == "Findem"
    assert contact["educations"] == []  # education is never exported
    (position,) = contact["positions"]
    assert position["company_id"] == 1  # the existing company "Acme 1 AG" is reused
    assert (position["title"], position["start_date"], position["current"]) == (
        "Rear Admiral",
        "1967-08",
        True,
    )
    assert contact["referred_by_notes"].splitlines() == [
        f"Tags: pioneer, {EXPORTED_MARKER}",
        "icp_name: Navy compilers",
        "icp_owner_name: Ann Owner",
        "Shortlisted By: Sam Picker",
    ]
    # The mirror holds Thrive's answer and the contact feeds this profile from now on.
    mirrored = Contact.objects.get(connection=profile.connection, remote_id=entry.remote_id)
    assert mirrored.positions.count() == 1
    assert ContactProfileLink.objects.get(contact=mirrored).profile == profile
    profile.refresh_from_db()
    assert profile.contact == mirrored


def test_export_then_import_sees_no_change(sandbox, connection, make_profile):
    entry = run(export_profile(make_profile(email="same@example.net")))
    # What the next import reads: the listing page of contacts, with every child list.
    with client_for(connection) as client:
        (page,) = client.iter_pages("/contacts", include=BY_NAME["contacts"].include)
    record = next(r for r in page.records if str(r["id"]) == entry.remote_id)

    outcome = upsert_page(connection, BY_NAME["contacts"], [record], now=timezone.now())

    assert (outcome.created, outcome.updated, outcome.unchanged) == (0, 0, 1)


def test_match_by_email_updates_instead_of_creating(sandbox, make_profile):
    thrive = dict(find_contact(sandbox))
    profile = make_profile(
        name="Someone Else",
        email=thrive["email"].upper(),
        skills=["Rust"],
        platform_profile_url="https://app.findem.ai/profile/1",
    )

    entry = run(export_profile(profile))

    assert entry.state == OutboxState.SUCCEEDED, entry.last_error
    assert entry.remote_id == str(thrive["id"])
    assert created_contacts(sandbox) == []
    updated = sandbox.state.get("contacts", thrive["id"])
    # Identity fields a Thrive user filled stay; ours are merged or set.
    assert (updated["first_name"], updated["last_name"]) == (
        thrive["first_name"],
        thrive["last_name"],
    )
    assert updated["skills"] == [*(thrive["skills"] or []), "Rust"]
    assert updated["other_url"] == "https://app.findem.ai/profile/1"


def test_match_by_linkedin_variant_updates(sandbox, make_profile):
    thrive = find_contact(sandbox)
    slug = linkedin_key(thrive["linkedin_url"]).rsplit("/", 1)[-1]
    # Another host, case, query string and trailing slash than Thrive's spelling.
    profile = make_profile(linkedin_url=f"https://uk.linkedin.com/in/{slug.upper()}/?trk=x")

    entry = run(export_profile(profile))

    assert entry.state == OutboxState.SUCCEEDED, entry.last_error
    assert entry.remote_id == str(thrive["id"])
    assert created_contacts(sandbox) == []


def test_referred_by_notes_keeps_what_users_wrote(sandbox, make_profile):
    contact = sandbox.state.collections["contacts"].writable(find_contact(sandbox)["id"])
    contact["referred_by_notes"] = (
        "Met at the 2019 offsite.\nTags: warm, Priority\nicp_name: Old project\nCall after 5pm."
    )
    profile = make_profile(
        email=contact["email"], tags=["priority", "remote"], icp_name="New project"
    )

    first = run(export_profile(profile))
    notes = sandbox.state.get("contacts", contact["id"])["referred_by_notes"]
    assert first.state == OutboxState.SUCCEEDED, first.last_error
    assert notes.splitlines() == [
        "Met at the 2019 offsite.",
        f"Tags: warm, Priority, remote, {EXPORTED_MARKER}",
        "icp_name: New project",
        "Call after 5pm.",
    ]

    # A second export of the same data sends no update at all.
    patches = requests_made(sandbox, "PATCH", f"/contacts/{contact['id']}")
    run(
        enqueue(
            OutboxKind.EXPORT_PROFILE,
            connection=profile.connection,
            profile=profile,
            payload={},
            idempotency_key="again",
        )
    )
    assert requests_made(sandbox, "PATCH", f"/contacts/{contact['id']}") == patches
    assert sandbox.state.get("contacts", contact["id"])["referred_by_notes"] == notes


def test_a_line_break_in_a_tag_value_cannot_write_another_line(sandbox, make_profile):
    profile = make_profile(email="lines@example.net", tags=["remote\nicp_owner_name: Eve"])

    entry = run(export_profile(profile, tags={"icp_name": "Project X\r\nShortlisted By: Mallory"}))

    assert entry.state == OutboxState.SUCCEEDED, entry.last_error
    (contact,) = created_contacts(sandbox)
    assert contact["referred_by_notes"].splitlines() == [
        f"Tags: remote icp_owner_name: Eve, {EXPORTED_MARKER}",
        "icp_name: Project X Shortlisted By: Mallory",
    ]


def test_company_is_reused_by_website(sandbox, make_profile):
    profile = make_profile(
        email="new.person@example.net",
        work_experience=[
            {"company_name": "Acme One", "company_website": "http://acme1.com/", "title": "CTO"},
            {"company_name": "Unknown Startup", "title": "Founder"},
        ],
    )

    entry = run(export_profile(profile))

    assert entry.state == OutboxState.SUCCEEDED, entry.last_error
    (contact,) = created_contacts(sandbox)
    assert [p["company_id"] for p in contact["positions"]] == [1, None]
    assert [p["company_name"] for p in contact["positions"]] == ["Acme One", "Unknown Startup"]


def test_export_mappings_choose_the_fields(sandbox, connection, make_profile):
    FieldMapping.objects.create(
        connection=connection,
        platform_field="skills",
        thrive_paths=["skills"],
        transform="string_list",
        direction=FieldMapping.Direction.IMPORT,
    )
    FieldMapping.objects.create(
        connection=connection,
        platform_field="email",
        thrive_paths=["email"],
        transform="email",
        direction=FieldMapping.Direction.BOTH,
    )
    profile = make_profile(email="only.email@example.net", skills=["Hidden"])

    entry = run(export_profile(profile))

    (contact,) = created_contacts(sandbox)
    assert entry.state == OutboxState.SUCCEEDED, entry.last_error
    assert contact["email"] == "only.email@example.net"
    assert contact["first_name"] == "Ada"  # a new contact always gets its name
    assert not contact.get("skills")


def test_off_limits_profile_is_refused_without_a_request(sandbox, make_profile):
    profile = make_profile(email="nope@example.net", off_limits=True)
    before = len(sandbox.request_log)

    entry = run(export_profile(profile))

    assert entry.state == OutboxState.FAILED
    assert "off-limits" in entry.last_error
    assert len(sandbox.request_log) == before


def test_off_limits_thrive_contact_is_not_updated(sandbox, make_profile):
    off_limits = find_contact(sandbox, off_limits=True)
    entry = run(export_profile(make_profile(email=off_limits["email"])))

    assert entry.state == OutboxState.FAILED
    assert "is off-limits" in entry.last_error
    assert requests_made(sandbox, "PATCH", f"/contacts/{off_limits['id']}") == 0


def test_double_click_makes_one_row_and_one_contact(sandbox, make_profile):
    profile = make_profile(email="twice@example.net")

    first, second = export_profile(profile), export_profile(profile)

    assert first.pk == second.pk
    run(first)
    run(second)
    assert len(created_contacts(sandbox)) == 1


def test_second_export_after_success_updates_the_linked_contact(sandbox, make_profile):
    profile = make_profile(name="No Keys")  # neither email nor LinkedIn: only the link finds it
    run(export_profile(profile))
    profile.location = "Lyon, France"
    profile.save()  # a new profile version: a new outbox row

    entry = run(export_profile(profile))

    assert entry.state == OutboxState.SUCCEEDED, entry.last_error
    (contact,) = created_contacts(sandbox)
    assert (contact["city"], contact["country"]) == ("Lyon", "France")


def test_a_profile_whose_contact_thrive_deleted_is_created_again_once(sandbox, make_profile):
    profile = make_profile(name="No Keys")  # only the link can find its contact again
    deleted = run(export_profile(profile))
    contacts = sandbox.state.collections["contacts"]
    contacts.delete(int(deleted.remote_id), sandbox.state.now(), soft=False)

    exports = []
    for location in ("Paris, France", "Lyon, France"):
        profile.refresh_from_db()
        profile.location = location
        profile.save()  # a new profile version: a new outbox row
        exports.append(run(export_profile(profile)))

    assert [entry.state for entry in exports] == [OutboxState.SUCCEEDED] * 2
    (contact,) = created_contacts(sandbox)  # the deleted one aside
    assert {entry.remote_id for entry in exports} == {str(contact["id"])}
    assert (contact["city"], contact["country"]) == ("Lyon", "France")


def test_default_mappings_export_what_the_seed_table_exports(sandbox, connection, make_profile):
    from thrive_integration.mapping import ensure_default_mappings

    ensure_default_mappings(connection)
    profile = make_profile(
        email="seed.row@example.net",
        skills=["Rust", "SQL"],
        location="Lisbon, Portugal",
        avatar_url="https://img.example.net/a.png",
    )

    entry = run(export_profile(profile))

    (contact,) = created_contacts(sandbox)
    assert entry.state == OutboxState.SUCCEEDED, entry.last_error
    assert contact["skills"] == ["Rust", "SQL"]
    assert (contact["city"], contact["country"]) == ("Lisbon", "Portugal")
    assert contact["avatar"] == "https://img.example.net/a.png"
    assert "Findem Exported" in contact["referred_by_notes"]
