"""Lookups of many rows by key that keep their index on every backend.

SQLite has no statistics on a freshly loaded table, so for `connection_id = ? AND pk IN (...)`
it prefers any index led by `connection_id` (one equality) over the primary key (a list), and
reads the whole connection: every page of an import would then cost time in proportion to the
rows stored so far. A primary-key lookup therefore leaves the connection out of the SQL and
checks it on the rows it returns.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import TypeVar

from django.db.models import Model, QuerySet

from .models import Connection

M = TypeVar("M", bound=Model)


def by_pks(queryset: QuerySet[M], connection: Connection, pks: Iterable[int]) -> list[M]:
    """The rows of `queryset` with these primary keys that belong to `connection`.

    In the queryset's order: callers that match records against each other (mapping) must see
    them in the same order on every backend.
    """
    rows = queryset.filter(pk__in=list(pks))
    return [row for row in rows if row.connection_id == connection.pk]
