"""Thrive contacts → CandidateProfiles, a page at a time, in a constant number of statements.

The import engine calls `map_contacts` inside each page's transaction with the contacts whose
payload just changed; after a mapping change, `remap_batches` runs the same code over every
stored contact, a batch per transaction (a remap run records each batch's counts and checkpoint
in it). Both read stored payloads only: mapping never calls Thrive.

Per call, whatever the number of contacts: the mappings, the contacts, the contacts they were
merged into (one more query per further step of a merge chain) and the existing links are read
with one query each (two for the links); the candidates for contacts with no profile yet with
one query per matching key, and the profiles found or already linked with one more. New
profiles are inserted with one statement, changed ones updated with one, their name/employer
keys replaced with two, links upserted with one. Each lookup is a plain indexed one (see
lookups.py), so its cost does not grow with the profiles stored. 11 statements for a page of
new contacts, 5 for a page with nothing to change.

Merges: when Thrive merged contact A into B (A's payload names B in `merged_into_id`), A is an
alias. B's profile is A's old profile if B has none, so the profile is re-pointed rather than
duplicated, and A's link follows B's profile. A chain (A into B, B into C) ends at its final
survivor: A and B both follow C, whatever the order they are mapped in. A merge that names no
survivor is ignored and its contact mapped as an ordinary one, so nobody is left without a
profile: a contact merged into itself, and every member of a loop (8 into 15 and 15 into 8);
the matcher still puts loop members that are one person (same email, ...) on one profile. A
contact merged into a loop's member follows that member.
"""

from __future__ import annotations

import datetime
from collections import defaultdict
from collections.abc import Callable, Hashable, Iterator, Mapping
from dataclasses import dataclass, field
from typing import Any, NamedTuple, TypeVar

from django.db import transaction
from django.utils import timezone

from ..exceptions import MappingError
from ..lookups import by_pks
from ..models import (
    CandidateProfile,
    Connection,
    Contact,
    ContactProfileLink,
    FieldMapping,
    ProfileNameEmployerKey,
)
from ..models.mirror import MirrorModel
from ..sync.bulk import insert_rows, insert_rows_returning_pks, instance_row, update_rows
from ..sync.payloads import attach_children
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
    if "remote_data" in contact.get_deferred_fields():
        # Loaded without its payload (it was mapped ahead): the column the import extracts.
        return contact.merged_into_remote_id
    payload = contact.remote_data if isinstance(contact.remote_data, dict) else {}
    value = payload.get("merged_into_id") or contact.merged_into_remote_id
    return str(value) if value else ""


# What placing a contact mapped ahead reads of it.
_PLACED_FIELDS = ("id", "connection_id", "remote_id", "remote_deleted_at", "merged_into_remote_id")

# What a contact maps to ahead of its page's write (`contact_mapper`): its values, or why not.
Premapped = MappedContact | MappingError


