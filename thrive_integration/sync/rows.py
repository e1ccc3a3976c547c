"""A mirror row's statement parameters, built straight from its payload.

An import writes about 1,500 rows per page of contacts (the contacts and their embedded
children). Going from a payload to a dict of field values, then to a dict per row, then to a
list of adapted values cost more than the database's own work; a plan compiled once per mirror
model turns a payload into its INSERT's parameters, in column order, in one pass. Values are
read leniently (see `extract`) and adapted as the backend would adapt them (see `bulk`).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from functools import cache
from typing import Any

from django.db.models import Model

from .bulk import column_adapters, model_columns
from .extract import Encoded, coercer, parse_timestamp

# The mirror's own timestamps and the payload keys they are read from.
_TIMESTAMPS = (("remote_created_at", "created_at"), ("remote_updated_at", "updated_at"))

# A payload path, or its alternatives in order of preference (see `registry.ResourceSpec`).
PayloadPath = str | tuple[str, ...]

_Reader = tuple[int, tuple[tuple[str, ...], ...], Callable[[Any], Any], Callable[[Any], Any] | None]


@dataclass(frozen=True)
class RowPlan:
    """Where each column of a `model` row comes from: the payload, the write or a constant."""

    model: type[Model]
    # Per read column: (position, its payload paths split at dots, coercer, adapter).
    readers: tuple[_Reader, ...]
    template: tuple[Any, ...]  # the row's constants; None elsewhere (remote_deleted_at too)
    connection_at: int
    remote_id_at: int
    synced_at: tuple[int, int]  # first_synced_at, last_synced_at
    data_at: int
    hash_at: int
    parent_at: int | None
    list_index_at: int | None  # a child's place in its parent's list
    adapt_json: Callable[[Any], Any]

    def params(
        self,
        connection_id: int,
        now: Any,
        remote_id: str,
        encoded: Encoded,
        list_index: int = 0,
    ) -> list[Any]:
        """The parameters of one record's row; `now` is the write's moment, already adapted
        (`bulk.adapt_moment`), as every row of a write shares it. A child's parent key is set
        at write time (`parent_at`), once its parent has one."""
        row = list(self.template)
        payload = encoded.payload
        for position, alternatives, coerce, adapt in self.readers:
            for parts in alternatives:  # the first path that holds a value
                value: Any = payload
                for part in parts:
                    value = value.get(part) if isinstance(value, dict) else None
                if value is not None:
                    break
            value = coerce(value)
            row[position] = value if adapt is None else adapt(value)
        row[self.connection_at] = connection_id
        row[self.remote_id_at] = remote_id
        row[self.synced_at[0]] = row[self.synced_at[1]] = now
        row[self.data_at] = self.adapt_json(encoded.text)
        row[self.hash_at] = encoded.digest
        if self.list_index_at is not None:
            row[self.list_index_at] = list_index
        return row


def _alternatives(path: PayloadPath) -> tuple[str, ...]:
    return (path,) if isinstance(path, str) else path


@cache
def _plan(
    model: type[Model],
    fields: tuple[tuple[str, PayloadPath], ...],
    constants: tuple[tuple[str, Any], ...],
    parent_field: str | None,
) -> RowPlan:
    columns = model_columns(model)
    adapters = column_adapters(columns)
    at = {field.attname: index for index, field in enumerate(columns)}
    # A constant wins over a payload value (a team membership's team is its list's).
    read = {name: path for name, path in fields if name not in dict(constants)}
    readers = [
        (
            at[name],
            tuple(tuple(path.split(".")) for path in _alternatives(payload_path)),
            coercer(model._meta.get_field(name)),
            adapters[at[name]],
        )
        for name, payload_path in read.items()
    ]
    readers += [
        (at[name], ((key,),), parse_timestamp, adapters[at[name]]) for name, key in _TIMESTAMPS
    ]
    template: list[Any] = [None] * len(columns)
    for name, value in constants:
        adapt = adapters[at[name]]
        template[at[name]] = value if adapt is None else adapt(value)
    return RowPlan(
        model=model,
        readers=tuple(readers),
        template=tuple(template),
        connection_at=at["connection_id"],
        remote_id_at=at["remote_id"],
        synced_at=(at["first_synced_at"], at["last_synced_at"]),
        data_at=at["remote_data"],
        hash_at=at["content_hash"],
        parent_at=at[f"{parent_field}_id"] if parent_field else None,
        list_index_at=at.get("list_index"),
        adapt_json=adapters[at["remote_data"]],
    )


def row_plan(
    model: type[Model],
    fields: Mapping[str, PayloadPath],
    constants: Mapping[str, Any] | None = None,
    parent_field: str | None = None,
) -> RowPlan:
    """The plan of `model`'s rows with these payload paths, constants and parent (cached)."""
    return _plan(model, tuple(fields.items()), tuple((constants or {}).items()), parent_field)
