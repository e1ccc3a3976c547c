"""The default mappings over the sandbox's generated contacts: messy, realistic payloads."""

import datetime

from thrive_integration.mapping import ensure_default_mappings, map_contacts
from thrive_integration.mapping.apply import map_contact
from thrive_integration.mapping.schema import PLATFORM_FIELDS
from thrive_integration.models import CandidateProfile, ContactProfileLink
from thrive_integration.sandbox.generator import Generator

from .factories import make_contact

TODAY = datetime.date(2026, 1, 1)


def test_every_generated_contact_maps_within_column_limits(connection):
    mappings = ensure_default_mappings(connection)
    generator = Generator(seed=7, contacts=600)
    fields = PLATFORM_FIELDS["contact"]
    for i in range(1, 601):
        values = map_contact(generator.record("contacts", i), mappings, TODAY).values
        for name, field in fields.items():
            if field.kind == "text":
                assert isinstance(values[name], str) and len(values[name]) <= field.max_length
            else:
                assert isinstance(values[name], list)
        assert all("<script" not in note["html"].lower() for note in values["notes"])


def test_generated_contacts_with_merges_map_to_one_profile_per_person(connection):
    generator = Generator(seed=3, contacts=250)
    contacts = [
        make_contact(connection, **generator.record("contacts", i) | {"id": str(i)})
        for i in range(1, 251)
    ]
    outcome = map_contacts(connection, [c.pk for c in contacts])
    assert not outcome.failures
    assert ContactProfileLink.objects.count() == 250
    for merged in (100, 200):
        loser = ContactProfileLink.objects.get(contact__remote_id=str(merged))
        survivor = ContactProfileLink.objects.get(contact__remote_id=str(merged - 1))
        assert loser.profile_id == survivor.profile_id
    assert CandidateProfile.objects.count() == outcome.created