class _Page:
    """The state of one call: loaded rows, decisions, and the writes they add up to."""

    def __init__(
        self,
        connection: Connection,
        mappings: list[FieldMapping],
        today: datetime.date,
        premapped: Mapping[int, Premapped],
    ) -> None:
        self.connection = connection
        self.mappings = mappings
        self.today = today
        self.premapped = premapped
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
        self.survivors: dict[int, Contact] = {}  # alias pk → the end of its merge chain

    def canonical(self, profile: CandidateProfile) -> CandidateProfile:
        """One Python object per profile row, however many queries returned it."""
        return self.profiles.setdefault(profile.pk, profile)

    def load(self, contact_ids: list[int]) -> list[Contact]:
        # Contacts mapped ahead need no payload: not reading it spares decoding it.
        ahead = all(pk in self.premapped for pk in contact_ids)
        rows = Contact.objects.only(*_PLACED_FIELDS) if ahead else Contact.objects.all()
        contacts = by_pks(rows, self.connection, contact_ids)
        with_payload = [] if ahead else list(contacts)
        self.by_remote_id = {c.remote_id: c for c in contacts}
        added = contacts
        while missing := {
            rid for c in added if (rid := merged_into(c)) and rid not in self.by_remote_id
        }:  # the contacts they were merged into, and theirs, down each chain
            added = list(Contact.objects.filter(connection=self.connection, remote_id__in=missing))
            contacts += added
            with_payload += added
            self.by_remote_id.update((c.remote_id, c) for c in added)
        attach_children(with_payload)
        self.contacts = {c.pk: c for c in contacts}
        for contact in contacts:
            if (end := self.follow(contact)) is not None:
                self.survivors[contact.pk] = end
        # Two plain indexed lookups, no OR and no join, so each keeps its index even on a
        # freshly loaded table SQLite has no statistics for (see lookups.py).
        columns = ("contact_id", "profile_id", "merged_into_remote_id")
        own = ContactProfileLink.objects.filter(contact_id__in=list(self.contacts))
        merged = ContactProfileLink.objects.filter(
            connection=self.connection, merged_into_remote_id__in=list(self.by_remote_id)
        )
        links = {
            link.contact_id: link
            for lookup in (own, merged)
            for link in lookup.order_by().values_list(*columns, named=True)
        }.values()
        for link in links:
            self.linked[link.contact_id] = link.profile_id
            self.link_merged_into[link.contact_id] = link.merged_into_remote_id
            # A loaded contact's payload says what it is merged into; the others', their link.
            if link.merged_into_remote_id and link.contact_id not in self.contacts:
                target = self.by_remote_id.get(link.merged_into_remote_id)
                end = self.survivors.get(target.pk, target) if target else None
                self.aliases[end.remote_id if end else link.merged_into_remote_id].add(
                    link.contact_id
                )
        for pk, end in self.survivors.items():
            self.aliases[end.remote_id].add(pk)
        return contacts

    def follow(self, contact: Contact) -> Contact | None:
        """The end of the contact's merge chain, or None when it is no alias.

        A chain ends at a contact merged into nothing, into itself, into a contact not
        stored or into one deleted in Thrive (it is mapped no more, so its alias would be left
        without a profile). A merge loop names no survivor: its members are no aliases, and a
        chain that runs into a loop ends at the first member it reaches.
        """
        chain = [contact]
        while (
            (target := self.by_remote_id.get(merged_into(chain[-1]))) is not None
            and target.pk != chain[-1].pk
            and target.remote_deleted_at is None
        ):
            if target in chain:  # a loop
                return None if target.pk == contact.pk else target
            chain.append(target)
        return chain[-1] if len(chain) > 1 else None

    def survivor(self, contact: Contact) -> Contact | None:
        return self.survivors.get(contact.pk)

    def map_all(self, contacts: list[Contact]) -> dict[int, MappedContact]:
        mapped = {}
        for contact in contacts:
            if contact.remote_deleted_at or self.survivor(contact):
                continue
            try:
                result = self.premapped.get(contact.pk) or map_contact(
                    contact.remote_data, self.mappings, self.today
                )
            except MappingError as error:
                result = error
            if isinstance(result, MappingError):
                self.failures[contact.pk] = str(result)
            else:
                mapped[contact.pk] = result
        return mapped

    def known_profile_id(self, contact: Contact) -> int | None:
        """The profile the contact, or a contact merged into it, is linked to already."""
        aliases = sorted(self.aliases.get(contact.remote_id, ()))
        return self.linked.get(contact.pk) or next(
            (self.linked[pk] for pk in aliases if pk in self.linked), None
        )

    def load_profiles(self, unplaced: list[MappedContact]) -> ProfileIndex:
        """The linked profiles and the candidates for contacts without one."""
        pks = ProfileIndex.candidates(self.connection, unplaced) | set(self.linked.values())
        profiles = CandidateProfile.objects.only(*LOADED_FIELDS)
        return ProfileIndex(map(self.canonical, by_pks(profiles, self.connection, pks)))

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

    def follow_unloaded_aliases(self) -> None:
        """Contacts not in this call whose link records a merge into a survivor placed here
        follow its profile, so none stays behind on the profile it had before the survivor
        (or the survivor's own merge, in a chain) was stored."""
        for remote_id, pks in self.aliases.items():
            survivor = self.by_remote_id.get(remote_id)
            profile = self.profile_of.get(survivor.pk) if survivor else None
            if profile is None:
                continue
            for pk in pks - self.contacts.keys():
                if self.linked[pk] != profile.pk:
                    self.links[pk] = profile

    def save(self) -> None:
        now = timezone.now()
        for profile in self.new_profiles:
            profile.created_at = profile.updated_at = now
        rows = [instance_row(profile) for profile in self.new_profiles]
        for profile, pk in zip(
            self.new_profiles, insert_rows_returning_pks(CandidateProfile, rows), strict=True
        ):
            profile.pk = pk
        for profile in self.changed_profiles.values():
            profile.updated_at = now
        changed = [instance_row(p, _PROFILE_WRITE_FIELDS) for p in self.changed_profiles.values()]
        update_rows(CandidateProfile, changed, _PROFILE_WRITE_FIELDS)
        self.save_name_employer_keys()
        links = [
            {
                "connection_id": self.connection.pk,
                "contact_id": pk,
                "profile_id": profile.pk,
                "merged_into_remote_id": (
                    merged_into(self.contacts[pk])
                    if pk in self.contacts
                    else self.link_merged_into[pk]
                )[:64],
            }
            for pk, profile in self.links.items()
        ]
        insert_rows(
            ContactProfileLink,
            links,
            conflict="contact_id",
            update=("profile", "merged_into_remote_id"),
        )

    def save_name_employer_keys(self) -> None:
        """Replace the name/employer keys of every profile written in this call."""
        if self.changed_profiles:
            ProfileNameEmployerKey.objects.filter(
                profile_id__in=list(self.changed_profiles)
            ).delete()
        written = [*self.new_profiles, *self.changed_profiles.values()]
        keys = [
            {"connection_id": self.connection.pk, "profile_id": profile.pk, "key": key}
            for profile in written
            for key in name_employer_keys(profile.name_key, profile.work_experience)
        ]
        insert_rows(ProfileNameEmployerKey, keys)


