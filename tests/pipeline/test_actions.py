"""Advance and reject: refused server-side when excluded, written to Thrive (the sandbox)
through the export outbox, shown locally only once Thrive has confirmed."""

from __future__ import annotations

import pytest
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction

from thrive_integration.export import outbox, process
from thrive_integration.models import (
    Application,
    Connection,
    ExcludedRejectionReason,
    OutboxEntry,
    OutboxKind,
    OutboxState,
)
from thrive_integration.pipeline import (
    PipelineRefused,
    advance,
    bulk_reject,
    choices,
    reject,
)
from thrive_integration.pipeline.applications import settle_answered

from .conftest import mapping_of, open_applications, sync, thrive_candidacy

pytestmark = pytest.mark.django_db


def test_advance_is_written_to_thrive_and_shown_once_confirmed(imported, sandbox):
    offer = mapping_of(imported, "Offer")
    application = next(a for a in open_applications(imported) if a.stage_mapping != offer)
    shown_before = application.pipeline_stage_id

    entry = advance(application, offer)

    assert entry.kind == OutboxKind.UPDATE_CANDIDACY and entry.application_id == application.pk
    application.refresh_from_db()
    assert application.pipeline_stage_id == shown_before  # not before Thrive says so
    assert application.pending_entry == entry

    assert process(entry.pk).state == OutboxState.SUCCEEDED
    in_thrive = thrive_candidacy(sandbox, application.candidacy.remote_id)
    assert str(in_thrive["candidacy_stage"]["id"]) == offer.candidacy_stage.remote_id

    settle_answered(Connection.objects.filter(pk=imported.pk))
    application.refresh_from_db()
    assert application.stage_mapping == offer
    assert application.pipeline_stage.key == "offer"
    assert application.pending_entry is None

    sync(imported, full=True)  # the next import agrees and changes nothing back
    application.refresh_from_db()
    assert application.stage_mapping == offer and application.pipeline_stage.key == "offer"


@pytest.mark.urls("tests.pipeline.urls")
def test_reject_is_written_to_thrive_and_visible_after_the_next_import(imported, sandbox, api):
    application = open_applications(imported, count=1)[0]
    url = f"/api/thrive/applications/{application.pk}/"

    answer = api.post(f"{url}reject/", {"reason": "  Client   rejected "}, format="json")

    assert answer.status_code == 202, answer.content
    entry = OutboxEntry.objects.get(pk=answer.json()["entry_id"])
    assert entry.payload["rejection_reason"] == "Client rejected"
    assert api.get(url).json()["pending"] is True
    assert process(entry.pk).state == OutboxState.SUCCEEDED
    assert thrive_candidacy(sandbox, application.candidacy.remote_id)["rejection_reason"] == (
        "Client rejected"
    )

    sync(imported)

    shown = api.get(url).json()
    assert shown["rejected"] is True and shown["rejection_reason"] == "Client rejected"
    assert shown["rejected_at"] is not None and shown["pending"] is False


def test_a_change_thrive_refuses_leaves_its_stage_shown(imported, sandbox):
    offer = mapping_of(imported, "Offer")
    application = next(a for a in open_applications(imported) if a.stage_mapping != offer)
    shown_before = application.stage_mapping_id
    sandbox.state.collections["candidacies"].delete(
        int(application.candidacy.remote_id), sandbox.state.now(), soft=False
    )

    entry = process(advance(application, offer).pk)

    assert entry.state == OutboxState.FAILED
    settle_answered(Connection.objects.filter(pk=imported.pk))
    application.refresh_from_db()
    assert application.stage_mapping_id == shown_before and application.pending_entry is None


def test_two_requests_that_loaded_the_application_before_either_wrote_send_one_change(imported):
    """Two stages asked for one application at once: the second request's copy was loaded
    before the first wrote its pending change, and must still be refused."""
    offer, interview = mapping_of(imported, "Offer"), mapping_of(imported, "Submitted")
    application = next(
        a for a in open_applications(imported) if a.stage_mapping not in (offer, interview)
    )
    loaded_meanwhile = Application.objects.select_related(
        "connection", "candidacy", "pending_entry", "stage_mapping"
    ).get(pk=application.pk)

    first = advance(application, offer)
    with pytest.raises(PipelineRefused, match="still being written"):
        advance(loaded_meanwhile, interview)

    assert list(OutboxEntry.objects.filter(application_id=application.pk)) == [first]


