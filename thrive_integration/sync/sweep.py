"""Deletion sweep after a complete, clean full listing.

A record absent from a listing is only a *candidate*: with page-number paging, a deletion
elsewhere shifts later records back a page, so a live record can be skipped. Each candidate is
therefore confirmed with a GET of that record; only a 404 (or a tombstone) marks it deleted.
Seen ids are kept as sorted 64-bit digests (8 bytes each), so a 100,000-record listing costs
under a megabyte.
"""

from __future__ import annotations

import hashlib
from array import array
from bisect import bisect_left
from dataclasses import dataclass, field
from datetime import datetime

from django.db import transaction

from ..conf import integration_settings
from ..exceptions import NotFound
from ..models import Connection
from ..thrive import ThriveClient, record_path
from .registry import ResourceSpec
from .upsert import PageOutcome, mark_deleted, upsert_page


def _digest(remote_id: str) -> int:
    return int.from_bytes(
        hashlib.blake2b(remote_id.encode(), digest_size=8).digest(), "big", signed=True
    )


class SeenIds:
    def __init__(self) -> None:
        self._digests = array("q")
        self._sorted = True

    def add_all(self, remote_ids: list[str]) -> None:
        self._digests.extend(_digest(remote_id) for remote_id in remote_ids)
        self._sorted = False

    def __contains__(self, remote_id: str) -> bool:
        if not self._sorted:
            self._digests = array("q", sorted(self._digests))
            self._sorted = True
        digest = _digest(remote_id)
        index = bisect_left(self._digests, digest)
        return index < len(self._digests) and self._digests[index] == digest


@dataclass
class SweepOutcome:
    deleted: int = 0
    # The live records the listing skipped, refreshed from their own GET.
    refreshed: PageOutcome = field(default_factory=PageOutcome)
    # Set when there were too many candidates to confirm: nothing was deleted.
    skipped_reason: str = ""


def sweep(
    connection: Connection,
    spec: ResourceSpec,
    seen: SeenIds,
    client: ThriveClient,
    *,
    now: datetime,
) -> SweepOutcome:
    limit = integration_settings.SWEEP_CONFIRM_LIMIT
    candidates: list[str] = []
    stored = spec.model.objects.filter(connection=connection, remote_deleted_at__isnull=True)
    for remote_id in stored.values_list("remote_id", flat=True).iterator(chunk_size=2000):
        if remote_id not in seen:
            candidates.append(remote_id)
            if len(candidates) > limit:
                return SweepOutcome(
                    skipped_reason=(
                        f"more than {limit} stored {spec.name} are missing from the listing; "
                        "none was marked deleted"
                    )
                )
    outcome = SweepOutcome()
    gone, alive = [], []
    for remote_id in candidates:
        try:
            record = client.get(record_path(spec.path, remote_id), include=spec.include)
        except NotFound:
            gone.append(remote_id)
            continue
        if record.get("deleted_at"):
            gone.append(remote_id)
        else:
            alive.append(record)
    with transaction.atomic():
        if gone:
            outcome.deleted = mark_deleted(connection, spec, gone, now)
        # A live record the listing skipped (it shifted pages) is refreshed from its GET.
        outcome.refreshed = upsert_page(connection, spec, alive, now=now)
    return outcome
