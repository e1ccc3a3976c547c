"""A list of references (a talent pool's contacts) is read as remote ids, whatever was sent."""

from __future__ import annotations

import pytest

from thrive_integration.models import TalentPool
from thrive_integration.sync.extract import coercer


@pytest.mark.parametrize(
    ("sent", "stored"),
    [
        ([101, "ct_8f3a"], ["101", "ct_8f3a"]),
        (None, []),
        ("101", []),
        ([None, {"id": 1}, True, "", 7], ["7"]),
    ],
    ids=["ints-and-strings", "null", "not-a-list", "non-ids-left-out"],
)
def test_contact_ids_are_stored_as_strings(sent, stored):
    assert coercer(TalentPool._meta.get_field("contact_ids"))(sent) == stored
