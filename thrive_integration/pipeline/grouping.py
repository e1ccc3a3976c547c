"""Stage mappings: a first guess at grouping a connection's Thrive stages, then never again.

On a connection's first import every Thrive stage is grouped by name (keywords Thrive
accounts commonly use), and a stage no keyword matches goes with the stage before it in
Thrive's order, since accounts order stages along the hiring funnel. Later imports add new
Thrive stages unmapped: by then a person has shaped the grouping, and a guess would silently
change what their pipeline counts (the seed asks them to map stages; we flag, they decide).
"""

from __future__ import annotations

import json
from pathlib import Path

from ..models import (
    CandidacyStage,
    Connection,
    PipelineStage,
    StageMapping,
    StepStatus,
    SyncStep,
)

DEFAULT_STAGES_FIXTURE = Path(__file__).resolve().parents[1] / "fixtures" / "pipeline_stages.json"

# Platform stage key → words that, found in a Thrive stage name, put it there. First match wins,
# so the more specific groups come first ("Offer Declined" is a rejection, not an offer).
NAME_KEYWORDS: tuple[tuple[str, tuple[str, ...]], ...] = (
    ("rejected", ("reject", "declin", "withdr", "lost", "not selected", "disqualif")),
    ("hired", ("placed", "hired", "started", "accepted", "joined")),
    ("offer", ("offer",)),
    ("interview", ("interview", "onsite", "on-site")),
    ("screening", ("screen", "qualif", "shortlist", "submitted", "review", "assess")),
    ("applied", ("appl", "inbound", "new")),
    ("sourced", ("sourc", "identif", "prospect", "contacted", "longlist", "lead")),
)


def ensure_default_stages() -> None:
    """Load the default platform stages once; edited or added stages are left alone."""
    if PipelineStage.objects.exists():
        return
    rows = json.loads(DEFAULT_STAGES_FIXTURE.read_text())
    PipelineStage.objects.bulk_create(
        [PipelineStage(**row["fields"]) for row in rows], ignore_conflicts=True
    )


def guess_stage_key(name: str) -> str | None:
    lowered = name.casefold()
    for key, words in NAME_KEYWORDS:
        if any(word in lowered for word in words):
            return key
    return None


def add_mappings(connection: Connection, candidacy_stage_ids: list[int]) -> list[StageMapping]:
    """Mappings for Thrive stages that have none: guessed on first import, else unmapped."""
    # "First" until the stages have once been imported completely, so a stage list that spans
    # several pages is guessed whole.
    first_import = not SyncStep.objects.filter(
        run__connection=connection,
        resource="candidacy_stages",
        status__in=(StepStatus.SUCCEEDED, StepStatus.NEEDS_ATTENTION),
    ).exists()
    new_stages = list(
        CandidacyStage.objects.filter(
            connection=connection, pk__in=candidacy_stage_ids, mapping__isnull=True
        ).order_by("position", "id")
    )
    if not new_stages:
        return []
    mappings = (
        _guessed_mappings(connection, new_stages)
        if first_import
        else [StageMapping(connection=connection, candidacy_stage=stage) for stage in new_stages]
    )
    # Ignore conflicts: a concurrent page of the same import may have mapped a stage already.
    StageMapping.objects.bulk_create(mappings, ignore_conflicts=True)
    return mappings


def _guessed_mappings(connection: Connection, stages: list[CandidacyStage]) -> list[StageMapping]:
    ensure_default_stages()
    platform = {stage.key: stage for stage in PipelineStage.objects.all()}
    fallback = next(iter(platform.values()), None)
    previous: PipelineStage | None = None
    mappings = []
    for position, stage in enumerate(stages):
        guessed = platform.get(guess_stage_key(stage.name) or "")
        target = guessed or previous or fallback
        previous = target
        mappings.append(
            StageMapping(
                connection=connection,
                candidacy_stage=stage,
                pipeline_stage=target,
                position=position,
                sla_days=target.default_sla_days if target else None,
                inbound=bool(target and target.inbound_by_default),
            )
        )
    return mappings
