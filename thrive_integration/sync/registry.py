"""One small declaration per Thrive resource; the engine knows no resource by name.

Order matters only for readers of the run (users, then what references them, as Findem does):
references between top-level objects are remote ids, so no resource needs another to import.
The external recruitment team member of a search is not imported: Thrive serves it only one
search at a time, which would cost a request per search for a single name.
"""

from __future__ import annotations

from collections.abc import Callable, Hashable
from dataclasses import dataclass, field
from typing import Any

from django.db.models import Model

from .. import models as m
from .rows import PayloadPath


@dataclass
class HookOutcome:
    """What an `after_page` hook reports: counts for the step, and records it could not use."""

    counts: dict[str, int] = field(default_factory=dict)
    failures: list[tuple[str, str]] = field(default_factory=list)


@dataclass(frozen=True)
class RecordPreparer:
    """The per-record part of an `after_page` hook that needs no database.

    It runs where a page is prepared (possibly another process, ahead of the write); `state`
    is what it read from the database beforehand (the field mappings, say), so the hook can
    tell whether its result still holds when the page is written.
    """

    state: Hashable
    prepare: Callable[[dict], Any]


@dataclass(frozen=True)
class WrittenRecords:
    """What an `after_page` hook receives: the local ids of the page's new or changed
    records, each with what the resource's preparer made of it (None without one)."""

    prepared: dict[int, Any]
    preparer_state: Hashable = None

    @property
    def ids(self) -> list[int]:
        return list(self.prepared)


@dataclass(frozen=True)
class ChildSpec:
    """A child list embedded in its parent's payload under `key` (also its `include` value)."""

    key: str
    model: type[Model]
    parent_field: str
    fields: dict[str, PayloadPath]
    # Constant field values, and a prefix that keeps ids unique when lists share one model.
    constants: dict[str, str] = field(default_factory=dict)
    id_prefix: str = ""


@dataclass(frozen=True)
class ResourceSpec:
    name: str
    path: str
    model: type[Model]
    # Local field -> payload path (dots walk into embedded objects), or a tuple of paths read
    # in order until one holds a value (a reference sent as an id or as an embedded object).
    fields: dict[str, PayloadPath]
    children: tuple[ChildSpec, ...] = ()
    # Called inside each page's transaction with the records whose payload changed.
    after_page: Callable[[m.Connection, WrittenRecords], HookOutcome] | None = None
    # Made once per listing, before its pages are prepared: the hook's per-record work.
    preparer: Callable[[m.Connection], RecordPreparer] | None = None

    @property
    def include(self) -> tuple[str, ...]:
        return tuple(child.key for child in self.children)


def _same(*names: str) -> dict[str, str]:
    return {name: name for name in names}


def _team(team: str) -> ChildSpec:
    return ChildSpec(
        f"{team}_team_memberships",
        m.SearchTeamMembership,
        "search",
        {"user_remote_id": "user_id", "role": "role"},
        constants={"team": team},
        id_prefix=f"{team}:",
    )


def _contact_preparer(connection: m.Connection) -> RecordPreparer:
    from ..mapping import contact_mapper

    state, mapper = contact_mapper(connection)
    return RecordPreparer(state, mapper)


def _map_contacts(connection: m.Connection, written: WrittenRecords) -> HookOutcome:
    from ..mapping import map_contacts

    outcome = map_contacts(
        connection, written.ids, premapped=written.prepared, state=written.preparer_state
    )
    return HookOutcome(
        {"profiles_created": outcome.created, "profiles_updated": outcome.updated},
        outcome.failures,
    )


def _map_candidacy_stages(connection: m.Connection, written: WrittenRecords) -> HookOutcome:
    from ..pipeline.hooks import after_candidacy_stages_page

    return HookOutcome({"stages_mapped": after_candidacy_stages_page(connection, written.ids)})


def _candidacy_preparer(connection: m.Connection) -> RecordPreparer:
    from ..mapping.candidacies import candidacy_mapper

    state, mapper = candidacy_mapper(connection)
    return RecordPreparer(state, mapper)


def _map_candidacies(connection: m.Connection, written: WrittenRecords) -> HookOutcome:
    from ..mapping.candidacies import map_candidacies
    from ..pipeline.hooks import after_candidacies_page

    mapped = map_candidacies(
        connection, written.ids, premapped=written.prepared, state=written.preparer_state
    )
    refreshed = after_candidacies_page(connection, written.ids, mapped.values)
    return HookOutcome({"applications_refreshed": refreshed}, mapped.failures)


