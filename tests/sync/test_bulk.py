"""The bulk writers keep every row whatever the transaction around them: on PostgreSQL they
COPY through a temporary table emptied at commit, so a caller in autocommit must lose nothing.
Runs on SQLite and, with DATABASE_URL, on PostgreSQL."""

from __future__ import annotations

import pytest
from django.db import transaction
from django.utils import timezone

from tests.mapping.factories import make_connection
from thrive_integration.models import CandidateProfile
from thrive_integration.sync.bulk import insert_rows, insert_rows_returning_pks, instance_row

pytestmark = pytest.mark.django_db(transaction=True)


def _rows(connection, names: list[str]) -> list[dict]:
    now = timezone.now()
    return [
        instance_row(
            CandidateProfile(
                connection=connection, name=name, tags=[name], created_at=now, updated_at=now
            )
        )
        for name in names
    ]


def test_rows_written_outside_a_transaction_are_kept():
    connection = make_connection()
    insert_rows(CandidateProfile, _rows(connection, ["a", "b"]))
    pks = insert_rows_returning_pks(CandidateProfile, _rows(connection, ["c", "d", "e"]))
    names = dict(CandidateProfile.objects.values_list("pk", "name"))
    assert sorted(names.values()) == ["a", "b", "c", "d", "e"]
    assert [names[pk] for pk in pks] == ["c", "d", "e"]


def test_batches_in_one_transaction_do_not_carry_over():
    connection = make_connection()
    with transaction.atomic():
        first = insert_rows_returning_pks(CandidateProfile, _rows(connection, ["a", "b"]))
        second = insert_rows_returning_pks(CandidateProfile, _rows(connection, ["c"]))
        insert_rows(CandidateProfile, _rows(connection, ["d"]))
    assert len(first) == 2 and len(second) == 1
    stored = CandidateProfile.objects.values_list("name", "tags")
    assert sorted(stored) == [("a", ["a"]), ("b", ["b"]), ("c", ["c"]), ("d", ["d"])]
    assert insert_rows_returning_pks(CandidateProfile, []) == []
