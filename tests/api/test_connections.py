"""Connections over REST: write-only key, validation, actions, and the 404 wall between owners."""

from __future__ import annotations

import logging
from datetime import timedelta

import pytest
from cryptography.fernet import Fernet
from django.core.management import CommandError, call_command
from django.utils import timezone
from django_q.models import Schedule
from rest_framework.test import APIClient

from tests.api.conftest import FULL_KEY, client_for, make_user
from tests.conftest import queued_tasks
from thrive_integration.connections import create_connection
from thrive_integration.exceptions import ConfigurationError
from thrive_integration.models import Connection, ConnectionStatus, RunStatus, SyncRun
from thrive_integration.sandbox import ALL_PERMISSIONS
from thrive_integration.sync.registry import RESOURCE_NAMES

pytestmark = pytest.mark.django_db(transaction=False)

CONNECTIONS = "/api/thrive/connections/"


def detail(connection: Connection, action: str = "") -> str:
    return f"{CONNECTIONS}{connection.pk}/{action + '/' if action else ''}"


def test_create_returns_only_a_hint_of_the_key(api, thrive, integration_settings, caplog):
    caplog.set_level(logging.DEBUG)
    response = api.post(
        CONNECTIONS, {"name": "acme", "api_key": FULL_KEY, "base_url": thrive.url}, format="json"
    )

    assert response.status_code == 201, response.data
    assert response.data["api_key_hint"] == FULL_KEY[-4:]
    assert "api_key" not in response.data
    assert FULL_KEY not in response.content.decode()
    assert FULL_KEY not in caplog.text
    stored = Connection.objects.get(pk=response.data["id"])
    assert stored.api_key == FULL_KEY and FULL_KEY not in stored.api_key_ciphertext


def test_key_never_appears_in_list_retrieve_update_or_actions(api, connection):
    for response in (
        api.get(CONNECTIONS),
        api.get(detail(connection)),
        api.patch(detail(connection), {"name": "renamed"}, format="json"),
        api.post(detail(connection, "verify")),
        api.get(detail(connection, "schedule")),
    ):
        assert response.status_code == 200, response.data
        assert FULL_KEY not in response.content.decode()


def test_list_shows_only_my_connections(api, connection, foreign_connection):
    response = api.get(CONNECTIONS)

    assert [item["id"] for item in response.data["results"]] == [connection.pk]


def test_update_rotates_the_key_and_resets_verification(api, connection):
    api.post(detail(connection, "verify"))
    new_key = "rotated-key-4f1e2d3c9b8a"

    response = api.patch(detail(connection), {"api_key": new_key}, format="json")

    assert response.status_code == 200, response.data
    connection.refresh_from_db()
    assert connection.api_key == new_key
    assert response.data["api_key_hint"] == new_key[-4:]
    assert response.data["status"] == ConnectionStatus.NEW
    assert new_key not in response.content.decode()


def test_moving_the_base_url_needs_the_key_again(api, connection):
    elsewhere = "https://thrive.example.net/api/v2"

    refused = api.patch(detail(connection), {"base_url": elsewhere}, format="json")
    moved = api.patch(
        detail(connection), {"base_url": elsewhere, "api_key": "moved-key-0a1b2c3d"}, format="json"
    )

    assert refused.status_code == 400
    assert "api_key" in refused.data
    assert moved.status_code == 200, moved.data
    connection.refresh_from_db()
    assert (connection.base_url, connection.api_key) == (elsewhere, "moved-key-0a1b2c3d")


def test_a_key_the_encryption_keys_cannot_read_is_reported_as_invalid(
    api, connection, integration_settings
):
    """ENCRYPTION_KEYS lost the key the API key was sealed with: verification says so, as for
    a wrong key (the command too), instead of failing with a 500."""
    integration_settings.THRIVE_INTEGRATION = {
        **integration_settings.THRIVE_INTEGRATION,
        "ENCRYPTION_KEYS": [Fernet.generate_key().decode()],
    }

    response = api.post(detail(connection, "verify"))

    assert response.status_code == 200
    assert response.data["status"] == ConnectionStatus.INVALID_KEY
    assert "cannot be decrypted" in response.data["permission_report"]["error"]
    assert "Enter the API key again" in response.data["permission_report"]["error"]
    with pytest.raises(CommandError, match="Invalid key"):
        call_command("thrive_verify", connection.name, "--owner", connection.owner)
    assert api.patch(detail(connection), {"api_key": FULL_KEY}, format="json").status_code == 200
    assert api.post(detail(connection, "verify")).data["status"] == ConnectionStatus.ACTIVE