RESOURCES: tuple[ResourceSpec, ...] = (
    ResourceSpec(
        "users", "/users", m.ThriveUser, _same("first_name", "last_name", "email", "role", "active")
    ),
    ResourceSpec(
        "companies",
        "/companies",
        m.Company,
        _same("name", "website_url", "industry", "city", "country"),
        children=(
            ChildSpec(
                "funding_rounds",
                m.FundingRound,
                "company",
                _same("round", "amount", "currency", "announced_on"),
            ),
            ChildSpec(
                "investments",
                m.Investment,
                "company",
                _same("investor_name", "amount", "currency", "invested_on"),
            ),
        ),
    ),
    ResourceSpec(
        "contact_networks",
        "/contact_networks",
        m.ContactNetwork,
        _same("name", "description", "contact_ids"),
    ),
    ResourceSpec(
        "talent_pools", "/talent_pools", m.TalentPool, _same("name", "description", "contact_ids")
    ),
    ResourceSpec(
        "candidacy_stages",
        "/candidacy_stages",
        m.CandidacyStage,
        _same("name", "position", "active"),
        after_page=_map_candidacy_stages,
    ),
    ResourceSpec(
        "searches",
        "/searches",
        m.Search,
        {
            **_same("name", "status", "company_name", "city", "country", "opened_on", "closed_on"),
            "company_remote_id": "company_id",
            "default_candidacy_stage_remote_id": "default_candidacy_stage_id",
        },
        children=(
            ChildSpec(
                "commissions",
                m.SearchCommission,
                "search",
                {"user_remote_id": "user_id", "percentage": "percentage", "amount": "amount"},
            ),
            ChildSpec(
                "documents",
                m.SearchDocument,
                "search",
                _same("file_name", "content_type", "url", "size"),
            ),
            _team("origination"),
            _team("execution"),
            _team("conversion"),
            _team("recruitment"),
        ),
    ),
    ResourceSpec(
        "contacts",
        "/contacts",
        m.Contact,
        {
            **_same("first_name", "last_name", "email", "linkedin_url", "city", "country"),
            "merged_into_remote_id": "merged_into_id",
        },
        children=(
            ChildSpec(
                "positions",
                m.Position,
                "contact",
                {
                    **_same("company_name", "title", "start_date", "end_date", "current"),
                    "company_remote_id": "company_id",
                },
            ),
            ChildSpec(
                "educations",
                m.Education,
                "contact",
                _same("school_name", "degree", "field_of_study", "start_date", "end_date"),
            ),
            ChildSpec(
                "notes", m.ContactNote, "contact", {"body": "body", "user_remote_id": "user_id"}
            ),
            ChildSpec(
                "contact_comments",
                m.ContactComment,
                "contact",
                {"body": "body", "user_remote_id": "user_id"},
            ),
            ChildSpec(
                "documents",
                m.ContactDocument,
                "contact",
                _same("file_name", "content_type", "url", "size"),
            ),
            ChildSpec(
                "off_limit_reasons",
                m.OffLimitReason,
                "contact",
                {"reason": "reason", "company_remote_id": "company_id", "expires_on": "expires_on"},
            ),
            ChildSpec(
                "outreaches",
                m.Outreach,
                "contact",
                {**_same("channel", "subject", "occurred_at"), "user_remote_id": "user_id"},
            ),
            ChildSpec(
                "connections",
                m.ContactConnection,
                "contact",
                {
                    **_same("connection_type", "strength", "connected_on"),
                    "connected_contact_remote_id": "connected_contact_id",
                },
            ),
            ChildSpec(
                "references",
                m.ContactReference,
                "contact",
                {
                    "referee_contact_remote_id": "referee_contact_id",
                    "search_remote_id": "search_id",
                },
            ),
            ChildSpec(
                "introductions",
                m.Introduction,
                "contact",
                {
                    "introduced_contact_remote_id": "introduced_contact_id",
                    "introduced_by_user_remote_id": "introduced_by_user_id",
                    "search_remote_id": "search_id",
                    "introduced_on": "introduced_on",
                },
            ),
        ),
        after_page=_map_contacts,
        preparer=_contact_preparer,
    ),
    ResourceSpec(
        "candidacies",
        "/candidacies",
        m.Candidacy,
        {
            # thrive-api.md documents only the embedded contact (include=contact); the wire
            # contract adds `contact_id`. Either one names the candidacy's contact.
            "contact_remote_id": ("contact_id", "contact.id"),
            "search_remote_id": "search_id",
            "candidacy_stage_remote_id": "candidacy_stage.id",
            "candidacy_stage_name": "candidacy_stage.name",
            **_same("candidacy_stage_entered_at", "rejection_reason", "rejected_at", "source"),
        },
        children=(
            ChildSpec(
                "candidacy_comments",
                m.CandidacyComment,
                "candidacy",
                {"body": "body", "user_remote_id": "user_id"},
            ),
            ChildSpec("tags", m.CandidacyTag, "candidacy", {"name": "name"}),
        ),
        after_page=_map_candidacies,
        preparer=_candidacy_preparer,
    ),
)

BY_NAME: dict[str, ResourceSpec] = {spec.name: spec for spec in RESOURCES}
RESOURCE_NAMES: tuple[str, ...] = tuple(BY_NAME)


def resolve(names: list[str] | None) -> list[ResourceSpec]:
    """The requested resources in dependency order; unknown names are a ValueError."""
    if not names:
        return list(RESOURCES)
    unknown = sorted(set(names) - set(BY_NAME))
    if unknown:
        raise ValueError(f"Unknown resources: {', '.join(unknown)}")
    return [spec for spec in RESOURCES if spec.name in names]
