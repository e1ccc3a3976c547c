import pytest

from thrive_integration.mapping import map_contacts
from thrive_integration.models import CandidateProfile

from .factories import make_connection, make_contact


@pytest.fixture
def connection(db):
    return make_connection()


@pytest.fixture
def profile_for(connection):
    """Store a contact with the given payload fields, map it, return its profile."""

    def build(**fields) -> CandidateProfile:
        contact = make_contact(connection, **fields)
        outcome = map_contacts(connection, [contact.pk])
        assert not outcome.failures, outcome.failures
        return CandidateProfile.objects.get(links__contact=contact)

    return build
