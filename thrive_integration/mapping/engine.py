"""Thrive contacts → CandidateProfiles, a page at a time, in a constant number of statements.

The import engine calls `map_contacts` inside each page's transaction with the contacts whose
payload just changed; `remap_connection` runs the same code over every stored contact after a
mapping change. Both read stored payloads only: mapping never calls Thrive.

Per call, whatever the number of contacts: the mappings, the contacts, the contacts they were
merged into, the existing links and (for contacts with no profile yet) the candidate profiles
are each read with one query (the last also brings the profiles already linked); new
profiles are inserted with one statement, changed ones upserted with one, their name/employer
keys replaced with two, links upserted with one. At most ten (two more once, when the default
mappings are created); 7 for a page of new contacts, 4 for a page with nothing to change.

Merges: when Thrive merged contact A into B (A's payload names B in `merged_into_id`), A is an
alias. B's profile is A's old profile if B has none, so the profile is re-pointed rather than
duplicated, and A's link follows B's profile.
"""

from __future__ import annotations

import datetime
from collections import defaultdict
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field

from django.db import transaction
from django.db.models import Q
from django.utils import timezone

from ..exceptions import MappingError
from ..models import (
    CandidateProfile,
    Connection,
    Contact,
    ContactProfileLink,
    FieldMapping,
    ProfileNameEmployerKey,
)
from .apply import MappedContact, map_contact
from .defaults import ensure_default_mappings
from .matching import LOADED_FIELDS, ProfileIndex, name_employer_keys

_PROFILE_WRITE_FIELDS = [
    f.name
    for f in CandidateProfile._meta.concrete_fields
    if f.name not in ("id", "connection", "created_at", "activity_feed")
]


@dataclass
class MappingOutcome:
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    failures: list[tuple[str, str]] = field(default_factory=list)

    def __iadd__(self, other: MappingOutcome) -> MappingOutcome:
        self.created += other.created
        self.updated += other.updated
        self.unchanged += other.unchanged
        self.failures.extend(other.failures)
        return self

    @property
    def total(self) -> int:
        return self.created + self.updated + self.unchanged + len(self.failures)


def merged_into(contact: Contact) -> str:
    """The remote id Thrive merged this contact into, or ""."""
    payload = contact.remote_data if isinstance(contact.remote_data, dict) else {}
    value = payload.get("merged_into_id") or contact.merged_into_remote_id
    return str(value) if value else ""


