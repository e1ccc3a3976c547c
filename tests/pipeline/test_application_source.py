"""An application's `source`: its candidacy's, through the connection's candidacy field mapping.

The seed's "source | Contact, Candidacy" row, candidacy side. Imports run against the sandbox
over HTTP; the remaps read only what is stored.
"""

from __future__ import annotations

import pytest
from django.db import connection as db
from django.test.utils import CaptureQueriesContext

from thrive_integration.mapping.candidacies import candidacy_mapper, map_candidacies
from thrive_integration.models import Application, Candidacy, FieldMapping, RunStatus
from thrive_integration.normalize import nfc_text
from thrive_integration.sync.runner import execute_run, request_remap

from .conftest import sync

pytestmark = pytest.mark.django_db(transaction=True)


def sources(connection) -> dict[str, str]:
    """Candidacy remote id → its application's source."""
    return dict(
        Application.objects.filter(connection=connection).values_list(
            "candidacy__remote_id", "source"
        )
    )


def payload_values(connection, key: str) -> dict[str, str]:
    """Candidacy remote id → its payload's `key`, as the text transform reads it."""
    return {
        candidacy.remote_id: nfc_text(candidacy.remote_data.get(key))
        for candidacy in Candidacy.objects.filter(connection=connection)
    }


def candidacy_source_mapping(connection) -> FieldMapping:
    return FieldMapping.objects.get(
        connection=connection,
        thrive_object=FieldMapping.ThriveObject.CANDIDACY,
        platform_field="source",
    )


def remap(connection) -> dict[str, tuple[int, int, int, int]]:
    """Run a remap to its end; its steps' (created, updated, unchanged, failed) by name."""
    run = request_remap(connection)
    assert execute_run(run.pk)
    run.refresh_from_db()
    assert run.status == RunStatus.SUCCEEDED, run.error
    return {
        step.resource: (step.created, step.updated, step.unchanged, step.failed)
        for step in run.steps.all()
    }


def test_applications_take_their_candidacys_source_on_import(imported):
    expected = payload_values(imported, "source")
    assert sources(imported) == expected
    assert len(set(expected.values()) - {""}) > 1  # the sandbox's several sources


def test_an_unchanged_second_import_writes_no_application(imported):
    with CaptureQueriesContext(db) as queries:
        sync(imported, full=True)
    written = [
        query["sql"]
        for query in queries.captured_queries
        if query["sql"].lstrip().upper().startswith(("INSERT", "UPDATE"))
        and "thrive_integration_application" in query["sql"]
    ]
    assert written == []


def test_an_edited_candidacy_mapping_takes_effect_at_the_remap(imported, api):
    mapping = candidacy_source_mapping(imported)
    url = f"/api/thrive/connections/{imported.pk}/field-mappings/{mapping.pk}/"
    response = api.patch(url, {"thrive_paths": ["candidacy_stage_entered_at"]}, format="json")
    assert response.status_code == 200, response.data
    before = sources(imported)
    assert before == payload_values(imported, "source")  # nothing changes before the remap

    steps = remap(imported)

    after = payload_values(imported, "candidacy_stage_entered_at")
    assert sources(imported) == after
    changed = sum(after[remote_id] != source for remote_id, source in before.items())
    assert steps["applications"] == (0, changed, len(before) - changed, 0)
    assert changed > 0
    # Mapping again what is already mapped changes nothing.
    assert remap(imported)["applications"] == (0, 0, len(before), 0)


def test_a_deleted_candidacy_mapping_empties_the_source_at_the_remap(imported, api):
    mapping = candidacy_source_mapping(imported)
    url = f"/api/thrive/connections/{imported.pk}/field-mappings/{mapping.pk}/"
    assert api.delete(url).status_code == 204

    remap(imported)

    assert set(sources(imported).values()) == {""}
    # The contact side of the seed's row is another mapping, and stays.
    assert FieldMapping.objects.filter(connection=imported, platform_field="source").exists()


def test_a_page_mapped_before_the_mapping_changed_is_mapped_again_at_its_write(imported):
    state, premap = candidacy_mapper(imported)
    candidacies = list(Candidacy.objects.filter(connection=imported).order_by("pk")[:5])
    premapped = {candidacy.pk: premap(candidacy.remote_data) for candidacy in candidacies}
    ids = list(premapped)

    assert map_candidacies(imported, ids, premapped=premapped, state=state).values == premapped
    FieldMapping.objects.filter(pk=candidacy_source_mapping(imported).pk).update(
        thrive_paths=["rejection_reason"]
    )
    mapped = map_candidacies(imported, ids, premapped=premapped, state=state)

    assert mapped.values == {
        candidacy.pk: {"source": nfc_text(candidacy.remote_data.get("rejection_reason"))}
        for candidacy in candidacies
    }
    assert mapped.failures == []


def test_applications_are_listed_and_filtered_with_their_source(imported, api):
    source = next(value for value in sources(imported).values() if value)
    response = api.get("/api/thrive/applications/", {"source": source, "page_size": 200})
    assert response.status_code == 200, response.data
    listed = response.data["results"]
    assert listed and {application["source"] for application in listed} == {source}
    expected = Application.objects.filter(connection=imported, source=source).count()
    assert len(listed) == expected


def test_a_preview_shows_what_candidacy_mappings_would_write_without_saving(api, imported):
    rejected = list(Candidacy.objects.filter(connection=imported).exclude(rejection_reason="")[:2])
    before = sources(imported)
    body = {
        "mappings": [
            {
                "thrive_object": "candidacy",
                "platform_field": "source",
                "thrive_paths": ["rejection_reason"],
                "transform": "text",
            }
        ],
        "candidacy_ids": [c.pk for c in rejected],
    }
    url = f"/api/thrive/connections/{imported.pk}/field-mappings/preview/"
    response = api.post(url, body, format="json")

    assert response.status_code == 200, response.json()
    assert response.json()["candidacy_results"] == [
        {
            "candidacy_id": c.pk,
            "remote_id": c.remote_id,
            "application": {"source": nfc_text(c.rejection_reason)},
        }
        for c in rejected
    ]
    assert sources(imported) == before
