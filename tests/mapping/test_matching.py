"""Matching a Thrive contact to an existing CandidateProfile, and Thrive merges."""

from datetime import date

import pytest

from thrive_integration.mapping import map_contacts, remap_connection
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


def test_a_contact_merged_into_one_deleted_in_thrive_stands_on_its_own(connection):
    survivor = make_contact(connection, remote_id="902")
    survivor.remote_deleted_at = survivor.last_synced_at
    survivor.save()
    loser = make_contact(connection, remote_id="901", merged_into_id="902", email="l@example.com")
    assert _counts(_map(connection, loser)) == (1, 0, 0, [])
    assert _profile(loser).contact_id == loser.pk
    assert _profile(loser).email == "l@example.com"


def _counts(outcome):
    return outcome.created, outcome.updated, outcome.unchanged, outcome.failures


def test_a_contact_merged_into_itself_is_an_ordinary_contact(connection):
    contact = make_contact(connection, remote_id="22", merged_into_id="22")
    assert _counts(_map(connection, contact)) == (1, 0, 0, [])
    assert _profile(contact).contact_id == contact.pk
    assert _counts(remap_connection(connection)) == (0, 0, 1, [])


def test_a_survivor_merged_into_itself_is_still_followed(connection):
    survivor = make_contact(connection, remote_id="24", merged_into_id="24")
    loser = make_contact(connection, remote_id="23", merged_into_id="24")
    assert _counts(_map(connection, loser)) == (0, 1, 0, [])
    assert _profile(loser) == _profile(survivor)
    assert _profile(survivor).contact_id == survivor.pk
    assert _counts(remap_connection(connection)) == (0, 0, 2, [])


@pytest.mark.parametrize("pages", [[["8", "15"]], [["8"], ["15"]], [["15"], ["8"]]])
def test_contacts_merged_into_each_other_are_ordinary_contacts(connection, pages):
    """A loop of merges names no survivor: the merges are ignored, nobody is left out."""
    contacts = {
        "8": make_contact(connection, remote_id="8", merged_into_id="15"),
        "15": make_contact(connection, remote_id="15", merged_into_id="8"),
    }
    outcomes = [_map(connection, *(contacts[rid] for rid in page)) for page in pages]
    assert sum(outcome.created for outcome in outcomes) == 1 + (len(pages) == 1)
    assert all(not outcome.failures for outcome in outcomes)
    for contact in contacts.values():
        assert _profile(contact).contact_id == contact.pk
    assert _profile(contacts["8"]) != _profile(contacts["15"])
    assert _counts(remap_connection(connection)) == (0, 0, 2, [])
    assert CandidateProfile.objects.count() == 2


def test_a_merge_loop_of_one_person_ends_on_one_profile(connection):
    eight = make_contact(connection, remote_id="8", merged_into_id="15", email="ada@example.com")
    fifteen = make_contact(connection, remote_id="15", merged_into_id="8", email="ada@example.com")
    assert _counts(_map(connection, eight, fifteen)) == (1, 1, 0, [])
    assert _profile(eight) == _profile(fifteen)
    assert _profile(eight).contact_id == eight.pk
    assert _counts(remap_connection(connection)) == (0, 0, 2, [])


def test_a_merge_loop_closed_later_leaves_each_member_its_own_profile(connection):
    eight = make_contact(connection, remote_id="8", merged_into_id="15")
    _map(connection, eight)  # 15 is not stored yet: 8 is mapped as an ordinary contact
    fifteen = make_contact(connection, remote_id="15", merged_into_id="8")
    assert _counts(_map(connection, fifteen)) == (1, 0, 0, [])
    assert _profile(eight) != _profile(fifteen)
    assert _profile(eight).contact_id == eight.pk
    assert _profile(fifteen).contact_id == fifteen.pk
    assert _counts(remap_connection(connection)) == (0, 0, 2, [])


