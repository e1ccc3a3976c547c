"""Inbound applicants (listing, filters, counts, constant queries), SLA with a controlled clock,
and regrouping applied whole or refused whole."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.db import connection as db
from django.test.utils import CaptureQueriesContext

from thrive_integration.models import Application, PipelineStage, StageMapping
from thrive_integration.pipeline import PipelineRefused, regroup
from thrive_integration.pipeline.inbound import filter_applications, inbound_applications

from .conftest import mapping_of

pytestmark = [pytest.mark.django_db, pytest.mark.urls("tests.pipeline.urls")]

INBOUND = "/api/thrive/applications/inbound/"


def _inbound_ids(connection) -> set[int]:
    return set(
        Application.objects.filter(connection=connection, stage_mapping__inbound=True).values_list(
            "pk", flat=True
        )
    )


def test_inbound_lists_applications_in_inbound_stages_with_counts_per_stage(imported, api):
    expected = _inbound_ids(imported)
    assert expected  # Qualified and Submitted are inbound by default

    page = api.get(INBOUND, {"connection": imported.pk, "page_size": 200}).json()

    assert {row["id"] for row in page["results"]} == expected
    screening = PipelineStage.objects.get(key="screening")
    assert page["counts"] == [
        {"pipeline_stage": screening.pk, "name": "Screening", "count": len(expected)}
    ]
    search_id = page["results"][0]["search"]
    by_search = api.get(INBOUND, {"connection": imported.pk, "search": search_id}).json()
    assert {row["search"] for row in by_search["results"]} == {search_id}
    other_stage = PipelineStage.objects.get(key="offer").pk
    by_stage = api.get(INBOUND, {"connection": imported.pk, "pipeline_stage": other_stage}).json()
    assert by_stage["results"] == [] and by_stage["counts"] == page["counts"]


def test_inbound_listing_costs_the_same_queries_for_a_small_and_a_big_page(imported, api):
    StageMapping.objects.filter(connection=imported).update(inbound=True)

    def queries(page_size: int) -> int:
        with CaptureQueriesContext(db) as captured:
            answer = api.get(INBOUND, {"connection": imported.pk, "page_size": page_size})
        assert answer.status_code == 200 and len(answer.json()["results"]) == page_size
        return len(captured)

    assert queries(2) == queries(30)


def test_sla_breach_is_judged_against_the_clock_given(imported):
    qualified = mapping_of(imported, "Qualified")  # 5 SLA days
    application = Application.objects.filter(stage_mapping=qualified, rejected=False).first()
    entered = application.stage_entered_at
    assert application.sla_due_at == entered + timedelta(days=5)
    listed = inbound_applications(Application.objects.filter(pk=application.pk))

    on_time = entered + timedelta(days=4, hours=23)
    late = entered + timedelta(days=5, minutes=1)

    assert not application.sla_breached(on_time) and application.sla_breached(late)
    assert not filter_applications(listed, now=on_time, sla_breached=True).exists()
    assert filter_applications(listed, now=late, sla_breached=True).get() == application
    assert filter_applications(listed, now=on_time, sla_breached=False).get() == application


def test_regrouping_applies_a_whole_new_grouping_at_once(imported, api):
    interview = PipelineStage.objects.get(key="interview")
    offer = PipelineStage.objects.get(key="offer")
    submitted = mapping_of(imported, "Submitted")
    placed = mapping_of(imported, "Placed")
    groups = [
        {
            "pipeline_stage": interview.pk,
            "stages": [
                {"id": submitted.pk, "sla_days": 2, "inbound": False},
                {"id": mapping_of(imported, "Client Interview").pk},
            ],
        },
        {"pipeline_stage": offer.pk, "stages": [{"id": placed.pk, "excluded_from_advance": True}]},
    ]

    answer = api.post(
        "/api/thrive/stage-mappings/regroup/",
        {"connection": imported.pk, "groups": groups},
        format="json",
    )

    assert answer.status_code == 200, answer.content
    submitted.refresh_from_db()
    assert (submitted.pipeline_stage, submitted.position, submitted.sla_days) == (interview, 0, 2)
    assert not submitted.inbound
    placed.refresh_from_db()
    assert placed.pipeline_stage == offer and placed.excluded_from_advance
    # Live stages the grouping leaves out wait for someone to map them.
    assert mapping_of(imported, "Identified").needs_attention
    moved = Application.objects.filter(stage_mapping=submitted)
    assert moved.exists()
    for application in moved:
        assert application.pipeline_stage == interview
        assert application.sla_due_at == application.stage_entered_at + timedelta(days=2)


def test_a_grouping_with_an_invalid_stage_is_refused_whole(imported, api):
    before = list(
        StageMapping.objects.order_by("pk").values_list(
            "pk", "pipeline_stage", "position", "sla_days", "inbound"
        )
    )
    applications_before = list(Application.objects.order_by("pk").values_list("pipeline_stage"))
    interview = PipelineStage.objects.get(key="interview")
    valid_move = {"id": mapping_of(imported, "Submitted").pk, "sla_days": 1}
    groups = [
        {"pipeline_stage": interview.pk, "stages": [valid_move, {"id": 999_999}]},
    ]

    answer = api.post(
        "/api/thrive/stage-mappings/regroup/",
        {"connection": imported.pk, "groups": groups},
        format="json",
    )

    assert answer.status_code == 400
    assert "999999" in str(answer.json())
    with pytest.raises(PipelineRefused):
        regroup(imported, [{"pipeline_stage": 424242, "stages": [valid_move]}])
    after = list(
        StageMapping.objects.order_by("pk").values_list(
            "pk", "pipeline_stage", "position", "sla_days", "inbound"
        )
    )
    assert after == before
    assert list(Application.objects.order_by("pk").values_list("pipeline_stage")) == (
        applications_before
    )


def test_an_unknown_key_inside_a_group_is_refused(imported, api):
    interview = PipelineStage.objects.get(key="interview")
    stage = {"id": mapping_of(imported, "Submitted").pk, "sla_dayz": 1}

    answer = api.post(
        "/api/thrive/stage-mappings/regroup/",
        {
            "connection": imported.pk,
            "groups": [{"pipeline_stage": interview.pk, "stages": [stage]}],
        },
        format="json",
    )

    assert answer.status_code == 400
    assert "sla_dayz" in str(answer.json())
