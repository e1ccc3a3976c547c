"""Matching a Thrive contact to an existing CandidateProfile, and Thrive merges."""

from datetime import date

from thrive_integration.mapping import map_contacts
from thrive_integration.mapping.apply import map_contact
from thrive_integration.mapping.defaults import ensure_default_mappings
from thrive_integration.mapping.matching import ProfileIndex
from thrive_integration.models import CandidateProfile, ContactProfileLink

from .factories import make_connection, make_contact, update_payload


def _profile(contact) -> CandidateProfile:
    return ContactProfileLink.objects.get(contact=contact).profile


def _map(connection, *contacts):
    return map_contacts(connection, [c.pk for c in contacts])


def test_new_contact_makes_a_new_profile(connection):
    contact = make_contact(connection)
    outcome = _map(connection, contact)
    assert (outcome.created, outcome.updated, outcome.unchanged) == (1, 0, 0)
    assert _profile(contact).contact_id == contact.pk


def test_matches_by_email_ignoring_case(connection):
    first = make_contact(connection, email="Ada@Example.com", linkedin_url=None)
    _map(connection, first)
    second = make_contact(
        connection, email=None, work_email="ada@example.COM", linkedin_url=None, last_name="X"
    )
    outcome = _map(connection, second)
    assert outcome.created == 0 and outcome.updated == 1
    assert _profile(second) == _profile(first)
    assert CandidateProfile.objects.count() == 1


def test_matches_by_linkedin_spelled_differently(connection):
    first = make_contact(connection, linkedin_url="https://www.linkedin.com/in/ada-l/")
    second = make_contact(connection, linkedin_url="uk.linkedin.com/in/Ada-L?trk=1", email=None)
    _map(connection, first)
    _map(connection, second)
    assert _profile(second) == _profile(first)


def test_matches_by_github(connection):
    first = make_contact(connection, github_url="https://github.com/ada-l", linkedin_url=None)
    second = make_contact(connection, github_url="github.com/Ada-L/", linkedin_url=None, email=None)
    _map(connection, first, second)
    assert _profile(second) == _profile(first)
    assert CandidateProfile.objects.count() == 1


def test_matches_by_name_and_shared_employer_only(connection):
    positions = [{"company_name": "Analytical Engines", "title": "Dev", "current": True}]
    first = make_contact(
        connection,
        first_name="Ada",
        last_name="King",
        email=None,
        linkedin_url=None,
        positions=positions,
    )
    same = make_contact(
        connection,
        first_name="ada",
        last_name="KING",
        email=None,
        linkedin_url=None,
        positions=[{"company_name": "analytical engines", "title": "Lead", "current": False}],
    )
    namesake = make_contact(
        connection,
        first_name="Ada",
        last_name="King",
        email=None,
        linkedin_url=None,
        positions=[{"company_name": "Other Corp", "title": "Dev", "current": True}],
    )
    _map(connection, first, same, namesake)
    assert _profile(same) == _profile(first)
    assert _profile(namesake) != _profile(first)


def test_a_duplicate_links_but_does_not_overwrite_the_primary(connection):
    first = make_contact(connection, email="ada@example.com", city="London")
    dup = make_contact(connection, email="ada@example.com", city="Paris")
    _map(connection, first, dup)
    profile = _profile(first)
    assert profile == _profile(dup)
    assert profile.location.startswith("London")


def test_never_two_profiles_for_one_contact(connection):
    contact = make_contact(connection)
    _map(connection, contact)
    update_payload(contact, email="new@example.com", linkedin_url=None, last_name="Renamed")
    outcome = _map(connection, contact)
    assert outcome.updated == 1
    assert CandidateProfile.objects.count() == 1
    assert _profile(contact).email == "new@example.com"


def test_profiles_do_not_match_across_connections(db):
    one, other = make_connection(), make_connection()
    a = make_contact(one, email="ada@example.com")
    b = make_contact(other, email="ada@example.com")
    _map(one, a)
    _map(other, b)
    assert _profile(a) != _profile(b)