class _Page:
    """The state of one call: loaded rows, decisions, and the writes they add up to."""

    def __init__(
        self, connection: Connection, mappings: list[FieldMapping], today: datetime.date
    ) -> None:
        self.connection = connection
        self.mappings = mappings
        self.today = today
        self.profile_of: dict[int, CandidateProfile] = {}  # contact pk → profile
        self.new_profiles: list[CandidateProfile] = []
        self.changed_profiles: dict[int, CandidateProfile] = {}
        self.links: dict[int, CandidateProfile] = {}  # contact pk → profile to link to
        self.status: dict[int, str] = {}  # contact pk → created / updated / unchanged
        self.failures: dict[int, str] = {}
        self.profiles: dict[int, CandidateProfile] = {}  # pk → the one instance used
        self.linked: dict[int, int] = {}  # contact pk → pk of the profile it is linked to
        self.link_merged_into: dict[int, str] = {}  # contact pk → merge recorded on its link
        self.aliases: dict[str, set[int]] = defaultdict(set)  # survivor remote id → alias pks

    def canonical(self, profile: CandidateProfile) -> CandidateProfile:
        """One Python object per profile row, however many queries returned it."""
        return self.profiles.setdefault(profile.pk, profile)

    def load(self, contact_ids: Iterable[int]) -> list[Contact]:
        contacts = list(
            Contact.objects.filter(connection=self.connection, pk__in=list(contact_ids))
        )
        by_remote_id = {c.remote_id: c for c in contacts}
        missing = {rid for c in contacts if (rid := merged_into(c)) and rid not in by_remote_id}
        if missing:
            contacts += Contact.objects.filter(connection=self.connection, remote_id__in=missing)
        self.contacts = {c.pk: c for c in contacts}
        self.by_remote_id = {c.remote_id: c for c in contacts}
        links = (
            ContactProfileLink.objects.filter(connection=self.connection)
            .filter(
                Q(contact_id__in=list(self.contacts))
                | Q(merged_into_remote_id__in=list(self.by_remote_id))
            )
            # No join: the profiles come with the candidates, and a plain indexed lookup keeps
            # its plan even on a freshly loaded, not yet analysed table.
            .values_list("contact_id", "profile_id", "merged_into_remote_id", named=True)
        )
        for link in links:
            self.linked[link.contact_id] = link.profile_id
            self.link_merged_into[link.contact_id] = link.merged_into_remote_id
            if link.merged_into_remote_id:
                self.aliases[link.merged_into_remote_id].add(link.contact_id)
        for contact in contacts:
            if rid := merged_into(contact):
                self.aliases[rid].add(contact.pk)
        return contacts

    def survivor(self, contact: Contact) -> Contact | None:
        return self.by_remote_id.get(merged_into(contact))

    def map_all(self, contacts: list[Contact]) -> dict[int, MappedContact]:
        mapped = {}
        for contact in contacts:
            if contact.remote_deleted_at or self.survivor(contact):
                continue
            try:
                mapped[contact.pk] = map_contact(contact.remote_data, self.mappings, self.today)
            except MappingError as error:
                self.failures[contact.pk] = str(error)
        return mapped

    def known_profile_id(self, contact: Contact) -> int | None:
        """The profile the contact, or a contact merged into it, is linked to already."""
        aliases = sorted(self.aliases.get(contact.remote_id, ()))
        return self.linked.get(contact.pk) or next(
            (self.linked[pk] for pk in aliases if pk in self.linked), None
        )

    def load_profiles(self, unplaced: list[MappedContact]) -> ProfileIndex:
        """One query: the linked profiles and the candidates for contacts without one."""
        query = ProfileIndex.candidates(self.connection, unplaced) | Q(
            pk__in=set(self.linked.values())
        )
        profiles = CandidateProfile.objects.filter(query, connection=self.connection)
        return ProfileIndex(map(self.canonical, profiles.only(*LOADED_FIELDS)))

    def place(self, contact: Contact, mapped: MappedContact, index: ProfileIndex) -> None:
        """Find or create the profile of a contact that is not an alias, and fill it.

        The contact fills the profile when it is (or replaces, after a merge) the profile's
        primary contact; a duplicate matched by key only links to it, so two Thrive records
        of one person do not overwrite each other on every import.
        """
        aliases = self.aliases.get(contact.remote_id, set())
        known = self.known_profile_id(contact)
        profile = self.profiles[known] if known else index.find(mapped)
        if profile is None:
            profile = CandidateProfile(connection=self.connection)
            self.new_profiles.append(profile)
            self.status[contact.pk] = "created"
        if (
            profile.contact_id is None
            or profile.contact_id == contact.pk
            or (profile.contact_id in aliases)
        ):
            self.fill(contact, profile, mapped)
        index.add(profile)
        self.link(contact, profile)

    def fill(self, contact: Contact, profile: CandidateProfile, mapped: MappedContact) -> None:
        if profile.mapped_hash == mapped.hash and profile.contact_id == contact.pk:
            return
        for name, value in mapped.values.items():
            setattr(profile, name, value)
        profile.mapped_hash = mapped.hash
        profile.contact_id = contact.pk
        if profile.pk:
            self.changed_profiles[profile.pk] = profile
            self.status.setdefault(contact.pk, "updated")

    def link(self, contact: Contact, profile: CandidateProfile) -> None:
        self.profile_of[contact.pk] = profile
        if (
            profile.pk is None
            or self.linked.get(contact.pk) != profile.pk
            or self.link_merged_into.get(contact.pk) != merged_into(contact)
        ):
            self.links[contact.pk] = profile
            self.status.setdefault(contact.pk, "updated")
        self.status.setdefault(contact.pk, "unchanged")

    def save(self) -> None:
        CandidateProfile.objects.bulk_create(self.new_profiles)
        if self.changed_profiles:
            CandidateProfile.objects.bulk_create(
                list(self.changed_profiles.values()),
                update_conflicts=True,
                unique_fields=["id"],
                update_fields=_PROFILE_WRITE_FIELDS,
            )
        self.save_name_employer_keys()
        if self.links:
            ContactProfileLink.objects.bulk_create(
                [
                    ContactProfileLink(
                        connection=self.connection,
                        contact_id=pk,
                        profile=profile,
                        merged_into_remote_id=merged_into(self.contacts[pk])[:64],
                    )
                    for pk, profile in self.links.items()
                ],
                update_conflicts=True,
                unique_fields=["contact"],
                update_fields=["profile", "merged_into_remote_id"],
            )

    def save_name_employer_keys(self) -> None:
        """Replace the name/employer keys of every profile written in this call."""
        if self.changed_profiles:
            ProfileNameEmployerKey.objects.filter(
                profile_id__in=list(self.changed_profiles)
            ).delete()
        written = [*self.new_profiles, *self.changed_profiles.values()]
        ProfileNameEmployerKey.objects.bulk_create(
            ProfileNameEmployerKey(connection=self.connection, profile=profile, key=key)
            for profile in written
            for key in name_employer_keys(profile.name_key, profile.work_experience)
        )


