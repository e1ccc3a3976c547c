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

from dataclasses import dataclass, field
from datetime import datetime

from ..exceptions import MappingError
from ..models import Connection
from .bulk import adapt_moment, upsert_rows
from .extract import MISSING, Encoded, child_list, encode, parse_timestamp, remote_id_of
from .registry import ChildSpec, ResourceSpec
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
class _Prepared:
    remote_id: str
    encoded: Encoded
    updated_at: datetime | None
    children: dict[str, list]


def _prepare(spec: ResourceSpec, payload: object) -> _Prepared:
    remote_id = remote_id_of(payload)
    encoded = encode(payload)
    children = {}
    for child in spec.children:
        items = child_list(encoded.payload, child.key)
        if items is not MISSING:
            for item in items:
                remote_id_of(item)
            children[child.key] = items
    updated_at = parse_timestamp(encoded.payload.get("updated_at"))
    return _Prepared(remote_id, encoded, updated_at, children)


def upsert_page(
    connection: Connection,
    spec: ResourceSpec,
    records: list,
    *,
    now: datetime,
    derive: bool = True,
) -> PageOutcome:
    """Must run inside a transaction: the caller commits the page with its checkpoint.

    `derive=False` skips the resource's `after_page` hook, for a writer that derives the
    platform side itself.
    """
    outcome = PageOutcome()
    prepared: dict[str, _Prepared] = {}
    tombstones: dict[str, datetime] = {}
    for payload in records:
        try:
            item = _prepare(spec, payload)
        except MappingError as exc:
            remote_id = payload.get("id") if isinstance(payload, dict) else None
            outcome.failures.append((str(remote_id or ""), str(exc)))
            continue
        outcome.seen_remote_ids.append(item.remote_id)
        updated_at = item.updated_at
        if updated_at and (
            outcome.max_remote_updated_at is None or updated_at > outcome.max_remote_updated_at
        ):
            outcome.max_remote_updated_at = updated_at
        deleted_at = item.encoded.payload.get("deleted_at")
        if deleted_at:
            tombstones[item.remote_id] = parse_timestamp(deleted_at) or now
            prepared.pop(item.remote_id, None)
        else:
            # Records may arrive twice in one page; the later copy wins.
            prepared[item.remote_id] = item
            tombstones.pop(item.remote_id, None)

    model = spec.model
    stored = {
        remote_id: (digest, deleted_at)
        for remote_id, digest, deleted_at in model.objects.filter(
            connection=connection, remote_id__in=list(prepared) + list(tombstones)
        )
        .order_by()
        .values_list("remote_id", "content_hash", "remote_deleted_at")
    }
    changed = []
    for remote_id, item in prepared.items():
        before = stored.get(remote_id)
        if before is None:
            outcome.created += 1
        elif before[0] != item.encoded.digest or before[1] is not None:
            outcome.updated += 1
        else:
            outcome.unchanged += 1
            continue
        changed.append(item)

    moment = adapt_moment(now)
    plan = row_plan(model, spec.fields)
    rows = {
        item.remote_id: plan.params(connection.pk, moment, item.remote_id, item.encoded)
        for item in changed
    }
    stored_ids = upsert_rows(model, rows, outcome.failures)
    parents = dict(
        model.objects.filter(connection=connection, remote_id__in=stored_ids)
        .order_by()
        .values_list("remote_id", "pk")
    )
    for child in spec.children:
        _sync_children(connection, child, changed, parents, stored, now, outcome.failures)
    # Every writer of a mirror (import, sweep, export) feeds the platform side the same way.
    written = {
        parents[item.remote_id]: item.encoded.payload
        for item in changed
        if item.remote_id in parents
    }
    if derive and spec.after_page and written:
        hook = spec.after_page(connection, written)
        outcome.derived = hook.counts
        outcome.failures.extend(hook.failures)

    live_tombstones = [rid for rid in tombstones if rid in stored and stored[rid][1] is None]
    if live_tombstones:
        outcome.deleted = mark_deleted(connection, spec, live_tombstones, now)
    return outcome


def _sync_children(
    connection: Connection,
    child: ChildSpec,
    parents: list[_Prepared],
    parent_pks: dict[str, int],
    stored_before: dict[str, object],
    now: datetime,
    failures: list[tuple[str, str]],
) -> None:
    plan = row_plan(child.model, child.fields, child.constants, child.parent_field)
    moment = adapt_moment(now)
    # One id twice in a statement is an error in PostgreSQL's ON CONFLICT: the last one wins.
    rows: dict[str, list] = {}
    listed_again = []  # parents stored before: they may have children to let go
    for parent in parents:
        parent_pk = parent_pks.get(parent.remote_id)
        if parent_pk is None or child.key not in parent.children:
            continue
        if parent.remote_id in stored_before:
            listed_again.append(parent_pk)
        for payload in parent.children[child.key]:
            remote_id = child.id_prefix + str(payload["id"])
            rows[remote_id] = plan.params(
                connection.pk, moment, remote_id, encode(payload), parent_pk
            )
    upsert_rows(child.model, rows, failures)
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