def test_verify_names_the_missing_permissions(api, connection, thrive):
    granted = sorted(ALL_PERMISSIONS)[5:]
    limited = "api-test-key-limited-77aa01"
    thrive.add_token(limited, granted)
    api.patch(detail(connection), {"api_key": limited}, format="json")

    response = api.post(detail(connection, "verify"))

    assert response.status_code == 200
    assert response.data["status"] == ConnectionStatus.MISSING_PERMISSIONS
    assert sorted(response.data["missing_permissions"]) == sorted(ALL_PERMISSIONS)[:5]


def test_verify_reports_an_invalid_key_as_a_status(api, connection):
    api.patch(detail(connection), {"api_key": "unknown-key-000000000"}, format="json")

    response = api.post(detail(connection, "verify"))

    assert response.status_code == 200
    assert response.data["status"] == ConnectionStatus.INVALID_KEY
    assert response.data["permission_report"]["error"]


def test_sync_answers_202_then_409_while_the_run_is_active(
    api, connection, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks() as callbacks:
        first = api.post(
            detail(connection, "sync"), {"full": True, "resources": ["users"]}, format="json"
        )
    second = api.post(detail(connection, "sync"), {}, format="json")

    assert first.status_code == 202, first.data
    assert first.data["kind"] == "full"
    assert [step["resource"] for step in first.data["steps"]] == ["users"]
    assert len(callbacks) == 1  # the task is enqueued once the run is committed
    assert second.status_code == 409
    assert second.data["active_run"] == first.data["id"]
    assert SyncRun.objects.filter(connection=connection).count() == 1


def test_sync_enqueues_a_task_that_imports(
    api, connection, django_capture_on_commit_callbacks, task_broker
):
    with django_capture_on_commit_callbacks(execute=True):
        response = api.post(detail(connection, "sync"), {"resources": ["users"]}, format="json")

    queued = queued_tasks(task_broker)
    assert response.status_code == 202
    assert [task["name"] for task in queued] == [f"thrive-sync-run-{response.data['id']}"]


def test_sync_of_a_disconnected_connection_is_a_conflict(api, connection):
    api.post(detail(connection, "disconnect"))

    response = api.post(detail(connection, "sync"), {}, format="json")

    assert response.status_code == 409


def test_disconnect_stops_schedules_and_keeps_the_connection(api, connection):
    api.patch(detail(connection, "schedule"), {"import_enabled": True}, format="json")
    assert Schedule.objects.filter(name=f"thrive-import-{connection.pk}").exists()

    response = api.post(detail(connection, "disconnect"))

    assert response.status_code == 200
    assert response.data["status"] == ConnectionStatus.DISCONNECTED
    assert not Schedule.objects.filter(name__endswith=f"-{connection.pk}").exists()
    assert Connection.objects.filter(pk=connection.pk).exists()


def test_schedule_updates_the_django_q_schedule(api, connection):
    response = api.patch(
        detail(connection, "schedule"),
        {"import_enabled": True, "import_interval_minutes": 15, "export_interval_minutes": 5},
        format="json",
    )

    assert response.status_code == 200, response.data
    schedule = Schedule.objects.get(name=f"thrive-import-{connection.pk}")
    assert schedule.minutes == 15
    off = api.patch(detail(connection, "schedule"), {"import_enabled": False}, format="json")
    assert off.data["import_enabled"] is False
    assert not Schedule.objects.filter(name=f"thrive-import-{connection.pk}").exists()


def test_delete_removes_the_connection_and_its_schedules(api, connection):
    api.patch(detail(connection, "schedule"), {"import_enabled": True}, format="json")

    response = api.delete(detail(connection))

    assert response.status_code == 204
    assert not Connection.objects.filter(pk=connection.pk).exists()
    assert not Schedule.objects.filter(name__endswith=f"-{connection.pk}").exists()


@pytest.mark.parametrize(
    ("method", "action"), [("delete", ""), ("post", "disconnect")], ids=["delete", "disconnect"]
)
def test_destructive_actions_need_staff(connection, method, action):
    member = make_user(staff=False)
    connection.owner = f"user:{member.pk}"
    connection.save()

    response = getattr(client_for(member), method)(detail(connection, action))

    assert response.status_code == 403
    assert Connection.objects.get(pk=connection.pk).status != ConnectionStatus.DISCONNECTED


def test_destructive_permission_is_configurable(connection, settings):
    member = make_user(staff=False)
    connection.owner = f"user:{member.pk}"
    connection.save()
    settings.THRIVE_INTEGRATION = {
        **settings.THRIVE_INTEGRATION,
        "DESTRUCTIVE_ACTION_PERMISSION": "rest_framework.permissions.IsAuthenticated",
    }

    response = client_for(member).delete(detail(connection))

    assert response.status_code == 204


# ---- tenancy ---------------------------------------------------------------------------

FOREIGN_REQUESTS = [
    ("get", "", None),
    ("put", "", {"name": "x", "base_url": "https://example.com/api/v2"}),
    ("patch", "", {"name": "mine now"}),
    ("delete", "", None),
    ("post", "verify", None),
    ("post", "sync", {}),
    ("post", "disconnect", None),
    ("get", "schedule", None),
    ("patch", "schedule", {"import_enabled": False}),
]


@pytest.mark.parametrize(("method", "action", "body"), FOREIGN_REQUESTS)
def test_another_owners_connection_is_404_for_every_endpoint_and_action(
    api, foreign_connection, method, action, body
):
    before = Connection.objects.values().get(pk=foreign_connection.pk)

    response = getattr(api, method)(detail(foreign_connection, action), body, format="json")

    assert response.status_code == 404
    assert Connection.objects.values().get(pk=foreign_connection.pk) == before
    assert not SyncRun.objects.filter(connection=foreign_connection).exists()


def test_anonymous_requests_are_refused(connection):
    response = APIClient().get(CONNECTIONS)

    assert response.status_code in (401, 403)


def test_a_user_without_an_owner_sees_nothing(api, connection, settings):
    settings.THRIVE_INTEGRATION = {
        **settings.THRIVE_INTEGRATION,
        "OWNER_RESOLVER": "tests.api.test_connections.no_owner",
    }

    assert api.get(CONNECTIONS).status_code == 403


def no_owner(request) -> None:
    return None


# ---- bad input ---------------------------------------------------------------------------

BAD_CREATES = [
    ({"name": "a", "api_key": FULL_KEY, "colour": "red"}, "colour"),
    ({"name": "a", "api_key": FULL_KEY, "status": "active"}, "status"),
    ({"name": ["a"], "api_key": FULL_KEY}, "name"),
    ({"name": "a" * 10_000, "api_key": FULL_KEY}, "name"),
    ({"name": "a", "api_key": "k" * 10_000}, "api_key"),
    ({"name": "a", "api_key": "two words here"}, "api_key"),
    ({"name": "a", "api_key": "short12"}, "api_key"),  # too short to be redacted reliably
    ({"name": "a"}, "api_key"),
    ({"name": "a", "api_key": FULL_KEY, "base_url": "not a url"}, "base_url"),
    ({"name": "a", "api_key": FULL_KEY, "base_url": "ftp://example.com/x"}, "base_url"),
    ({"name": "a", "api_key": FULL_KEY, "base_url": "https://u:p@example.com/x"}, "base_url"),
    ({"name": "a", "api_key": FULL_KEY, "base_url": 12}, "base_url"),
    ({"name": "a\x00b", "api_key": FULL_KEY}, "name"),
    ({"name": "a", "api_key": "ключсекрет12345"}, "api_key"),
    ({"name": "a", "api_key": FULL_KEY, "base_url": "https://[::1"}, "base_url"),
]


@pytest.mark.parametrize(("body", "field"), BAD_CREATES)
def test_bad_input_is_a_400_with_field_errors(api, integration_settings, body, field):
    response = api.post(CONNECTIONS, body, format="json")

    assert response.status_code == 400
    assert field in response.data
    assert not Connection.objects.exists()


def test_plain_http_is_refused_unless_insecure_urls_are_allowed(api, settings):
    settings.THRIVE_INTEGRATION = {
        **settings.THRIVE_INTEGRATION,
        "ALLOW_INSECURE_BASE_URL": False,
    }
    body = {"name": "a", "api_key": FULL_KEY, "base_url": "http://127.0.0.1:9/api/v2"}

    response = api.post(CONNECTIONS, body, format="json")

    assert response.status_code == 400
    assert "HTTPS" in str(response.data["base_url"])


@pytest.mark.parametrize(
    ("url", "refusal"),
    [
        ("https://@thrive.test/api/v2", "credentials"),
        ("https://thrive.test/ api/v2", "spaces"),
        ("https://thrive.test/api\tv2", "spaces"),
    ],
)
def test_odd_base_urls_are_refused_by_the_commands_too(url, refusal, integration_settings):
    with pytest.raises(ConfigurationError, match=refusal):
        create_connection(owner="o", name="b", api_key=FULL_KEY, base_url=url)


@pytest.mark.parametrize("suffix", ["?x=1", "#frag", "?", "#"])
def test_a_base_url_with_a_query_or_fragment_is_refused(api, integration_settings, suffix):
    body = {"name": "a", "api_key": FULL_KEY, "base_url": f"https://thrive.test/api/v2{suffix}"}

    response = api.post(CONNECTIONS, body, format="json")

    assert response.status_code == 400
    assert "query string or a fragment" in str(response.data["base_url"])
    with pytest.raises(ConfigurationError, match="query string"):
        create_connection(owner="o", name="b", api_key=FULL_KEY, base_url=body["base_url"])


def test_the_base_url_in_another_spelling_is_no_move(api, connection):
    """Scheme and host are case-insensitive and a trailing slash adds nothing: the same URL
    so spelt needs no key again, and is stored in its one spelling."""
    scheme, rest = connection.base_url.split("://")
    same = f"{scheme.upper()}://{rest.upper().split('/')[0]}/{rest.split('/', 1)[1]}/"

    response = api.patch(detail(connection), {"base_url": same}, format="json")

    assert response.status_code == 200, response.data
    connection.refresh_from_db()
    assert response.data["base_url"] == connection.base_url == f"{scheme}://{rest}"
    moved = {"base_url": "https://thrive.test/api/v2", "api_key": FULL_KEY}
    assert api.patch(detail(connection), moved, format="json").status_code == 200
    default_port = {"base_url": "https://thrive.test:443/api/v2"}
    again = api.patch(detail(connection), default_port, format="json")
    assert again.status_code == 200, again.data


def test_a_duplicate_name_is_a_field_error(api, connection):
    body = {"name": connection.name, "api_key": FULL_KEY, "base_url": connection.base_url}

    response = api.post(CONNECTIONS, body, format="json")

    assert response.status_code == 400
    assert "name" in response.data


def test_a_body_that_is_not_an_object_is_a_400(api, integration_settings):
    response = api.post(CONNECTIONS, ["a"], format="json")

    assert response.status_code == 400


@pytest.mark.parametrize(
    "body",
    [
        {"resources": ["users", "spaceships"]},
        {"resources": "users"},
        {"full": "maybe"},
        {"resources": ["users"], "priority": 1},
        {"resources": [["users"]]},
    ],
)
def test_bad_sync_requests_are_400s(api, connection, body):
    response = api.post(detail(connection, "sync"), body, format="json")

    assert response.status_code == 400
    assert set(response.data) <= {"resources", "full", "priority"}
    assert not SyncRun.objects.exists()


@pytest.mark.parametrize(
    "body",
    [
        {"import_interval_minutes": 0},
        {"import_interval_minutes": "hourly"},
        {"import_interval_minutes": 10**12},
        {"import_enabled": "perhaps"},
        {"api_key": FULL_KEY},
    ],
)
def test_bad_schedules_are_400s(api, connection, body):
    response = api.patch(detail(connection, "schedule"), body, format="json")

    assert response.status_code == 400


def test_every_resource_name_is_accepted(api, connection):
    response = api.post(
        detail(connection, "sync"), {"resources": list(RESOURCE_NAMES)}, format="json"
    )

    assert response.status_code == 202
    assert SyncRun.objects.get().status == RunStatus.PENDING


def test_syncs_are_throttled_per_owner(api, connection, settings):
    settings.THRIVE_INTEGRATION = {
        **settings.THRIVE_INTEGRATION,
        "API_SYNC_THROTTLE_RATE": "1/hour",
    }

    first = api.post(detail(connection, "sync"), {}, format="json")
    second = api.post(detail(connection, "sync"), {}, format="json")

    assert first.status_code == 202
    assert second.status_code == 429
    assert api.get(detail(connection)).status_code == 200  # other requests go on


def sync_budget(settings, rate: str) -> None:
    settings.THRIVE_INTEGRATION = {**settings.THRIVE_INTEGRATION, "API_SYNC_THROTTLE_RATE": rate}


def test_refused_sync_requests_do_not_spend_the_sync_budget(api, connection, settings):
    sync_budget(settings, "2/hour")
    disconnected = Connection.objects.create(owner=connection.owner, name="gone")
    api.post(detail(disconnected, "disconnect"))
    refused = [
        api.post(f"{CONNECTIONS}abc/sync/", {}, format="json"),  # malformed id
        api.post(f"{CONNECTIONS}999999/sync/", {}, format="json"),  # unknown id
        api.post(detail(connection, "sync"), {"resources": ["nope"]}, format="json"),
        api.post(detail(disconnected, "sync"), {}, format="json"),
        api.post(f"{CONNECTIONS}999999/field-mappings/remap/", format="json"),
    ]
    first = api.post(detail(connection, "sync"), {}, format="json")
    while_active = [api.post(detail(connection, "sync"), {}, format="json") for _ in range(3)]
    SyncRun.objects.update(status=RunStatus.SUCCEEDED)
    second = api.post(detail(connection, "sync"), {}, format="json")
    third = api.post(detail(disconnected, "sync"), {}, format="json")

    assert [r.status_code for r in refused] == [404, 404, 400, 409, 404]
    assert first.status_code == 202
    assert [r.status_code for r in while_active] == [409, 409, 409]
    assert second.status_code == 202
    assert third.status_code == 429  # the budget (two runs started) is spent
    assert 0 < int(third["Retry-After"]) <= 3600


def test_remap_runs_share_the_sync_budget(api, connection, settings):
    sync_budget(settings, "1/hour")
    remap = f"{CONNECTIONS}{connection.pk}/field-mappings/remap/"

    started = api.post(remap, format="json")
    SyncRun.objects.update(status=RunStatus.SUCCEEDED)
    sync = api.post(detail(connection, "sync"), {}, format="json")

    assert started.status_code == 202
    assert sync.status_code == 429


def schedule_rows(connection_id: int) -> set[str]:
    return set(
        Schedule.objects.filter(name__endswith=f"-{connection_id}").values_list("name", flat=True)
    )


def test_a_new_connection_has_the_schedule_it_reports(api, thrive, integration_settings):
    created = api.post(
        CONNECTIONS, {"name": "fresh", "api_key": FULL_KEY, "base_url": thrive.url}, format="json"
    )

    pk = created.data["id"]
    reported = api.get(f"{CONNECTIONS}{pk}/schedule/").data
    assert reported["import_enabled"] and reported["export_enabled"]
    assert schedule_rows(pk) == {f"thrive-import-{pk}", f"thrive-export-{pk}"}
    scheduled_import = Schedule.objects.get(name=f"thrive-import-{pk}")
    assert scheduled_import.minutes == reported["import_interval_minutes"]
    # Not at once: the owner verifies the new key (and may sync) first.
    assert scheduled_import.next_run > timezone.now() + timedelta(minutes=59)


def test_a_disconnected_connections_schedule_cannot_be_turned_on(api, connection):
    api.post(detail(connection, "disconnect"))

    refused = [
        api.patch(detail(connection, "schedule"), {flag: True}, format="json")
        for flag in ("import_enabled", "export_enabled")
    ]
    interval = api.patch(
        detail(connection, "schedule"), {"import_interval_minutes": 5}, format="json"
    )

    assert [r.status_code for r in refused] == [409, 409]
    assert "reconnect" in refused[0].data["detail"]
    assert interval.status_code == 200  # harmless: nothing is turned on
    connection.refresh_from_db()
    assert not connection.import_enabled and not connection.export_enabled
    assert schedule_rows(connection.pk) == set()


def test_a_shorter_interval_brings_the_next_run_forward(api, connection):
    url = detail(connection, "schedule")
    api.patch(url, {"export_interval_minutes": 10080}, format="json")

    shortened = api.patch(url, {"export_interval_minutes": 5}, format="json")

    assert shortened.data["export_interval_minutes"] == 5
    scheduled = Schedule.objects.get(name=f"thrive-export-{connection.pk}")
    assert scheduled.minutes == 5
    assert scheduled.next_run <= timezone.now() + timedelta(minutes=5)


def test_a_changed_interval_keeps_a_next_run_that_is_already_sooner(api, connection):
    soon = timezone.now() + timedelta(minutes=1)
    Schedule.objects.filter(name=f"thrive-export-{connection.pk}").update(next_run=soon)

    api.patch(detail(connection, "schedule"), {"export_interval_minutes": 30}, format="json")

    assert Schedule.objects.get(name=f"thrive-export-{connection.pk}").next_run == soon


def test_entering_the_key_again_reconnects_a_disconnected_connection(api, connection):
    api.post(detail(connection, "disconnect"))

    rekeyed = api.patch(detail(connection), {"api_key": FULL_KEY}, format="json")
    verified = api.post(detail(connection, "verify"))
    scheduled = api.patch(detail(connection, "schedule"), {"import_enabled": True}, format="json")
    sync = api.post(detail(connection, "sync"), {}, format="json")

    assert rekeyed.data["status"] == ConnectionStatus.NEW
    assert verified.data["status"] == ConnectionStatus.ACTIVE
    assert scheduled.status_code == 200
    assert schedule_rows(connection.pk) == {f"thrive-import-{connection.pk}"}
    assert sync.status_code == 202


def test_verifying_alone_does_not_reconnect(api, connection):
    api.post(detail(connection, "disconnect"))

    verified = api.post(detail(connection, "verify"))

    assert verified.data["status"] == ConnectionStatus.DISCONNECTED


def test_sync_of_a_connection_whose_key_was_found_invalid_is_a_conflict(api, connection):
    api.patch(detail(connection), {"api_key": "unknown-key-000000000"}, format="json")
    api.post(detail(connection, "verify"))

    response = api.post(detail(connection, "sync"), {}, format="json")

    assert response.status_code == 409
    assert "fix the key" in response.data["detail"]
    assert "verify" in response.data["detail"]
    assert not SyncRun.objects.filter(connection=connection).exists()


def test_an_invalid_key_may_keep_its_schedule_but_not_sync(api, connection):
    # As documented: the key may be fixed and verified later, and the schedule then just runs.
    Connection.objects.filter(pk=connection.pk).update(status=ConnectionStatus.INVALID_KEY)

    scheduled = api.patch(detail(connection, "schedule"), {"import_enabled": True}, format="json")
    sync = api.post(detail(connection, "sync"), {}, format="json")

    assert scheduled.status_code == 200
    assert f"thrive-import-{connection.pk}" in schedule_rows(connection.pk)
    assert sync.status_code == 409


def test_a_disconnected_connection_may_remap_what_it_kept(api, connection):
    api.post(detail(connection, "disconnect"))

    remap = api.post(f"/api/thrive/connections/{connection.pk}/field-mappings/remap/")

    assert remap.status_code == 202
