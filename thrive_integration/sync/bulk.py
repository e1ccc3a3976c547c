"""The one SQL statement a page costs per model: INSERT .. ON CONFLICT DO UPDATE, executemany.

`QuerySet.bulk_create(update_conflicts=True)` builds a model instance and compiles every value
of every row into one large statement; for a page of contacts with ~1,000 embedded children that
was most of the import's time. Here the statement is built once per model and executed for all
rows of a page with `executemany`, and values go through the database backend's own adapters
where a field needs one (JSON, timestamps, decimals), so the rows are stored exactly as the ORM
would store them. SQLite (3.24+) and PostgreSQL share the syntax.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from functools import cache
from typing import Any

from django.db import DatabaseError, models, transaction
from django.db import connection as db

logger = logging.getLogger(__name__)

NEVER_UPDATED = ("id", "connection_id", "remote_id", "first_synced_at")


@cache
def _statement(model: type[models.Model]) -> tuple[str, tuple[models.Field, ...]]:
    quote = db.ops.quote_name
    fields = tuple(f for f in model._meta.concrete_fields if not f.primary_key)
    columns = ", ".join(quote(f.column) for f in fields)
    updates = ", ".join(
        f"{quote(f.column)} = EXCLUDED.{quote(f.column)}"
        for f in fields
        if f.attname not in NEVER_UPDATED
    )
    sql = (
        f"INSERT INTO {quote(model._meta.db_table)} ({columns}) "
        f"VALUES ({', '.join(['%s'] * len(fields))}) "
        f"ON CONFLICT ({quote('connection_id')}, {quote('remote_id')}) DO UPDATE SET {updates}"
    )
    return sql, fields


def _adapters(fields: tuple[models.Field, ...]) -> list[Callable[[Any], Any] | None]:
    # The backend's own adapters, called directly: the values were already coerced to the
    # field's Python type by `extract`, so the field-level validation would only repeat work.
    ops = db.ops

    def adapter(field: models.Field) -> Callable[[Any], Any] | None:
        if isinstance(field, models.JSONField):
            return lambda value: ops.adapt_json_value(value, field.encoder)
        if isinstance(field, models.DateTimeField):
            return ops.adapt_datetimefield_value
        if isinstance(field, models.DecimalField):
            return lambda value: ops.adapt_decimalfield_value(
                value, field.max_digits, field.decimal_places
            )
        return None

    return [adapter(field) for field in fields]


def upsert_rows(
    model: type[models.Model], rows: list[dict[str, Any]], failures: list[tuple[str, str]]
) -> list[str]:
    """Upsert rows (dicts keyed by attname); return the remote ids stored.

    A row the database refuses is isolated: the page is retried row by row, each in its own
    savepoint, and only the refused rows are reported in `failures`.
    """
    if not rows:
        return []
    sql, fields = _statement(model)
    adapters = _adapters(fields)

    def params(row: dict[str, Any]) -> list[Any]:
        return [
            adapt(row.get(field.attname)) if adapt else row.get(field.attname)
            for field, adapt in zip(fields, adapters, strict=True)
        ]

    try:
        with transaction.atomic(), db.cursor() as cursor:
            cursor.executemany(sql, [params(row) for row in rows])
        return [row["remote_id"] for row in rows]
    except DatabaseError:
        logger.warning("bulk upsert of %s failed; isolating rows", model.__name__)
    stored = []
    for row in rows:
        try:
            with transaction.atomic(), db.cursor() as cursor:
                cursor.execute(sql, params(row))
            stored.append(row["remote_id"])
        except DatabaseError as exc:
            failures.append((row["remote_id"], f"database refused the record: {exc}"[:500]))
    return stored
