"""Thrive candidacies → the Application fields their FieldMappings write (the seed's `source`).

A connection's candidacy mappings say what an Application takes from its candidacy's payload,
as its contact mappings say what a CandidateProfile takes from a contact, and are honoured the
same way. Mapping a payload is pure, so the import maps each candidacy where its page is
prepared (`candidacy_mapper`, possibly in another process, ahead of the write), and the page's
hook uses that unless the mappings changed meanwhile (`map_candidacies` then maps the stored
payloads again). The values go to `pipeline.applications.refresh`, which derives the rest of
the application (stage, SLA, profile) and never decodes a payload itself. After a mapping
change, a remap run re-maps every stored candidacy (`remap_application_batches`) and rewrites
only the applications whose mapped fields changed.
"""

from __future__ import annotations

from collections.abc import Callable, Hashable, Iterable, Iterator, Mapping
from typing import Any, NamedTuple

from ..exceptions import MappingError
from ..lookups import by_pks
from ..models import Candidacy, Connection, FieldMapping
from ..pipeline import applications
from ..sync.payloads import full_payloads
from .apply import mapped_values
from .engine import (
    BatchRecorder,
    MappingOutcome,
    import_mappings,
    mapping_state,
    remap_stored,
    returning_errors,
)

CANDIDACY = FieldMapping.ThriveObject.CANDIDACY

# What a candidacy maps to ahead of its page's write: its application's mapped fields, or why not.
Premapped = dict[str, Any] | MappingError


# How a candidacy's stored row names its application's mapped fields.
_APPLICATION_FIELDS = tuple(f"application__{name}" for name in applications.MAPPED_FIELDS)


class MappedCandidacies(NamedTuple):
    values: dict[int, dict[str, Any]]  # candidacy id → its application's mapped fields
    failures: list[tuple[str, str]]  # (remote id, reason) of the candidacies that failed


def _mapper(mappings: list[FieldMapping]) -> Callable[[Any], Premapped]:
    return returning_errors(lambda payload: mapped_values(payload, mappings, CANDIDACY))


def candidacy_mapper(connection: Connection) -> tuple[Hashable, Callable[[Any], Premapped]]:
    """The mapping of one candidacy payload with the connection's mappings, and the state it
    depends on: pure, so an import may map a page ahead, in another process."""
    mappings = import_mappings(connection, CANDIDACY)
    return mapping_state(mappings), _mapper(mappings)


def _stored(connection: Connection, candidacy_ids: Iterable[int], *fields: str) -> list:
    """The candidacies' ids, remote ids, payloads and `fields`, as named tuples."""
    rows = Candidacy.objects.values_list(
        "pk", "connection_id", "remote_id", "remote_data", *fields, named=True
    )
    stored = by_pks(rows, connection, candidacy_ids)
    whole = full_payloads(Candidacy, {row.pk: row.remote_data for row in stored})
    return [row._replace(remote_data=whole[row.pk]) for row in stored]


def _map_stored(
    candidacies: list, mappings: list[FieldMapping], failures: list[tuple[str, str]]
) -> Iterator[tuple[Any, dict[str, Any]]]:
    """Each stored candidacy that maps, with its values; the others go to `failures`."""
    premap = _mapper(mappings)
    for candidacy in candidacies:
        result = premap(candidacy.remote_data)
        if isinstance(result, MappingError):
            failures.append((candidacy.remote_id, f"application: {result}"))
        else:
            yield candidacy, result


def map_candidacies(
    connection: Connection,
    candidacy_ids: list[int],
    *,
    premapped: Mapping[int, Premapped] | None = None,
    state: Hashable = None,
) -> MappedCandidacies:
    """The mapped fields of these stored candidacies' applications.

    `premapped` (candidacy id → what `candidacy_mapper` made of its payload, in `state`) is
    used when the mappings are still those it was made with; otherwise, and for the
    candidacies that failed (to name them), the stored payloads are read and mapped here.
    """
    mappings = import_mappings(connection, CANDIDACY)
    if premapped is None or state != mapping_state(mappings):
        premapped = {}  # the mappings changed since the page was prepared
    values = {pk: result for pk in candidacy_ids if isinstance(result := premapped.get(pk), dict)}
    failures: list[tuple[str, str]] = []
    if again := [pk for pk in candidacy_ids if pk not in values]:
        stored = _stored(connection, again)
        values.update((c.pk, result) for c, result in _map_stored(stored, mappings, failures))
    return MappedCandidacies(values, failures)


def remap_applications(connection: Connection, candidacy_ids: list[int]) -> MappingOutcome:
    """Map stored candidacies again; refresh the applications whose mapped fields change.

    Counts are per candidacy: `created` for one that had no application yet.
    """
    outcome = MappingOutcome()
    stored = _stored(connection, candidacy_ids, "application__pk", *_APPLICATION_FIELDS)
    mappings = import_mappings(connection, CANDIDACY)
    changed = {}
    for candidacy, values in _map_stored(stored, mappings, outcome.failures):
        if candidacy.application__pk is None:
            outcome.created += 1
        elif values == {name: getattr(candidacy, f"application__{name}") for name in values}:
            outcome.unchanged += 1
            continue
        else:
            outcome.updated += 1
        changed[candidacy.pk] = values
    applications.refresh(connection, list(changed), changed)
    return outcome


def remap_application_batches(
    connection: Connection,
    batch_size: int = 500,
    *,
    after: str | None = None,
    record: BatchRecorder | None = None,
) -> Iterator[MappingOutcome]:
    """Re-map stored candidacies to their applications (see `engine.remap_stored`)."""
    return remap_stored(
        connection, Candidacy, remap_applications, batch_size, after=after, record=record
    )