def test_contacts_merged_into_one_stored_later_all_follow_it(connection):
    first = make_contact(connection, remote_id="31", merged_into_id="33")
    second = make_contact(connection, remote_id="32", merged_into_id="33")
    _map(connection, first)
    _map(connection, second)  # 33 is not stored yet: each gets a profile of its own
    survivor = make_contact(connection, remote_id="33")
    assert _counts(_map(connection, survivor)) == (0, 1, 0, [])
    assert _profile(first) == _profile(second) == _profile(survivor)
    assert _profile(survivor).contact_id == survivor.pk
    assert _counts(remap_connection(connection)) == (0, 0, 3, [])


def test_a_contact_merged_into_a_loop_follows_the_member_it_names(connection):
    eight = make_contact(connection, remote_id="8", merged_into_id="15")
    fifteen = make_contact(connection, remote_id="15", merged_into_id="8")
    loser = make_contact(connection, remote_id="7", merged_into_id="8")
    assert _counts(_map(connection, loser)) == (0, 1, 0, [])
    assert _profile(loser) == _profile(eight) != _profile(fifteen)
    assert _counts(remap_connection(connection)) == (0, 0, 3, [])


def test_contacts_merged_into_one_that_fails_to_map_fail_too(connection):
    chain = _chain(connection, "ABC")
    chain["C"].remote_data = ["not", "an", "object"]
    chain["C"].save()
    outcome = _map(connection, *chain.values())
    assert _counts(outcome) == (
        0,
        0,
        0,
        [
            ("C-A", "merged into C-C, which failed: the stored payload is a list, not an object"),
            ("C-B", "merged into C-C, which failed: the stored payload is a list, not an object"),
            ("C-C", "the stored payload is a list, not an object"),
        ],
    )
    assert not ContactProfileLink.objects.exists()


def _chain(connection, order):
    """A merged into B, B merged into C, stored in `order` (so their pks come in that order)."""
    merges = {"A": "C-B", "B": "C-C", "C": None}
    return {
        name: make_contact(connection, remote_id=f"C-{name}", merged_into_id=merges[name])
        for name in order
    }


@pytest.mark.parametrize("order", ["ABC", "CBA", "BAC"])
def test_a_merge_chain_in_one_call_ends_on_the_final_survivor(connection, order):
    chain = _chain(connection, order)
    assert _counts(_map(connection, *chain.values())) == (1, 2, 0, [])
    profile = _profile(chain["C"])
    assert profile.contact_id == chain["C"].pk
    assert _profile(chain["A"]) == _profile(chain["B"]) == profile
    assert CandidateProfile.objects.count() == 1
    assert _counts(remap_connection(connection)) == (0, 0, 3, [])


@pytest.mark.parametrize("order", ["ABC", "ACB", "BAC", "BCA", "CAB", "CBA"])
def test_a_merge_chain_over_separate_calls_ends_on_the_final_survivor(connection, order):
    chain = _chain(connection, "ABC")
    for name in order:
        outcome = _map(connection, chain[name])
        assert not outcome.failures and outcome.total == 1
    profile = _profile(chain["C"])
    assert profile.contact_id == chain["C"].pk
    assert _profile(chain["A"]) == _profile(chain["B"]) == profile
    assert _counts(remap_connection(connection)) == (0, 0, 3, [])


@pytest.mark.parametrize("order", ["ABC", "ACB", "BAC", "BCA", "CAB", "CBA"])
def test_a_merge_chain_stored_a_contact_at_a_time_ends_on_the_final_survivor(connection, order):
    """As an import brings them: each contact is mapped when it is stored, before the rest."""
    chain = {}
    for name in order:
        chain.update(_chain(connection, name))
        assert not _map(connection, chain[name]).failures
    profile = _profile(chain["C"])
    assert profile.contact_id == chain["C"].pk
    assert _profile(chain["A"]) == _profile(chain["B"]) == profile
    assert _counts(remap_connection(connection)) == (0, 0, 3, [])


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
