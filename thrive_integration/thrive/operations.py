"""The catalogue of Thrive operations this integration needs, one per permission label.

Thrive grants an API key permissions one operation at a time, labelled with the operation's
summary from its API reference (the seed's permission list). An admin must be told exactly
which labels a key lacks, so the catalogue keeps the seed's labels verbatim, in the seed's
order and under its group headings, each with the request that exercises it
(docs/thrive-wire.md, "Operations and the permission each needs").

`{id}` is a record id and `{cid}` the id of a child record under it.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Operation:
    """One permission label and the request it authorises."""

    group: str
    label: str
    method: str
    path: str
    # A GET answering with a list (probed with per_page=1), as opposed to a single object.
    listing: bool = False


def _list(group: str, label: str, path: str) -> Operation:
    return Operation(group, label, "GET", path, listing=True)


def _read(group: str, label: str, path: str) -> Operation:
    return Operation(group, label, "GET", path)


def _write(group: str, label: str, method: str, path: str) -> Operation:
    return Operation(group, label, method, path)


_CANDIDACY = "Candidacy"
_STAGES = "Candidacy Stages"
_COMPANIES = "Companies"
_NETWORKS = "Contact Network"
_CONTACTS = "Contacts"
_SEARCHES = "Searches"
_POOLS = "Talent Pools"
_USERS = "Users"

OPERATIONS: tuple[Operation, ...] = (
    _write(_CANDIDACY, "Create a new candidacy", "POST", "/candidacies"),
    _write(_CANDIDACY, "Update an existing candidacy", "PATCH", "/candidacies/{id}"),
    _list(_CANDIDACY, "Retrieves all Candidacies", "/candidacies"),
    _read(_CANDIDACY, "Retrieves a single Candidacy", "/candidacies/{id}"),
    _list(
        _CANDIDACY,
        "Retrieves the candidacy comments of the specified candidacy",
        "/candidacies/{id}/candidacy_comments",
    ),
    _read(
        _CANDIDACY,
        "Retrieves a single candidacy comment from the specified candidacy",
        "/candidacies/{id}/candidacy_comments/{cid}",
    ),
    _list(_CANDIDACY, "Retrieves the tags of the specified candidacy", "/candidacies/{id}/tags"),
    _read(
        _CANDIDACY,
        "Retrieves a single tag from the specified candidacy",
        "/candidacies/{id}/tags/{cid}",
    ),
    _list(_STAGES, "Retrieves all Candidacy Stages", "/candidacy_stages"),
    _list(_COMPANIES, "Retrieves all Companies", "/companies"),
    _read(_COMPANIES, "Retrieves a single Company", "/companies/{id}"),
    _list(
        _COMPANIES,
        "Returns Companies that already exist based on the given name or Website URL",
        "/companies/duplicates",
    ),
    _list(
        _COMPANIES,
        "Retrieves all FundingRounds of the specified company",
        "/companies/{id}/funding_rounds",
    ),
    _list(
        _COMPANIES,
        "Retrieves all Investments of the specified company",
        "/companies/{id}/investments",
    ),
    _list(_NETWORKS, "Retrieves all Contact Networks", "/contact_networks"),
    _read(_NETWORKS, "Retrieves a single Contact Network", "/contact_networks/{id}"),
    _write(_CONTACTS, "Creates a new Contact", "POST", "/contacts"),
    _write(_CONTACTS, "Updates a Contact", "PATCH", "/contacts/{id}"),
    _list(_CONTACTS, "Retrieves all contacts", "/contacts"),
    _read(_CONTACTS, "Retrieves a single Contact", "/contacts/{id}"),
    _list(
        _CONTACTS,
        "Retrieves the educations of the specified contact",
        "/contacts/{id}/educations",
    ),
    _read(
        _CONTACTS,
        "Retrieves a single education from the specified contact",
        "/contacts/{id}/educations/{cid}",
    ),
    _list(_CONTACTS, "Retrieves the notes of the specified contact", "/contacts/{id}/notes"),
    _read(
        _CONTACTS,
        "Retrieves a single note from the specified contact",
        "/contacts/{id}/notes/{cid}",
    ),
    _list(
        _CONTACTS,
        "Retrieves the contact_comments of the specified contact",
        "/contacts/{id}/contact_comments",
    ),
    _read(
        _CONTACTS,
        "Retrieves a single contact_comment from the specified contact",
        "/contacts/{id}/contact_comments/{cid}",
    ),
    _list(
        _CONTACTS,
        "Retrieves the documents of the specified contact",
        "/contacts/{id}/documents",
    ),
    _read(
        _CONTACTS,
        "Retrieves a single document from the specified contact",
        "/contacts/{id}/documents/{cid}",
    ),
    _list(
        _CONTACTS,
        "Retrieves the off limit reasons of the specified contact",
        "/contacts/{id}/off_limit_reasons",
    ),
    _list(
        _CONTACTS,
        "Retrieves the positions of the specified contact",
        "/contacts/{id}/positions",
    ),
    _read(
        _CONTACTS,
        "Retrieves a single position from the specified contact",
        "/contacts/{id}/positions/{cid}",
    ),
    _list(
        _CONTACTS,
        "Retrieves the outreaches of the specified contact",
        "/contacts/{id}/outreaches",
    ),
    _read(
        _CONTACTS,
        "Retrieves a single outreach from the specified contact",
        "/contacts/{id}/outreaches/{cid}",
    ),
    _list(
        _CONTACTS,
        "Retrieves the connections of the specified contact",
        "/contacts/{id}/connections",
    ),
    _read(
        _CONTACTS,
        "Retrieves a single connection from the specified contact",
        "/contacts/{id}/connections/{cid}",
    ),
    _list(
        _CONTACTS,
        "Returns Contacts that already exist based on the given email or LinkedIn URL",
        "/contacts/duplicates",
    ),
    _list(
        _CONTACTS,
        "Retrieves Introductions of the specified contact",
        "/contacts/{id}/introductions",
    ),
    _list(
        _CONTACTS,
        "Retrieves References of the specified contact",
        "/contacts/{id}/references",
    ),
    _write(_CONTACTS, "Destroys a Contact", "DELETE", "/contacts/{id}"),
    _write(_CONTACTS, "Creates a Note", "POST", "/contacts/{id}/notes"),
    _write(_CONTACTS, "Destroys a Note", "DELETE", "/contacts/{id}/notes/{cid}"),
    _write(_CONTACTS, "Updates a Note", "PATCH", "/contacts/{id}/notes/{cid}"),
    _write(_CONTACTS, "Creates an Outreach", "POST", "/contacts/{id}/outreaches"),
    _write(_CONTACTS, "Destroys an Outreach", "DELETE", "/contacts/{id}/outreaches/{cid}"),
    _write(_CONTACTS, "Updates an Outreach", "PATCH", "/contacts/{id}/outreaches/{cid}"),
    _write(_CONTACTS, "Creates a Connection", "POST", "/contacts/{id}/connections"),
    _write(_CONTACTS, "Destroys a Connection", "DELETE", "/contacts/{id}/connections/{cid}"),
    _write(_CONTACTS, "Updates a Connection", "PATCH", "/contacts/{id}/connections/{cid}"),
    _write(_CONTACTS, "Creates a Reference", "POST", "/contacts/{id}/references"),
    _write(_CONTACTS, "Destroys an Reference", "DELETE", "/contacts/{id}/references/{cid}"),
    _write(_CONTACTS, "Updates an Reference", "PATCH", "/contacts/{id}/references/{cid}"),
    _write(_CONTACTS, "Creates an Introduction", "POST", "/contacts/{id}/introductions"),
    _write(_CONTACTS, "Destroys an Introduction", "DELETE", "/contacts/{id}/introductions/{cid}"),
    _write(_CONTACTS, "Updates an Introduction", "PATCH", "/contacts/{id}/introductions/{cid}"),
    _write(_CONTACTS, "Add a contact to a network", "POST", "/contact_networks/{id}/contacts"),
    _list(_SEARCHES, "Retrieves all Searches", "/searches"),
    _read(_SEARCHES, "Retrieves a single Search", "/searches/{id}"),
    _list(
        _SEARCHES,
        "Retrieves the candidacies of the specified search",
        "/searches/{id}/candidacies",
    ),
    _read(
        _SEARCHES,
        "Retrieves a single candidacy from the specified search",
        "/searches/{id}/candidacies/{cid}",
    ),
    _list(
        _SEARCHES,
        "Retrieves the candidates of the specified search",
        "/searches/{id}/candidates",
    ),
    _read(
        _SEARCHES,
        "Retrieves a single candidate from the specified search",
        "/searches/{id}/candidates/{cid}",
    ),
    _list(
        _SEARCHES,
        "Retrieves the commissions of the specified search",
        "/searches/{id}/commissions",
    ),
    _read(
        _SEARCHES,
        "Retrieves a single commission from the specified search",
        "/searches/{id}/commissions/{cid}",
    ),
    _list(
        _SEARCHES,
        "Retrieves the documents of the specified search",
        "/searches/{id}/documents",
    ),
    _read(
        _SEARCHES,
        "Retrieves a single document from the specified search",
        "/searches/{id}/documents/{cid}",
    ),
    _list(
        _SEARCHES,
        "Retrieves the origination team memberships of the specified search",
        "/searches/{id}/origination_team_memberships",
    ),
    _read(
        _SEARCHES,
        "Retrieves a single origination team membership from the specified search",
        "/searches/{id}/origination_team_memberships/{cid}",
    ),
    _list(
        _SEARCHES,
        "Retrieves the execution team memberships of the specified search",
        "/searches/{id}/execution_team_memberships",
    ),
    _read(
        _SEARCHES,
        "Retrieves a single execution team membership from the specified search",
        "/searches/{id}/execution_team_memberships/{cid}",
    ),
    _list(
        _SEARCHES,
        "Retrieves the conversion team memberships of the specified search",
        "/searches/{id}/conversion_team_memberships",
    ),
    _read(
        _SEARCHES,
        "Retrieves a single conversion team membership from the specified search",
        "/searches/{id}/conversion_team_memberships/{cid}",
    ),
    _list(
        _SEARCHES,
        "Retrieves the recruitment team memberships of the specified search",
        "/searches/{id}/recruitment_team_memberships",
    ),
    _read(
        _SEARCHES,
        "Retrieves the external recruitment team member",
        "/searches/{id}/external_recruitment_team_member",
    ),
    _list(_POOLS, "Retrieves all Talent Pools", "/talent_pools"),
    _read(_POOLS, "Retrieves a single Talent Pool", "/talent_pools/{id}"),
    _list(_USERS, "Retrieves all Users", "/users"),
    _read(_USERS, "Retrieves a single User", "/users/{id}"),
)

OPERATIONS_BY_LABEL: dict[str, Operation] = {operation.label: operation for operation in OPERATIONS}
