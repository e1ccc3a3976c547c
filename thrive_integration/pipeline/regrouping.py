"""A whole new grouping of a connection's Thrive stages, checked whole and applied at once.

The frontend lets a person drag stages between platform stages and then saves the result in
one request. Applying it item by item could leave half a grouping behind when one item is bad
(a stage removed in Thrive meanwhile, a platform stage deleted in another tab), and the
pipeline counts would then match neither the old grouping nor the new one. So every item is
checked first, all problems are reported together, and only a fully valid grouping is written,
in one transaction.

`groups` is `[{"pipeline_stage": id, "stages": [{"id": mapping id, "sla_days": n,
"inbound": bool, "excluded_from_advance": bool}, ...]}, ...]`; a stage's order is its place in
its list. Live stages left out become unmapped (Needs Attention); removed ones keep their
mapping, since they cannot be chosen any more and their history should not move.
"""

from __future__ import annotations

from typing import Any

from django.db import transaction

from ..models import Connection, PipelineStage, StageMapping
from . import applications
from .errors import PipelineRefused

SETTINGS = ("sla_days", "inbound", "excluded_from_advance")


def regroup(connection: Connection, groups: list[dict[str, Any]]) -> list[StageMapping]:
    """Validate `groups` whole, then apply it atomically; PipelineRefused lists every problem."""
    with transaction.atomic():
        mappings = {
            mapping.pk: mapping
            # Ordered by pk: the default ordering joins platform stages, which FOR UPDATE refuses.
            for mapping in StageMapping.objects.select_for_update()
            .filter(connection=connection)
            .select_related("candidacy_stage")
            .order_by("pk")
        }
        targets = _validated(groups, mappings)
        changed = _apply(mappings, targets)
        fields = ["pipeline_stage", "position", *SETTINGS]
        StageMapping.objects.bulk_update(changed, fields)
        applications.refresh_for_mappings(connection, [mapping.pk for mapping in changed])
    return changed


def _validated(
    groups: list[dict[str, Any]], mappings: dict[int, StageMapping]
) -> dict[int, dict[str, Any]]:
    """Mapping id → its new values; raises with all problems found."""
    errors: dict[str, list[str]] = {}
    platform_ids = set(PipelineStage.objects.values_list("pk", flat=True))
    targets: dict[int, dict[str, Any]] = {}
    for group_index, group in enumerate(groups):
        where = f"groups[{group_index}]"
        if group.get("pipeline_stage") not in platform_ids:
            errors.setdefault(where, []).append(
                f"Unknown platform stage {group.get('pipeline_stage')!r}."
            )
        for position, item in enumerate(group.get("stages") or []):
            mapping = mappings.get(item.get("id"))
            if mapping is None:
                errors.setdefault(where, []).append(f"Unknown stage {item.get('id')!r}.")
            elif mapping.removed:
                errors.setdefault(where, []).append(
                    f"The stage {mapping.candidacy_stage.name!r} was removed in Thrive."
                )
            elif mapping.pk in targets:
                errors.setdefault(where, []).append(
                    f"The stage {mapping.candidacy_stage.name!r} is in the grouping twice."
                )
            else:
                targets[mapping.pk] = {
                    "pipeline_stage_id": group.get("pipeline_stage"),
                    "position": position,
                    **{name: item[name] for name in SETTINGS if name in item},
                }
    if errors:
        raise PipelineRefused("The grouping was not saved: it has invalid stages.", errors)
    return targets


def _apply(
    mappings: dict[int, StageMapping], targets: dict[int, dict[str, Any]]
) -> list[StageMapping]:
    changed = []
    for mapping in mappings.values():
        if mapping.pk in targets:
            values = targets[mapping.pk]
        elif mapping.removed:
            continue
        else:
            values = {"pipeline_stage_id": None}
        before = [getattr(mapping, name) for name in ("pipeline_stage_id", "position", *SETTINGS)]
        for name, value in values.items():
            setattr(mapping, name, value)
        if before != [getattr(mapping, n) for n in ("pipeline_stage_id", "position", *SETTINGS)]:
            changed.append(mapping)
    return changed
