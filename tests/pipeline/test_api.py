"""REST specifics: menus leave excluded choices out, the server refuses them anyway, bulk
answers per application, and another owner's applications do not exist."""

from __future__ import annotations

import pytest
from django.contrib.auth import get_user_model
from rest_framework.test import APIClient

from thrive_integration.models import Application, ExcludedRejectionReason, OutboxEntry

from .conftest import mapping_of, open_applications

pytestmark = [pytest.mark.django_db, pytest.mark.urls("tests.pipeline.urls")]

APPLICATIONS = "/api/thrive/applications/"


def test_menus_leave_out_excluded_stages_and_reasons_and_the_server_refuses_them(imported, api):
    offer = mapping_of(imported, "Offer")
    offer.excluded_from_advance = True
    offer.save()
    ExcludedRejectionReason.objects.create(connection=imported, reason="Not interested")
    application = next(a for a in open_applications(imported) if a.stage_mapping != offer)

    menus = api.get(f"{APPLICATIONS}choices/", {"connection": imported.pk}).json()

    offered = {target["candidacy_stage_name"] for target in menus["advance_targets"]}
    assert "Offer" not in offered and "Placed" in offered
    assert "On Hold" not in offered  # inactive in Thrive
    assert "Not interested" not in menus["rejection_reasons"] and menus["rejection_reasons"]
    advanced = api.post(
        f"{APPLICATIONS}{application.pk}/advance/", {"stage_mapping": offer.pk}, format="json"
    )
    rejected = api.post(
        f"{APPLICATIONS}{application.pk}/reject/", {"reason": "not interested"}, format="json"
    )
    assert advanced.status_code == rejected.status_code == 400
    assert "excluded" in advanced.json()["detail"] and "excluded" in rejected.json()["detail"]
    assert not OutboxEntry.objects.exists()


def test_bulk_advance_answers_per_application(imported, api):
    placed = mapping_of(imported, "Placed")
    movable = [a.pk for a in open_applications(imported) if a.stage_mapping != placed][:2]
    already_there = Application.objects.filter(stage_mapping=placed, rejected=False).first()
    ids = [*movable, already_there.pk, 987_654]

    answer = api.post(
        f"{APPLICATIONS}bulk-advance/",
        {"connection": imported.pk, "applications": ids, "stage_mapping": placed.pk},
        format="json",
    )

    assert answer.status_code == 200, answer.content
    outcomes = {row["application_id"]: row for row in answer.json()}
    assert [outcomes[pk]["ok"] for pk in ids] == [True, True, False, False]
    assert outcomes[987_654]["error"] == "No such application."
    assert OutboxEntry.objects.filter(application_id__in=movable).count() == 2


def test_another_owners_applications_are_not_found(imported):
    stranger = APIClient()
    stranger.force_authenticate(get_user_model().objects.create_user(username="stranger"))
    application = Application.objects.filter(connection=imported).first()

    assert stranger.get(f"{APPLICATIONS}{application.pk}/").status_code == 404
    assert stranger.get(f"{APPLICATIONS}inbound/").json()["results"] == []
    refused = stranger.post(
        f"{APPLICATIONS}{application.pk}/reject/", {"reason": "Withdrew"}, format="json"
    )
    assert refused.status_code == 404
    assert (
        stranger.get("/api/thrive/stage-mappings/", {"connection": imported.pk}).json()["results"]
        == []
    )


def test_excluded_reasons_are_kept_per_connection_once(imported, api):
    url = "/api/thrive/excluded-rejection-reasons/"

    first = api.post(url, {"connection": imported.pk, "reason": "Location"}, format="json")
    again = [
        api.post(url, {"connection": imported.pk, "reason": spelling}, format="json")
        for spelling in ("Location", " location ", "LOCATION", "location\u00a0")
    ]
    elsewhere = api.post(url, {"connection": imported.pk + 1, "reason": "Location"}, format="json")

    assert first.status_code == 201 and first.json()["connection"] == imported.pk
    for refused in again:
        assert refused.status_code == 400
        assert refused.json() == {
            "reason": [
                "This reason is already excluded for this connection "
                "(case and spacing are ignored)."
            ]
        }
    assert elsewhere.status_code == 400
    listed = api.get(url, {"connection": imported.pk}).json()["results"]
    assert [row["reason"] for row in listed] == ["Location"]