def import_mappings(connection: Connection, thrive_object: str) -> list[FieldMapping]:
    """The connection's mappings of `thrive_object` that import."""
    return [
        m
        for m in ensure_default_mappings(connection)
        if m.imports and m.thrive_object == thrive_object
    ]


def mapping_state(mappings: list[FieldMapping]) -> Hashable:
    """What of the mappings a payload's mapping depends on: a change means mapping again."""
    return tuple(
        (m.pk, m.thrive_object, m.platform_field, tuple(m.thrive_paths), m.transform)
        for m in mappings
    )


def _contact_state(mappings: list[FieldMapping], today: datetime.date) -> Hashable:
    # Off-limit reasons expire: the day matters too.
    return today, mapping_state(mappings)


_Result = TypeVar("_Result")


def returning_errors(
    map_payload: Callable[[Any], _Result],
) -> Callable[[Any], _Result | MappingError]:
    """`map_payload` answering a MappingError rather than raising it: a page mapped ahead
    hands each record's failure to the page's write, which reports it with the record."""

    def premap(payload: Any) -> _Result | MappingError:
        try:
            return map_payload(payload)
        except MappingError as error:
            return error

    return premap


def contact_mapper(connection: Connection) -> tuple[Hashable, Callable[[Any], Premapped]]:
    """The mapping of one contact payload with the connection's mappings of today, and the
    state it depends on: pure, so an import may map a page ahead, in another process."""
    mappings = import_mappings(connection, FieldMapping.ThriveObject.CONTACT)
    today = timezone.localdate()
    premap = returning_errors(lambda payload: map_contact(payload, mappings, today))
    return _contact_state(mappings, today), premap


