"""Which existing CandidateProfile a freshly mapped contact is, as the platform decides it.

Strong identifiers first: email (personal or work), then LinkedIn, then GitHub. Failing those,
the same name *and* at least one shared employer: a name alone is too common to merge on.
Otherwise the contact is someone new. The index is built from one query per page and grows
as the page creates profiles, so two contacts of one page that are the same person get one
profile, not two.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable

from django.db.models import Q

from .. import normalize
from ..models import CandidateProfile, Connection
from .apply import MappedContact


def _company_keys(profile: CandidateProfile) -> set[str]:
    return {
        normalize.name_key(entry.get("company_name"))
        for entry in profile.work_experience or []
        if isinstance(entry, dict) and entry.get("company_name")
    }


class ProfileIndex:
    def __init__(self, profiles: Iterable[CandidateProfile] = ()) -> None:
        self._by_email: dict[str, CandidateProfile] = {}
        self._by_linkedin: dict[str, CandidateProfile] = {}
        self._by_github: dict[str, CandidateProfile] = {}
        self._by_name: dict[str, list[CandidateProfile]] = defaultdict(list)
        for profile in profiles:
            self.add(profile)

    @staticmethod
    def candidates(connection: Connection, mapped: Iterable[MappedContact]):
        """One query: every profile of the connection sharing a key with `mapped`."""
        emails, linkedins, githubs, names = set(), set(), set(), set()
        for contact in mapped:
            emails |= contact.email_keys
            linkedins.add(contact.values["linkedin_key"])
            githubs.add(contact.values["github_key"])
            names.add(contact.values["name_key"])
        linkedins.discard("")
        githubs.discard("")
        names.discard("")
        query = (
            Q(email_key__in=emails)
            | Q(work_email_key__in=emails)
            | Q(linkedin_key__in=linkedins)
            | Q(github_key__in=githubs)
            | Q(name_key__in=names)
        )
        return CandidateProfile.objects.filter(query, connection=connection)

    def add(self, profile: CandidateProfile) -> None:
        for key in (profile.email_key, profile.work_email_key):
            if key:
                self._by_email.setdefault(key, profile)
        if profile.linkedin_key:
            self._by_linkedin.setdefault(profile.linkedin_key, profile)
        if profile.github_key:
            self._by_github.setdefault(profile.github_key, profile)
        if profile.name_key and profile not in self._by_name[profile.name_key]:
            self._by_name[profile.name_key].append(profile)

    def find(self, contact: MappedContact) -> CandidateProfile | None:
        for key in sorted(contact.email_keys):
            if key in self._by_email:
                return self._by_email[key]
        for key, index in (("linkedin_key", self._by_linkedin), ("github_key", self._by_github)):
            if contact.values[key] in index:
                return index[contact.values[key]]
        companies = contact.company_keys
        if not companies:
            return None
        for profile in self._by_name.get(contact.values["name_key"], []):
            if companies & _company_keys(profile):
                return profile
        return None
