"""Lookups of many rows by key that keep their index on every backend.

SQLite has no statistics on a freshly loaded table, so for `connection_id = ? AND pk IN (...)`
it prefers any index led by `connection_id` (one equality) over the primary key (a list), and
reads the whole connection: every page of an import would then cost time in proportion to the
rows stored so far. A primary-key lookup therefore leaves the connection out of the SQL and
checks it on the rows it returns.
"""

from __future__ import annotations

from collections.abc import Collection, Iterable, Sequence
from typing import Any, TypeVar

from django.db import connection as db
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


def values_in(
    model: type[Model],
    columns: Sequence[str],
    where_in: tuple[str, Collection[Any]],
    **equal: Any,
) -> list[tuple]:
    """`columns` of the rows whose `where_in` column holds one of its values and whose `equal`
    columns hold theirs, as raw tuples in no particular order: an import page's lookups.

    The ORM costs about a third of a millisecond to build such a statement from a queryset,
    several times the database's own work on a page-sized list, for a handful per page; this
    one is plain text. Columns are named by their database name, and only for values that
    need no adapting (text and integers): a timestamp comes back as the backend stores it.
    """
    column, values = where_in
    if not values:
        return []
    quote = db.ops.quote_name
    conditions = [f"{quote(name)} = %s" for name in equal]
    conditions.append(f"{quote(column)} IN ({', '.join(['%s'] * len(values))})")
    sql = (
        f"SELECT {', '.join(map(quote, columns))} FROM {quote(model._meta.db_table)} "
        f"WHERE {' AND '.join(conditions)}"
    )
    with db.cursor() as cursor:
        cursor.execute(sql, [*equal.values(), *values])
        return cursor.fetchall()
