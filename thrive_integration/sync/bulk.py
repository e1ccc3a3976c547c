"""The one SQL statement a page costs per model: INSERT .. ON CONFLICT DO UPDATE, executemany.

`QuerySet.bulk_create(update_conflicts=True)` builds a model instance and compiles every value
of every row into one large statement; for a page of contacts with ~1,000 embedded children that
was most of the import's time. Here the statement is built once per model and executed for all
rows of a page with `executemany`, and values go through the database backend's own adapters
where a field needs one (JSON, timestamps, decimals), so the rows are stored exactly as the ORM
would store them. SQLite (3.35+, see checks.py) and PostgreSQL share the syntax.

The mirror's rows go through `upsert_rows`, which isolates a row the database refuses. The
platform rows derived from them (profiles, links, applications) go through `insert_rows`,
`insert_rows_returning_pks` and `update_rows`, without isolation: they are ours, so a refusal
is a bug and fails the page.
"""

from __future__ import annotations

import hashlib
import logging
from collections.abc import Callable, Hashable, Mapping, Sequence
from datetime import UTC, datetime
from functools import cache
from typing import Any, TypeVar

from django.db import DatabaseError, models, transaction
from django.db import connection as db

from .extract import StoredJSON, canonical_json

logger = logging.getLogger(__name__)

K = TypeVar("K", bound=Hashable)
NEVER_UPDATED = ("id", "connection_id", "remote_id", "first_synced_at")
# What refusing a row looks like: the database's error, or the driver's on binding a value.
REFUSED = (DatabaseError, ValueError, OverflowError)


@cache
def model_columns(model: type[models.Model]) -> tuple[models.Field, ...]:
    """The columns every insert writes, in statement order (all but the primary key)."""
    return tuple(f for f in model._meta.concrete_fields if not f.primary_key)


def _insert_sql(model: type[models.Model], rows: int = 1) -> str:
    quote = db.ops.quote_name
    fields = model_columns(model)
    values = ", ".join([f"({', '.join(['%s'] * len(fields))})"] * rows)
    columns = ", ".join(quote(f.column) for f in fields)
    return f"INSERT INTO {quote(model._meta.db_table)} ({columns}) VALUES {values}"


def _on_conflict(conflict: Sequence[str], update: Sequence[str]) -> str:
    """`ON CONFLICT`: the `update` columns take the new row's values (none: keep the old row)."""
    quote = db.ops.quote_name
    action = ", ".join(f"{quote(c)} = EXCLUDED.{quote(c)}" for c in update)
    target = ", ".join(quote(c) for c in conflict)
    return f" ON CONFLICT ({target}) " + (f"DO UPDATE SET {action}" if action else "DO NOTHING")


@cache
def _mirror_conflict_sql(model: type[models.Model]) -> str:
    identity = mirror_identity(model)
    updated = [
        f.column
        for f in model_columns(model)
        if f.attname not in NEVER_UPDATED and f.column not in identity
    ]
    return _on_conflict(identity, updated)


@cache
def mirror_identity(model: type[models.Model]) -> tuple[str, ...]:
    """The columns that name a mirror row: its unique constraint on `remote_id` (connection
    and remote id for a record, parent and remote id for a child; see models.mirror)."""
    (constraint,) = (
        c
        for c in model._meta.constraints
        if isinstance(c, models.UniqueConstraint) and "remote_id" in c.fields
    )
    return tuple(model._meta.get_field(name).column for name in constraint.fields)


def _insert_all(cursor: Any, model: type[models.Model], tail: str, rows: list[list[Any]]) -> None:
    """INSERT every row, `tail` (its ON CONFLICT clause) applying to each: one executemany on
    SQLite, a COPY on PostgreSQL (see `_copy_insert`)."""
    if db.vendor == "postgresql":
        _copy_insert(cursor, model, tail, rows)
    else:
        cursor.executemany(_insert_sql(model) + tail, rows)


_ORDINAL = "thrive_ordinal"


