"""Every lookup of an import keeps its index, so a page costs the same however much is stored.

SQLite plans without statistics on freshly loaded tables and, left to itself, reads a whole
connection for a list of remote ids or primary keys (see `thrive_integration/lookups.py`).
This reads the plan of every statement that writes a page, in a full import and in an
incremental one that changes records, and fails on any step that scans a table or reads all
of a connection's rows.
"""

from __future__ import annotations

import re

import pytest
import requests
from django.db import connection as db

from thrive_integration import models as m
from thrive_integration.mapping import remap_connection
from thrive_integration.sync import runner

from .conftest import API_KEY, sync

pytestmark = pytest.mark.skipif(
    db.vendor != "sqlite", reason="PostgreSQL plans from statistics; this guards SQLite's guesses"
)

# A connection's configuration and run bookkeeping: small by nature, read whole on purpose.
SMALL_TABLES = ("fieldmapping", "stagemapping", "pipelinestage", "candidacystage", "sync")
WHOLE_READ = re.compile(
    r"^(?:SCAN (\w+)|SEARCH (\w+) USING (?:COVERING )?INDEX \w+ \(connection_id=\?\))$"
)


class PlanRecorder:
    def __init__(self) -> None:
        self.statements: list[tuple[str, tuple]] = []

    def __call__(self, execute, sql, params, many, context):
        if not many and sql.lstrip().upper().startswith(("SELECT", "UPDATE", "DELETE")):
            self.statements.append((sql, tuple(params or ())))
        return execute(sql, params, many, context)

    def whole_reads(self) -> set[str]:
        found = set()
        with db.cursor() as cursor:
            for sql, params in self.statements:
                cursor.execute(f"EXPLAIN QUERY PLAN {sql}", params)
                details = [detail for *_, detail in cursor.fetchall()]
                if " LIMIT " in sql and not any("TEMP B-TREE" in d for d in details):
                    continue  # an index walk in order, stopped by the LIMIT
                for detail in details:
                    match = WHOLE_READ.match(detail)
                    table = match and (match.group(1) or match.group(2))
                    if table and not table.removeprefix("thrive_integration_").startswith(
                        SMALL_TABLES
                    ):
                        found.add(f"{detail}  <-  {sql[:160]}")
        return found


@pytest.fixture
def recorder(monkeypatch):
    """Records the statements of page writes (the deletion sweep reads a listing whole)."""
    recorder = PlanRecorder()
    write_page = runner._write_page

    def recorded(*args, **kwargs):
        with db.execute_wrapper(recorder):
            return write_page(*args, **kwargs)

    monkeypatch.setattr(runner, "_write_page", recorded)
    return recorder


def test_no_page_statement_reads_a_whole_connection(connection, sandbox, recorder):
    _, url = sandbox
    sync(connection, full=True)
    # Changed contacts and candidacies: children let go, profiles and applications updated.
    for contact in m.Contact.objects.order_by("id")[:3]:
        answer = requests.patch(
            f"{url}/contacts/{contact.remote_id}",
            json={"contact": {"city": "Reykjavík", "positions": []}},
            headers={"Authorization": f"Bearer {API_KEY}"},
            timeout=10,
        )
        assert answer.status_code == 200, answer.text
    run = sync(connection)
    assert run.steps.get(resource="contacts").updated == 3
    assert len(recorder.statements) > 100
    assert sorted(recorder.whole_reads()) == []


def test_no_remap_batch_reads_a_whole_connection(connection):
    sync(connection, full=True)
    recorder = PlanRecorder()
    with db.execute_wrapper(recorder):
        outcome = remap_connection(connection, batch_size=10)
    assert outcome.total == m.Contact.objects.filter(connection=connection).count()
    assert sorted(recorder.whole_reads()) == []
