"""Write one page of Thrive records: one statement per model, whatever the page size.

dj-stripe's lesson: a single upsert entry point for every mirrored object. Per page we read the
stored hashes of the page's ids (one SELECT), upsert only new or changed records (one INSERT ..
ON CONFLICT), then for the changed parents upsert their embedded children (one statement per
child list) and, for parents stored before, mark the children they no longer list as deleted
(one more). Each payload is encoded to JSON once, for its hash and its stored text. An
unchanged record writes nothing. A record that cannot be mapped, or that the database refuses,
is isolated: the batch is retried row by row inside savepoints and only the bad row is reported
(see `bulk`).
"""

from __future__ import annotations

from collections.abc import Hashable
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from ..exceptions import MappingError
from ..lookups import values_in
from ..models import Connection
from .bulk import adapt_moment, upsert_rows
from .extract import Encoded, encode_record, parse_timestamp, printable, remote_id_of
from .registry import ChildSpec, RecordPreparer, ResourceSpec, WrittenRecords
from .rows import row_plan


@dataclass
class PageOutcome:
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    deleted: int = 0
    failures: list[tuple[str, str]] = field(default_factory=list)
    max_remote_updated_at: datetime | None = None
    # What the resource's `after_page` hook derived from the changed records.
    derived: dict[str, int] = field(default_factory=dict)
    seen_remote_ids: list[str] = field(default_factory=list)


@dataclass(slots=True)
class PreparedRecord:
    """A record made ready to write: what the page's write needs of it, and nothing else
    (not the decoded payload: a prepared page may cross a process boundary)."""

    remote_id: str
    digest: str
    updated_at: datetime | None
    params: list  # the mirror row's parameters (rows.RowPlan)
    # Per child list: (remote id, row parameters without the parent's key) of each child.
    children: dict[str, list[tuple[str, list]]]
    derived: Any = None  # what the resource's preparer made of the payload


@dataclass
class PreparedPage:
    """A page of records after every step that needs no database (see `prepare_page`)."""

    now: datetime
    records: dict[str, PreparedRecord] = field(default_factory=dict)
    tombstones: dict[str, datetime] = field(default_factory=dict)
    failures: list[tuple[str, str]] = field(default_factory=list)
    seen_remote_ids: list[str] = field(default_factory=list)
    max_remote_updated_at: datetime | None = None
    preparer_state: Hashable = None


def prepare_page(
    connection_id: int,
    spec: ResourceSpec,
    records: list,
    *,
    now: datetime,
    preparer: RecordPreparer | None = None,
) -> PreparedPage:
    """Validate, encode, hash and lay out a page's records as rows; no database, no HTTP.

    Pure, so the runner may do it in another process while the previous page is written. A
    record that cannot be used (no id, a child list that is not a list) is a failure here.
    """
    page = PreparedPage(now, preparer_state=preparer.state if preparer else None)
    moment = adapt_moment(now)
    plan = row_plan(spec.model, spec.fields)
    for payload in records:
        try:
            remote_id = remote_id_of(payload)
            encoded, lists = encode_record(payload, spec.include)
            children = _prepare_children(connection_id, spec, lists, moment)
        except MappingError as exc:
            remote_id = payload.get("id") if isinstance(payload, dict) else None
            page.failures.append((printable(str(remote_id or "")), str(exc)))
            continue
        page.seen_remote_ids.append(remote_id)
        updated_at = parse_timestamp(encoded.payload.get("updated_at"))
        if updated_at and (
            page.max_remote_updated_at is None or updated_at > page.max_remote_updated_at
        ):
            page.max_remote_updated_at = updated_at
        deleted_at = encoded.payload.get("deleted_at")
        if deleted_at:
            page.tombstones[remote_id] = parse_timestamp(deleted_at) or now
            page.records.pop(remote_id, None)
            continue
        # Records may arrive twice in one page; the later copy wins.
        page.tombstones.pop(remote_id, None)
        page.records[remote_id] = PreparedRecord(
            remote_id,
            encoded.digest,
            updated_at,
            plan.params(connection_id, moment, remote_id, encoded),
            children,
            preparer.prepare(encoded.payload) if preparer else None,
        )
    return page


def _prepare_children(
    connection_id: int, spec: ResourceSpec, lists: dict[str, list[Encoded]], moment: object
) -> dict[str, list[tuple[str, list]]]:
    children = {}
    for child in spec.children:
        if child.key not in lists:
            continue
        plan = row_plan(child.model, child.fields, child.constants, child.parent_field)
        rows = []
        for index, item in enumerate(lists[child.key]):
            try:
                remote_id = child.id_prefix + remote_id_of(item.payload)
            except MappingError as exc:  # the parent's own id is fine: name the child
                raise MappingError(f"{child.key}[{index}]: {exc}") from None
            rows.append((remote_id, plan.params(connection_id, moment, remote_id, item, index)))
        children[child.key] = rows
    return children