def _copy_insert(
    cursor: Any,
    model: type[models.Model],
    tail: str,
    rows: list[list[Any]],
    returning: bool = False,
) -> list[int]:
    """PostgreSQL: COPY the rows into a staging table, then move them with one INSERT .. SELECT.

    Django binds values client-side, so an executemany sends, parses and plans one INSERT per
    row (about 0.2 ms each), and a multi-row VALUES is one huge statement to parse; COPY is
    about 4x faster. The staging table is the session's own temporary table, created when first
    needed and emptied at commit, so its statements share one transaction; it is emptied after
    each use too, so a second batch in that transaction starts from nothing. It is named
    after its columns as well: a worker still connected across a migration gets a new one.

    The rows are inserted in their given order, as an executemany would: a scan of the staging
    table need not return them in the order they were copied (seen shuffled), and primary keys
    decide matching (a page's contacts are matched in primary-key order, see `lookups.by_pks`). A
    sequence hands out increasing values in insertion order, so with `returning` the new
    primary keys come back in the rows' order too.
    """
    quote = db.ops.quote_name
    table = quote(model._meta.db_table)
    columns = ", ".join(quote(f.column) for f in model_columns(model))
    shape = hashlib.blake2s(columns.encode(), digest_size=4).hexdigest()
    stage = quote(f"thrive_stage_{model._meta.db_table[:40]}_{shape}")
    insert = f"INSERT INTO {table} ({columns}) SELECT {columns} FROM {stage} ORDER BY {_ORDINAL}"
    with transaction.atomic(savepoint=False):
        cursor.execute(
            f"CREATE TEMPORARY TABLE IF NOT EXISTS {stage} ON COMMIT DELETE ROWS "
            f"AS SELECT {columns}, 0 AS {_ORDINAL} FROM {table} WITH NO DATA"
        )
        # COPY is psycopg's own API, outside Django's cursor: its errors are converted here.
        copy_sql = f"COPY {stage} ({columns}, {_ORDINAL}) FROM STDIN"
        with db.wrap_database_errors, cursor.copy(copy_sql) as copy:
            for ordinal, row in enumerate(rows):
                copy.write_row([*row, ordinal])
        pks = []
        if returning:
            pk = quote(model._meta.pk.column)
            cursor.execute(f"{insert}{tail} RETURNING {pk}")
            pks = sorted(pk for (pk,) in cursor.fetchall())
        else:
            cursor.execute(insert + tail)
        cursor.execute(f"DELETE FROM {stage}")
    return pks


def _stored_json_adapter() -> Callable[[StoredJSON], Any]:
    """Hand an already encoded payload to the database as it is, without a second dump."""
    if db.vendor == "postgresql":
        from django.db.backends.postgresql.psycopg_any import Jsonb

        return lambda text: Jsonb(text, dumps=str)
    return str  # SQLite stores JSON as its text


def _utc_text(value: datetime | None) -> str | None:
    if value is None:
        return None
    if value.tzinfo is not None and value.tzinfo is not UTC:
        value = value.astimezone(UTC)
    # What Django's SQLite backend stores for a moment: naive UTC, "YYYY-MM-DD HH:MM:SS[.ffffff]".
    return str(value.replace(tzinfo=None))


def _moment_adapter() -> Callable[[datetime | None], Any]:
    """The backend's adapter for moments. On SQLite in UTC (the default), the same text the
    ORM's adapter makes in a fraction of its time: an import adapts about two per row."""
    if db.vendor == "sqlite" and db.timezone is UTC:
        return _utc_text
    return db.ops.adapt_datetimefield_value


def adapt_moment(value: datetime | None) -> Any:
    """A moment as the backend stores it."""
    return _moment_adapter()(value)


def column_adapters(fields: Sequence[models.Field]) -> list[Callable[[Any], Any] | None]:
    """Per field, the backend's adapter its values need (None: stored as they are).

    The backend's own adapters, called directly: the values were already coerced to the
    field's Python type by `extract`, so the field-level validation would only repeat work.
    """
    ops = db.ops
    adapt_datetime = _moment_adapter()
    stored_json = _stored_json_adapter()

    def adapt_json(value: Any, encoder: type | None) -> Any:
        if isinstance(value, StoredJSON):
            return stored_json(value)
        if encoder is None:
            return stored_json(canonical_json(value))
        return ops.adapt_json_value(value, encoder)

    def adapter(field: models.Field) -> Callable[[Any], Any] | None:
        if isinstance(field, models.JSONField):
            return lambda value: adapt_json(value, field.encoder)
        if isinstance(field, models.DateTimeField):
            return adapt_datetime
        if isinstance(field, models.DecimalField):
            return lambda value: ops.adapt_decimalfield_value(
                value, field.max_digits, field.decimal_places
            )
        return None

    return [adapter(field) for field in fields]