def map_contacts(connection: Connection, contact_ids: list[int]) -> MappingOutcome:
    """Map stored contacts to profiles; call inside the page's transaction.

    Contacts that fail to map are reported in `failures` as (remote_id, reason) and the rest
    of the page is kept. Counts are per requested contact.
    """
    mappings = [m for m in ensure_default_mappings(connection) if m.imports]
    page = _Page(connection, mappings, timezone.localdate())
    contacts = page.load(contact_ids)
    mapped = page.map_all(contacts)
    # Only contacts without a profile yet are matched: a linked contact stays with its profile
    # even when its email changes, and a page of known contacts loads no candidates at all.
    unplaced = [m for pk, m in mapped.items() if not page.known_profile_id(page.contacts[pk])]
    index = page.load_profiles(unplaced)
    for contact in contacts:  # survivors and ordinary contacts first, so aliases can follow
        if contact.pk in mapped:
            page.place(contact, mapped[contact.pk], index)
    for contact in contacts:
        survivor = page.survivor(contact)
        if survivor is not None and survivor.pk in page.profile_of:
            page.link(contact, page.profile_of[survivor.pk])
    page.save()
    return _outcome(page, contact_ids)


def _outcome(page: _Page, contact_ids: list[int]) -> MappingOutcome:
    outcome = MappingOutcome()
    for pk in contact_ids:
        contact = page.contacts.get(pk)
        if contact is None:
            continue
        if pk in page.failures:
            outcome.failures.append((contact.remote_id, page.failures[pk]))
            continue
        status = page.status.get(pk, "unchanged")
        setattr(outcome, status, getattr(outcome, status) + 1)
    return outcome


def contact_id_batches(connection: Connection, batch_size: int) -> Iterator[list[int]]:
    """The connection's contact ids in pk order, a batch at a time, by keyset (no OFFSET)."""
    contacts = Contact.objects.filter(connection=connection).order_by("pk")
    last_pk = 0
    while ids := list(contacts.filter(pk__gt=last_pk).values_list("pk", flat=True)[:batch_size]):
        yield ids
        last_pk = ids[-1]


def remap_connection(connection: Connection, batch_size: int = 500) -> MappingOutcome:
    """Re-map every stored contact of `connection` from its stored payload; no HTTP.

    One transaction per batch, so a large connection neither holds a long transaction nor
    loads all ids at once.
    """
    outcome = MappingOutcome()
    for ids in contact_id_batches(connection, batch_size):
        with transaction.atomic():
            outcome += map_contacts(connection, ids)
    return outcome