def upsert_page(
    connection: Connection,
    spec: ResourceSpec,
    records: list,
    *,
    now: datetime,
    derive: bool = True,
) -> PageOutcome:
    """Prepare and write a page (see `write_page`); inside the caller's transaction.

    `derive=False` skips the resource's `after_page` hook, for a writer that derives the
    platform side itself.
    """
    preparer = spec.preparer(connection) if derive and spec.preparer else None
    page = prepare_page(connection.pk, spec, records, now=now, preparer=preparer)
    return write_page(connection, spec, page, derive=derive)


def write_page(
    connection: Connection, spec: ResourceSpec, page: PreparedPage, *, derive: bool = True
) -> PageOutcome:
    """Must run inside a transaction: the caller commits the page with its checkpoint."""
    outcome = PageOutcome(
        failures=list(page.failures),
        max_remote_updated_at=page.max_remote_updated_at,
        seen_remote_ids=page.seen_remote_ids,
    )
    prepared, tombstones, now = page.records, page.tombstones, page.now
    model = spec.model
    stored = {
        remote_id: (digest, deleted_at)
        for remote_id, digest, deleted_at in values_in(
            model,
            ("remote_id", "content_hash", "remote_deleted_at"),
            ("remote_id", [*prepared, *tombstones]),
            connection_id=connection.pk,
        )
    }
    changed = []
    for remote_id, item in prepared.items():
        before = stored.get(remote_id)
        if before is None:
            outcome.created += 1
        elif before[0] != item.digest or before[1] is not None:
            outcome.updated += 1
        else:
            outcome.unchanged += 1
            continue
        changed.append(item)

    rows = {item.remote_id: item.params for item in changed}
    stored_ids = upsert_rows(model, rows, outcome.failures)
    parents = dict(
        values_in(
            model, ("remote_id", "id"), ("remote_id", stored_ids), connection_id=connection.pk
        )
    )
    for child in spec.children:
        _sync_children(child, changed, parents, stored, now, outcome.failures)
    # Every writer of a mirror (import, sweep, export) feeds the platform side the same way.
    written = WrittenRecords(
        {parents[item.remote_id]: item.derived for item in changed if item.remote_id in parents},
        page.preparer_state,
    )
    if derive and spec.after_page and written.prepared:
        hook = spec.after_page(connection, written)
        outcome.derived = hook.counts
        outcome.failures.extend(hook.failures)

    live_tombstones = [rid for rid in tombstones if rid in stored and stored[rid][1] is None]
    if live_tombstones:
        outcome.deleted = mark_deleted(connection, spec, live_tombstones, now)
    return outcome


def _sync_children(
    child: ChildSpec,
    parents: list[PreparedRecord],
    parent_pks: dict[str, int],
    stored_before: dict[str, object],
    now: datetime,
    failures: list[tuple[str, str]],
) -> None:
    parent_at = row_plan(child.model, child.fields, child.constants, child.parent_field).parent_at
    # One row twice in a statement is an error in PostgreSQL's ON CONFLICT: the last one wins.
    rows: dict[tuple[int, str], list] = {}
    listed_again = []  # parents stored before: they may have children to let go
    for parent in parents:
        parent_pk = parent_pks.get(parent.remote_id)
        if parent_pk is None or child.key not in parent.children:
            continue
        if parent.remote_id in stored_before:
            listed_again.append(parent_pk)
        for remote_id, params in parent.children[child.key]:
            params[parent_at] = parent_pk
            rows[parent_pk, remote_id] = params

    def named(key: tuple[int, str]) -> str:
        """A refused child, named by its parent too: its id is only unique within it."""
        parent = next(rid for rid, pk in parent_pks.items() if pk == key[0])
        return f"{parent}/{key[1]}"

    upsert_rows(child.model, rows, failures, remote_id=named)
    if not listed_again:
        return
    # A changed parent lists all its children: those it no longer lists are gone in Thrive.
    # The parents are this connection's, and filtering on their ids alone keeps the index
    # (see lookups.py).
    scope = child.model.objects.filter(
        remote_deleted_at__isnull=True, **{f"{child.parent_field}_id__in": listed_again}
    )
    if child.id_prefix:
        scope = scope.filter(remote_id__startswith=child.id_prefix)
    scope.exclude(last_synced_at=now).update(remote_deleted_at=now)


def mark_deleted(
    connection: Connection, spec: ResourceSpec, remote_ids: list[str], now: datetime
) -> int:
    """Soft-delete records (and their children); nothing is ever removed from the database."""
    count = spec.model.objects.filter(
        connection=connection, remote_id__in=remote_ids, remote_deleted_at__isnull=True
    ).update(remote_deleted_at=now)
    for child in spec.children:
        child.model.objects.filter(
            connection=connection,
            remote_deleted_at__isnull=True,
            **{
                f"{child.parent_field}__remote_id__in": remote_ids,
                f"{child.parent_field}__connection": connection,
            },
        ).update(remote_deleted_at=now)
    return count
