"""Figures for the benchmark script: re-map a connection and count SQL statements per batch.

The claim to check is that mapping costs a constant number of statements per batch however
many contacts are stored; the per-batch counts are returned so the script can print them.
"""

from __future__ import annotations

import time
from typing import Any

from django.db import connection as db_connection
from django.db import transaction

from ..models import Connection, Contact
from .engine import MappingOutcome, map_contacts, stored_id_batches


class _StatementCounter:
    def __init__(self) -> None:
        self.count = 0

    def __call__(self, execute, sql, params, many, context):
        self.count += 1
        return execute(sql, params, many, context)


def bench_remap(connection: Connection, batch_size: int = 500) -> dict[str, Any]:
    """Re-map every stored contact; return counts, time and statements per batch."""
    outcome = MappingOutcome()
    per_batch: list[int] = []
    started = time.perf_counter()
    for batch in stored_id_batches(Contact, connection, batch_size):
        counter = _StatementCounter()
        with db_connection.execute_wrapper(counter), transaction.atomic():
            outcome += map_contacts(connection, batch.ids)
        per_batch.append(counter.count)
    seconds = time.perf_counter() - started
    return {
        "contacts": outcome.total,
        "created": outcome.created,
        "updated": outcome.updated,
        "unchanged": outcome.unchanged,
        "failed": len(outcome.failures),
        "batches": len(per_batch),
        "statements_per_batch": sorted(set(per_batch)),
        "seconds": round(seconds, 2),
        "contacts_per_second": round(outcome.total / seconds) if seconds else None,
    }