def _row_params(fields: Sequence[models.Field]) -> Callable[[dict[str, Any]], list[Any]]:
    adapters = column_adapters(fields)
    pairs = list(zip((field.attname for field in fields), adapters, strict=True))

    def params(row: dict[str, Any]) -> list[Any]:
        return [adapt(row.get(name)) if adapt else row.get(name) for name, adapt in pairs]

    return params


def upsert_rows(
    model: type[models.Model],
    rows: Mapping[K, list[Any]],
    failures: list[tuple[str, str]],
    remote_id: Callable[[K], str] = str,
) -> list[K]:
    """Upsert mirror rows (key → the row's parameters, see `rows`); return the keys stored.

    A row's key is its identity in the page (`mirror_identity`): its remote id, or for a
    child its parent's and its own. A row the database refuses is isolated: the page is
    retried row by row, each in its own savepoint, and only the refused rows are reported in
    `failures`, by `remote_id(key)`.
    """
    if not rows:
        return []
    conflict = _mirror_conflict_sql(model)
    try:
        with transaction.atomic(), db.cursor() as cursor:
            _insert_all(cursor, model, conflict, list(rows.values()))
        return list(rows)
    except REFUSED:
        logger.warning("bulk upsert of %s failed; isolating rows", model.__name__)
    sql = _insert_sql(model) + conflict
    stored = []
    for key, params in rows.items():
        try:
            with transaction.atomic(), db.cursor() as cursor:
                cursor.execute(sql, params)
            stored.append(key)
        except REFUSED as exc:
            failures.append((remote_id(key), f"database refused the record: {exc}"[:500]))
    return stored


def instance_row(instance: models.Model, names: Sequence[str] | None = None) -> dict[str, Any]:
    """The row of a model instance (every column, or the `names` fields and its pk)."""
    fields = (
        [instance._meta.get_field(name) for name in names]
        if names
        else model_columns(type(instance))
    )
    return {"pk": instance.pk} | {f.attname: getattr(instance, f.attname) for f in fields}


def insert_rows(
    model: type[models.Model],
    rows: list[dict[str, Any]],
    *,
    conflict: str | None = None,
    update: Sequence[str] = (),
) -> None:
    """Insert rows in one executemany. On a `conflict` (a unique column), the `update` fields
    take the new row's values; with none, the existing row is kept."""
    if not rows:
        return
    tail = ""
    if conflict:
        tail = _on_conflict([conflict], [model._meta.get_field(name).column for name in update])
    params = _row_params(model_columns(model))
    with db.cursor() as cursor:
        _insert_all(cursor, model, tail, [params(row) for row in rows])


def insert_rows_returning_pks(model: type[models.Model], rows: list[dict[str, Any]]) -> list[int]:
    """Insert rows; return their new primary keys in order (multi-row INSERT .. RETURNING)."""
    if not rows:
        return []
    fields = model_columns(model)
    params = _row_params(fields)
    if db.vendor == "postgresql":
        with db.cursor() as cursor:
            return _copy_insert(cursor, model, "", [params(row) for row in rows], returning=True)
    size = max(1, db.ops.bulk_batch_size(fields, rows))
    returning = f" RETURNING {db.ops.quote_name(model._meta.pk.column)}"
    pks: list[int] = []
    with db.cursor() as cursor:
        for start in range(0, len(rows), size):
            batch = rows[start : start + size]
            cursor.execute(
                _insert_sql(model, len(batch)) + returning,
                [value for row in batch for value in params(row)],
            )
            pks += [pk for (pk,) in cursor.fetchall()]
    return pks


def update_rows(
    model: type[models.Model], rows: list[dict[str, Any]], names: Sequence[str]
) -> None:
    """Set the `names` columns of each row (a dict with its `pk`), one executemany."""
    if rows:
        quote = db.ops.quote_name
        fields = [model._meta.get_field(name) for name in names]
        params = _row_params(fields)
        assignments = ", ".join(f"{quote(f.column)} = %s" for f in fields)
        sql = (
            f"UPDATE {quote(model._meta.db_table)} SET {assignments} "
            f"WHERE {quote(model._meta.pk.column)} = %s"
        )
        with db.cursor() as cursor:
            cursor.executemany(sql, [[*params(row), row["pk"]] for row in rows])
