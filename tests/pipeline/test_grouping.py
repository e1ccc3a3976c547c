"""Stage mappings from the import: a guessed grouping once, then new stages flagged, removed
stages kept but never offered."""

from __future__ import annotations

import pytest

from thrive_integration.models import Application, Candidacy, PipelineStage, StageMapping
from thrive_integration.pipeline import PipelineRefused, advance, choices

from .conftest import mapping_of, open_applications, sync

pytestmark = pytest.mark.django_db


def test_first_import_groups_every_thrive_stage_by_name_and_order(imported):
    grouped = {
        mapping.candidacy_stage.name: mapping.pipeline_stage.key
        for mapping in StageMapping.objects.filter(connection=imported).select_related(
            "candidacy_stage", "pipeline_stage"
        )
    }

    assert grouped == {
        "Identified": "sourced",
        "Contacted": "sourced",
        "Qualified": "screening",
        "Submitted": "screening",
        "Client Interview": "interview",
        "Offer": "offer",
        "Placed": "hired",
        # No keyword: it goes with the stage before it in Thrive's order.
        "On Hold": "hired",
    }
    screening = mapping_of(imported, "Qualified")
    assert screening.inbound and screening.sla_days == 5
    assert not mapping_of(imported, "Offer").inbound
    assert PipelineStage.objects.count() == 7  # the default set from fixtures/


def test_first_import_makes_one_application_per_candidacy_in_its_platform_stage(imported):
    candidacies = Candidacy.objects.filter(connection=imported)
    applications = Application.objects.filter(connection=imported).select_related(
        "candidacy", "stage_mapping__candidacy_stage", "pipeline_stage"
    )

    assert applications.count() == candidacies.count() > 0
    for application in applications:
        candidacy = application.candidacy
        assert application.stage_mapping.candidacy_stage.remote_id == (
            candidacy.candidacy_stage_remote_id
        )
        assert application.pipeline_stage == application.stage_mapping.pipeline_stage
        assert application.rejected == bool(candidacy.rejection_reason)
        assert application.profile is not None and application.search is not None


def test_a_stage_added_in_thrive_later_arrives_unmapped_and_flagged(imported, sandbox):
    before = {m.pk: m.pipeline_stage_id for m in StageMapping.objects.filter(connection=imported)}
    state = sandbox.state
    stage = state.collections["candidacy_stages"].insert(
        {"name": "Technical Interview", "position": 9, "active": True}, state.now()
    )
    candidacy_id = Candidacy.objects.filter(connection=imported).first().remote_id
    state.update_candidacy(candidacy_id, {"candidacy_stage_id": stage["id"]})

    sync(imported)

    new = mapping_of(imported, "Technical Interview")
    # Its name says "interview", but after the first import nothing is guessed any more.
    assert new.pipeline_stage is None and new.needs_attention
    assert {m.pk: m.pipeline_stage_id for m in StageMapping.objects.exclude(pk=new.pk)} == before
    # Its applicant is not dropped: listed, without a platform stage, until someone maps it.
    application = Application.objects.get(candidacy__remote_id=candidacy_id)
    assert application.stage_mapping == new and application.pipeline_stage is None
    assert new not in choices.advance_targets(imported)


def test_a_stage_removed_in_thrive_keeps_its_history_but_cannot_be_chosen(imported, sandbox):
    submitted = mapping_of(imported, "Submitted")
    waiting = Application.objects.filter(stage_mapping=submitted).count()
    state = sandbox.state
    state.collections["candidacy_stages"].delete(
        int(submitted.candidacy_stage.remote_id), state.now(), soft=True
    )

    sync(imported, full=True)

    submitted.refresh_from_db()
    submitted.candidacy_stage.refresh_from_db()
    assert submitted.removed and not submitted.needs_attention
    assert submitted.pipeline_stage.key == "screening"  # the grouping is history too
    assert Application.objects.filter(stage_mapping=submitted).count() == waiting
    assert submitted not in choices.advance_targets(imported)
    application = next(a for a in open_applications(imported) if a.stage_mapping != submitted)
    with pytest.raises(PipelineRefused, match="removed in Thrive"):
        advance(application, submitted)
