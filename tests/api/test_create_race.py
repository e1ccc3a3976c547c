"""Two requests creating the same row at once: both pass the duplicate check, and the later
insert meets the unique constraint. It must be refused like any duplicate (400 with the
field's message), not answered with a 500.

Real threads and row visibility between transactions, so PostgreSQL only: SQLite's
IMMEDIATE transactions make the second request wait for the first one's whole write.
"""

from __future__ import annotations

import threading
from typing import Any

from django.db import connections
from django.db.models.signals import pre_save

from tests.api.conftest import FULL_KEY, client_for
from tests.markers import POSTGRES_CONCURRENCY
from thrive_integration.models import Connection, ExcludedRejectionReason

pytestmark = POSTGRES_CONCURRENCY


def post_while_another_request_creates(
    user, url: str, first: dict[str, Any], second: dict[str, Any], model: type
) -> tuple[Any, Any]:
    """POST `first`, and while its insert is about to run (checks passed), POST `second`."""
    about_to_insert, second_done = threading.Event(), threading.Event()
    answers: dict[str, Any] = {}

    def hold_first(sender, instance, **kwargs) -> None:
        if threading.current_thread().name == "first":
            about_to_insert.set()
            second_done.wait(10)

    def post(name: str, body: dict[str, Any]) -> None:
        try:
            answers[name] = client_for(user).post(url, body, format="json")
        finally:
            connections.close_all()

    pre_save.connect(hold_first, sender=model)
    try:
        thread = threading.Thread(target=post, args=("first", first), name="first")
        thread.start()
        assert about_to_insert.wait(10)
        post("second", second)
        second_done.set()
        thread.join(10)
    finally:
        pre_save.disconnect(hold_first, sender=model)
    return answers["first"], answers["second"]


def test_one_reason_excluded_twice_at_once(user, connection):
    url = "/api/thrive/excluded-rejection-reasons/"

    first, second = post_while_another_request_creates(
        user,
        url,
        {"connection": connection.pk, "reason": "Location"},
        {"connection": connection.pk, "reason": " LOCATION "},
        ExcludedRejectionReason,
    )

    assert second.status_code == 201
    assert first.status_code == 400
    assert "already excluded" in str(first.json()["reason"])
    assert list(ExcludedRejectionReason.objects.values_list("reason", flat=True)) == ["LOCATION"]


def test_one_connection_name_taken_twice_at_once(user, thrive, integration_settings):
    url = "/api/thrive/connections/"
    body = {"name": "twin", "api_key": FULL_KEY, "base_url": thrive.url}

    first, second = post_while_another_request_creates(user, url, body, body, Connection)

    assert second.status_code == 201
    assert first.status_code == 400
    assert "name" in first.json()
    assert Connection.objects.filter(name="twin").count() == 1