def map_contacts(
    connection: Connection,
    contact_ids: list[int],
    *,
    premapped: Mapping[int, Premapped] | None = None,
    state: Hashable = None,
) -> MappingOutcome:
    """Map stored contacts to profiles; call inside the page's transaction.

    `premapped` (contact id → what `contact_mapper` made of its payload, in `state`) is used
    when the mappings are still those it was made with; otherwise the contacts are mapped
    here. Contacts that fail to map are reported in `failures` as (remote_id, reason) and the
    rest of the page is kept. Counts are per requested contact.
    """
    mappings = import_mappings(connection, FieldMapping.ThriveObject.CONTACT)
    today = timezone.localdate()
    if state != _contact_state(mappings, today):
        premapped = None  # the mappings (or the day) changed since the page was prepared
    page = _Page(connection, mappings, today, premapped or {})
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
        elif survivor is not None and survivor.pk in page.failures:
            reason = page.failures[survivor.pk]
            page.failures[contact.pk] = f"merged into {survivor.remote_id}, which failed: {reason}"
    page.follow_unloaded_aliases()
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


class IdBatch(NamedTuple):
    ids: list[int]
    last_remote_id: str


def stored_id_batches(
    model: type[MirrorModel], connection: Connection, batch_size: int, after: str | None = None
) -> Iterator[IdBatch]:
    """The connection's `model` record ids, a batch at a time, from the first remote id past
    `after` (all of them when None), by keyset on the (connection, remote id) index: no
    OFFSET, and no batch reads the rows of the ones before it."""
    records = model.objects.filter(connection=connection).order_by("remote_id")
    while batch := list(
        (records.filter(remote_id__gt=after) if after is not None else records).values_list(
            "pk", "remote_id"
        )[:batch_size]
    ):
        after = batch[-1][1]
        yield IdBatch([pk for pk, _ in batch], after)


# Called inside a batch's transaction with the batch's outcome and its last remote id.
BatchRecorder = Callable[[MappingOutcome, str], None]
# Re-maps stored records given by id (a batch), inside the batch's transaction.
BatchRemapper = Callable[[Connection, list[int]], MappingOutcome]


def remap_stored(
    connection: Connection,
    model: type[MirrorModel],
    remap: BatchRemapper,
    batch_size: int,
    *,
    after: str | None = None,
    record: BatchRecorder | None = None,
) -> Iterator[MappingOutcome]:
    """Re-map the stored `model` records from their payloads, a batch at a time; no HTTP.

    One transaction per batch, so a large connection neither holds a long transaction nor
    loads all ids at once. `record` runs inside each batch's transaction, so what a caller
    keeps of the batch (a run's counts and checkpoint) commits or rolls back with what the
    batch wrote. Each outcome is yielded once its batch committed: a caller may stop between
    any two batches and continue later from the last remote id recorded, with no batch mapped
    or counted twice.
    """
    for batch in stored_id_batches(model, connection, batch_size, after):
        with transaction.atomic():
            outcome = remap(connection, batch.ids)
            if record is not None:
                record(outcome, batch.last_remote_id)
        yield outcome


def remap_batches(
    connection: Connection,
    batch_size: int = 500,
    *,
    after: str | None = None,
    record: BatchRecorder | None = None,
) -> Iterator[MappingOutcome]:
    """Re-map stored contacts to their profiles (see `remap_stored`)."""
    return remap_stored(connection, Contact, map_contacts, batch_size, after=after, record=record)


def remap_connection(connection: Connection, batch_size: int = 500) -> MappingOutcome:
    """Re-map every stored contact of `connection` here and now, with nothing recorded.

    For scripts and tests; the API and the admin request a remap run instead
    (`sync.runner.request_remap`), which works through the same batches in a task.
    """
    outcome = MappingOutcome()
    for batch_outcome in remap_batches(connection, batch_size):
        outcome += batch_outcome
    return outcome