def test_merged_contact_repoints_to_the_survivor_profile(connection):
    loser = make_contact(connection, remote_id="501", email="old@example.com", last_name="Old")
    survivor = make_contact(connection, remote_id="502", email="new@example.com")
    _map(connection, loser)
    _map(connection, survivor)
    assert _profile(loser) != _profile(survivor)

    update_payload(loser, merged_into_id=502)
    _map(connection, loser)
    assert _profile(loser) == _profile(survivor)
    assert _profile(survivor).contact_id == survivor.pk


def test_survivor_adopts_the_merged_contacts_profile_instead_of_a_new_one(connection):
    loser = make_contact(connection, remote_id="601", email="old@example.com", last_name="Old")
    _map(connection, loser)
    profile = _profile(loser)
    update_payload(loser, merged_into_id="602")
    _map(connection, loser)  # the import maps the changed payload; 602 is not stored yet
    assert _profile(loser) == profile
    # The survivor arrives later, with nothing in common the matcher could see.
    survivor = make_contact(
        connection, remote_id="602", email="other@example.com", linkedin_url=None, last_name="New"
    )
    outcome = _map(connection, survivor)
    assert outcome.created == 0
    assert _profile(survivor) == profile
    profile.refresh_from_db()
    assert profile.contact_id == survivor.pk and profile.email == "other@example.com"
    assert CandidateProfile.objects.count() == 1


def test_merged_contact_and_survivor_in_one_page(connection):
    survivor = make_contact(connection, remote_id="702")
    loser = make_contact(connection, remote_id="701", merged_into_id="702", email="x@example.com")
    outcome = _map(connection, loser, survivor)
    assert outcome.created == 1
    assert _profile(loser) == _profile(survivor)
    assert CandidateProfile.objects.count() == 1


def test_merged_contact_whose_survivor_is_stored_but_not_in_the_page(connection):
    survivor = make_contact(connection, remote_id="802")
    loser = make_contact(connection, remote_id="801", merged_into_id="802")
    _map(connection, loser)
    assert _profile(loser) == _profile(survivor)
    assert _profile(survivor).contact_id == survivor.pk


def _namesake(connection, company, **fields):
    defaults = {"first_name": "Ada", "last_name": "King", "email": None, "linkedin_url": None}
    positions = [{"company_name": company, "title": "Dev", "current": True}]
    return make_contact(connection, **{**defaults, **fields}, positions=positions)


def test_a_placeholder_employer_is_no_shared_history(connection):
    first, second = _namesake(connection, "Freelance"), _namesake(connection, "freelance")
    _map(connection, first, second)
    assert _profile(first) != _profile(second)


def test_different_linkedin_accounts_are_different_people_despite_name_and_employer(connection):
    first = _namesake(connection, "Acme", linkedin_url="https://linkedin.com/in/ada-king-1")
    second = _namesake(connection, "Acme", linkedin_url="https://linkedin.com/in/ada-king-2")
    third = _namesake(connection, "Acme")  # no account to contradict the name + employer
    _map(connection, first, second, third)
    assert _profile(first) != _profile(second)
    assert _profile(third) == _profile(first)


def test_a_linked_contact_stays_with_its_profile_when_its_email_changes(connection):
    ada = make_contact(connection, email="ada@example.com")
    grace = make_contact(connection, email="grace@example.com", first_name="Grace")
    _map(connection, ada, grace)
    update_payload(grace, email="ada@example.com")
    _map(connection, grace)
    assert _profile(grace) != _profile(ada)
    assert _profile(grace).email == "ada@example.com"


def test_a_contact_without_identifiers_loads_no_candidates(connection):
    # Profiles with empty keys share "" with a contact that has none: that is no match, and
    # must not pull every such profile into the page.
    bare = {"email": None, "work_email": None, "linkedin_url": None, "github_url": None}
    _map(connection, *[make_contact(connection, **bare) for _ in range(5)])
    newcomer = make_contact(connection, first_name="Zed", **bare)
    mapped = map_contact(newcomer.remote_data, ensure_default_mappings(connection), date.today())
    assert ProfileIndex.candidates(connection, [mapped]) == set()
