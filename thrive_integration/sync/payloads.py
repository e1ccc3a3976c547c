"""Mirrored records' payloads as Thrive sent them, their embedded lists put back.

An import stores each embedded child once, as its own row, and keeps the list in its parent's
payload as `[]` (see `extract.encode_record`). What reads a parent's payload as Thrive sent it
(re-mapping, a mapping preview, the admin) gets it from here: one query per child list for a
whole batch of parents, whatever its size.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Mapping, Sequence
from typing import Any

from django.db.models import Model

from .registry import RESOURCES

_SPECS = {spec.model: spec for spec in RESOURCES}


def full_payloads(model: type[Model], payloads: Mapping[int, Any]) -> dict[int, Any]:
    """Each stored payload (by primary key) of `model`, its included lists filled with the
    children still listed, in Thrive's order. A list absent (not included) stays absent, and
    a payload stored whole (by an older build, say) is returned as it is."""
    whole = dict(payloads)
    spec = _SPECS.get(model)
    for child in spec.children if spec else ():
        waiting = [
            pk for pk, data in whole.items() if isinstance(data, dict) and data.get(child.key) == []
        ]
        if not waiting:
            continue
        parent = f"{child.parent_field}_id"
        rows = child.model.objects.filter(
            **{f"{parent}__in": waiting}, remote_deleted_at__isnull=True
        )
        if child.id_prefix:
            rows = rows.filter(remote_id__startswith=child.id_prefix)
        items = defaultdict(list)
        for parent_pk, data in rows.order_by(parent, "list_index", "pk").values_list(
            parent, "remote_data"
        ):
            items[parent_pk].append(data)
        for pk, listed in items.items():
            whole[pk] = {**whole[pk], child.key: listed}
    return whole


def attach_children(records: Sequence[Model]) -> None:
    """Make each loaded record's `remote_data` whole (see `full_payloads`)."""
    if records:
        whole = full_payloads(type(records[0]), {r.pk: r.remote_data for r in records})
        for record in records:
            record.remote_data = whole[record.pk]
