"""A mirror column read from alternative payload paths: the first that holds a value wins."""

from __future__ import annotations

import pytest
from django.utils import timezone

from thrive_integration.models import Candidacy
from thrive_integration.sync.bulk import adapt_moment
from thrive_integration.sync.extract import encode
from thrive_integration.sync.rows import row_plan

CONTACT = {"contact_remote_id": ("contact_id", "contact.id")}


@pytest.mark.parametrize(
    ("references", "stored"),
    [
        ({"contact_id": 7, "contact": {"id": 5}}, "7"),
        ({"contact": {"id": 5}}, "5"),
        ({"contact_id": None, "contact": {"id": "ct_5"}}, "ct_5"),
        ({"contact": None}, ""),
        ({}, ""),
    ],
    ids=["id-first", "embedded-only", "null-id", "null-object", "neither"],
)
def test_a_candidacys_contact_is_its_id_else_the_embedded_ones(references, stored):
    plan = row_plan(Candidacy, CONTACT)
    row = plan.params(1, adapt_moment(timezone.now()), "401", encode({"id": 401, **references}))
    position = plan.readers[0][0]  # the one payload column read: the contact's
    assert row[position] == stored
