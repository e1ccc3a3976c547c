"""Which existing CandidateProfile a freshly mapped contact is, as the platform decides it.

Strong identifiers first: email (personal or work), then LinkedIn, then GitHub. Failing those,
the same name *and* at least one shared employer: a name alone is too common to merge on, a
placeholder employer ("Freelance") is no shared history, and two different LinkedIn or GitHub
accounts are two people whatever their names. Otherwise the contact is someone new.

The index is built from one query per page and grows as the page creates profiles, so two
contacts of one page that are the same person get one profile, not two.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable

from .. import normalize
from ..lookups import values_in
from ..models import CandidateProfile, Connection, ProfileNameEmployerKey
from .apply import MappedContact

# What matching and the engine read of an existing profile. The rest (notes, education...) is
# never read, only overwritten whole when the profile is filled, so it is not loaded: a page's
# candidates can be many profiles with large JSON columns.
LOADED_FIELDS = (
    "id",
    "connection_id",
    "contact_id",
    "mapped_hash",
    "activity_feed",
    "email_key",
    "work_email_key",
    "linkedin_key",
    "github_key",
    "name_key",
    "work_experience",
)

# Employers that many unrelated people share: no evidence that two records are one person.
PLACEHOLDER_EMPLOYERS = frozenset(
    {
        "freelance",
        "freelancer",
        "self-employed",
        "self employed",
        "independent",
        "consultant",
        "stealth",
        "stealth startup",
        "confidential",
        "n/a",
        "none",
        "unemployed",
        "-",
    }
)


def company_keys(work_experience: object) -> set[str]:
    """Normalised employer names of a work history, placeholders left out."""
    entries = work_experience if isinstance(work_experience, list) else []
    names = (
        normalize.name_key(entry.get("company_name"))
        for entry in entries
        if isinstance(entry, dict)
    )
    return {name for name in names if name and name not in PLACEHOLDER_EMPLOYERS}


def name_employer_keys(name_key: str, work_experience: object) -> set[str]:
    """The indexed form of "this name at this employer", one per employer."""
    if not name_key:
        return set()
    return {f"{name_key}|{company}"[:512] for company in company_keys(work_experience)}


def _different_accounts(contact: MappedContact, profile: CandidateProfile) -> bool:
    """One person has one LinkedIn and one GitHub account; two different ones are two people."""
    return any(
        contact.values[key]
        and getattr(profile, key)
        and contact.values[key] != getattr(profile, key)
        for key in ("linkedin_key", "github_key")
    )


class ProfileIndex:
    def __init__(self, profiles: Iterable[CandidateProfile] = ()) -> None:
        self._by_email: dict[str, CandidateProfile] = {}
        self._by_linkedin: dict[str, CandidateProfile] = {}
        self._by_github: dict[str, CandidateProfile] = {}
        # name key → {id(profile): profile}: unsaved profiles have no pk to key on yet.
        self._by_name: dict[str, dict[int, CandidateProfile]] = defaultdict(dict)
        for profile in profiles:
            self.add(profile)

    @staticmethod
    def candidates(connection: Connection, mapped: Iterable[MappedContact]) -> set[int]:
        """The ids of the profiles sharing a key with `mapped`.

        One query per key, each on its (connection, key) index: SQLite does not combine
        indexes for an OR under the connection's equality, and would read the connection.
        """
        emails, linkedins, githubs, name_employers = set(), set(), set(), set()
        for contact in mapped:
            emails |= contact.email_keys
            linkedins.add(contact.values["linkedin_key"])
            githubs.add(contact.values["github_key"])
            name_employers |= name_employer_keys(
                contact.values["name_key"], contact.values["work_experience"]
            )
        keys = {
            "email_key": emails,
            "work_email_key": emails,
            "linkedin_key": linkedins - {""},
            "github_key": githubs - {""},
        }
        lookups = [
            values_in(CandidateProfile, ("id",), (key, values), connection_id=connection.pk)
            for key, values in keys.items()
        ]
        lookups.append(
            values_in(
                ProfileNameEmployerKey,
                ("profile_id",),
                ("key", name_employers),
                connection_id=connection.pk,
            )
        )
        return {pk for rows in lookups for (pk,) in rows}

    def add(self, profile: CandidateProfile) -> None:
        for key in (profile.email_key, profile.work_email_key):
            if key:
                self._by_email.setdefault(key, profile)
        if profile.linkedin_key:
            self._by_linkedin.setdefault(profile.linkedin_key, profile)
        if profile.github_key:
            self._by_github.setdefault(profile.github_key, profile)
        if profile.name_key:
            self._by_name[profile.name_key][id(profile)] = profile

    def find(self, contact: MappedContact) -> CandidateProfile | None:
        for key in sorted(contact.email_keys):
            if key in self._by_email:
                return self._by_email[key]
        for key, index in (("linkedin_key", self._by_linkedin), ("github_key", self._by_github)):
            if contact.values[key] in index:
                return index[contact.values[key]]
        companies = company_keys(contact.values["work_experience"])
        if not companies:
            return None
        for profile in self._by_name.get(contact.values["name_key"], {}).values():
            if companies & company_keys(profile.work_experience) and not _different_accounts(
                contact, profile
            ):
                return profile
        return None