def test_advancing_again_after_a_failed_advance_writes_it(imported, sandbox, monkeypatch):
    monkeypatch.setattr(outbox, "MAX_ATTEMPTS", 1)  # the first 503 fails the row for good
    offer = mapping_of(imported, "Offer")
    application = next(a for a in open_applications(imported) if a.stage_mapping != offer)
    sandbox.set_fault("server_error", count=10, path="/candidacies")
    failed = process(advance(application, offer).pk)
    assert failed.state == OutboxState.FAILED
    sandbox.clear_faults()
    settle_answered(Connection.objects.filter(pk=imported.pk))
    application.refresh_from_db()

    entry = process(advance(application, offer).pk)

    assert entry.state == OutboxState.SUCCEEDED, entry.last_error
    in_thrive = thrive_candidacy(sandbox, application.candidacy.remote_id)
    assert str(in_thrive["candidacy_stage"]["id"]) == offer.candidacy_stage.remote_id


def test_a_candidacy_deleted_in_thrive_is_neither_advanced_nor_rejected(imported, sandbox):
    offer = mapping_of(imported, "Offer")
    application = next(a for a in open_applications(imported) if a.stage_mapping != offer)
    sandbox.state.collections["candidacies"].delete(
        int(application.candidacy.remote_id), sandbox.state.now(), soft=False
    )
    sync(imported, full=True)  # the sweep marks it deleted
    application = Application.objects.select_related("candidacy").get(pk=application.pk)

    with pytest.raises(PipelineRefused, match="deleted in Thrive"):
        advance(application, offer)
    with pytest.raises(PipelineRefused, match="deleted in Thrive"):
        reject(application, "Withdrew")

    assert not OutboxEntry.objects.exists()


@pytest.mark.parametrize("excluded", ["Compensation", "  COMPENSATION "])
def test_excluded_stage_and_excluded_reason_are_refused_and_not_offered(imported, excluded):
    offer = mapping_of(imported, "Offer")
    offer.excluded_from_advance = True
    offer.save()
    ExcludedRejectionReason.objects.create(connection=imported, reason=excluded)
    application = next(a for a in open_applications(imported) if a.stage_mapping != offer)

    with pytest.raises(PipelineRefused, match="excluded"):
        advance(application, offer)
    with pytest.raises(PipelineRefused, match="excluded"):
        reject(application, " compensation")

    assert not OutboxEntry.objects.exists()
    assert offer not in choices.advance_targets(imported)
    assert mapping_of(imported, "Placed") in choices.advance_targets(imported)
    assert "Compensation" not in choices.rejection_reasons(imported)


@pytest.mark.parametrize(
    ("first", "second"),
    [
        ("Not a fit", " NOT A FIT "),
        ("Not a fit", "not  a\tfit"),
        ("Été", "ÉTÉ"),  # beyond ASCII, which SQLite's LOWER() would not fold
        ("Straße", "STRASSE"),
        ("Caf\u00e9", "Cafe\u0301"),  # one é composed, the other decomposed
    ],
)
def test_one_reason_is_excluded_once_whatever_its_case_or_spacing(connection, first, second):
    kept = ExcludedRejectionReason.objects.create(connection=connection, reason=first)
    twin = ExcludedRejectionReason(connection=connection, reason=second)

    with pytest.raises(ValidationError) as refused:
        twin.full_clean()
    with pytest.raises(IntegrityError), transaction.atomic():
        twin.save()

    assert list(refused.value.message_dict) == ["reason"]
    assert ExcludedRejectionReason.objects.get() == kept
    with pytest.raises(PipelineRefused, match="excluded"):
        choices.check_rejection_reason(connection, second)


def test_an_excluded_reason_is_stored_trimmed(connection):
    excluded = ExcludedRejectionReason.objects.create(connection=connection, reason="  Too junior ")

    assert (excluded.reason, excluded.reason_key) == ("Too junior", "too junior")


def test_bulk_reject_reports_the_one_failure_and_does_the_rest(imported, sandbox):
    to_reject = [application.pk for application in open_applications(imported, count=3)]
    already = Application.objects.filter(connection=imported, rejected=True).first()

    outcomes = bulk_reject(imported, [to_reject[0], already.pk, *to_reject[1:]], "Withdrew")

    assert [outcome.application_id for outcome in outcomes] == [
        to_reject[0],
        already.pk,
        *to_reject[1:],
    ]
    failed = [outcome for outcome in outcomes if not outcome.ok]
    assert [(o.application_id, o.error) for o in failed] == [
        (already.pk, "The application is already rejected.")
    ]
    for outcome in outcomes:
        if outcome.ok:
            assert process(outcome.entry_id).state == OutboxState.SUCCEEDED
    sync(imported)
    settle_answered(Connection.objects.filter(pk=imported.pk))
    for application in Application.objects.filter(pk__in=to_reject).select_related("candidacy"):
        assert application.rejected and application.rejection_reason == "Withdrew"
        assert thrive_candidacy(sandbox, application.candidacy.remote_id)["rejection_reason"] == (
            "Withdrew"
        )
