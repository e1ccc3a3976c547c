"""Creating, re-keying and disconnecting connections, and building a client for one.

Views, admin and commands call these instead of touching the model, so that base-URL rules,
key encryption and schedule upkeep live in one place.
"""

from __future__ import annotations

import uuid
from urllib.parse import urlsplit, urlunsplit

from django.db import transaction

from .conf import integration_settings
from .exceptions import ConfigurationError, SyncLocked
from .models import Connection, ConnectionStatus, SyncRun
from .redaction import MIN_SECRET_LENGTH
from .schedules import remove_schedules, sync_schedules
from .thrive import ThriveClient

LOOPBACK_HOSTS = {"127.0.0.1", "localhost", "::1"}


def validate_base_url(base_url: str) -> str:
    """HTTPS only, except plain HTTP to loopback when the host allows it (the sandbox)."""
    text = (base_url or "").strip()
    try:
        parts = urlsplit(text)
        hostname = parts.hostname
        parts.port  # noqa: B018  (raises ValueError on a port out of range)
    except ValueError:
        raise ConfigurationError("The base URL is not a valid URL.") from None
    if len(text) > 500 or parts.scheme not in ("http", "https") or not hostname:
        raise ConfigurationError("The base URL must be an absolute http(s) URL (500 chars max).")
    if "@" in parts.netloc:
        raise ConfigurationError("The base URL must not carry credentials.")
    if any(ch.isspace() for ch in text):
        raise ConfigurationError("The base URL must not contain spaces.")
    if "?" in text or "#" in text:
        # Each request's own path and query are added to it: neither would survive.
        raise ConfigurationError("The base URL must not carry a query string or a fragment.")
    insecure_ok = integration_settings.ALLOW_INSECURE_BASE_URL
    if parts.scheme == "http" and not (insecure_ok and hostname in LOOPBACK_HOSTS):
        raise ConfigurationError("The base URL must use HTTPS.")
    # One spelling per URL, so an unchanged one reads unchanged: scheme and host are
    # case-insensitive, and a scheme's default port is no port.
    netloc = parts.netloc.lower()
    if parts.port == {"http": 80, "https": 443}[parts.scheme]:
        netloc = netloc.rpartition(":")[0]
    return urlunsplit((parts.scheme, netloc, parts.path.rstrip("/"), "", ""))


def validate_api_key(api_key: str) -> str:
    """A bearer token: printable ASCII without spaces (HTTP headers carry nothing else)."""
    key = (api_key or "").strip()
    length_ok = MIN_SECRET_LENGTH <= len(key) <= 500
    if not length_ok or not all("!" <= ch <= "~" for ch in key):
        raise ConfigurationError(
            f"The API key must be {MIN_SECRET_LENGTH} to 500 printable ASCII characters "
            "without spaces."
        )
    return key


def validate_label(value: str, what: str, max_length: int) -> str:
    text = (value or "").strip()
    if not text or len(text) > max_length or not text.isprintable():
        raise ConfigurationError(f"The {what} must be 1 to {max_length} printable characters.")
    return text


def create_connection(*, owner: str, name: str, api_key: str, base_url: str = "") -> Connection:
    connection = Connection(
        owner=validate_label(owner, "owner", 200),
        name=validate_label(name, "name", 100),
        base_url=validate_base_url(base_url or integration_settings.DEFAULT_BASE_URL),
    )
    connection.set_api_key(validate_api_key(api_key))
    with transaction.atomic():
        connection.save()
        # The schedule is on by default: its rows must exist from the start, whichever way
        # (admin, API, command) the connection was made.
        sync_schedules(connection)
    return connection


def rotate_api_key(
    connection: Connection, api_key: str, *, base_url: str | None = None
) -> Connection:
    """A new key invalidates the last verification: its permissions may differ.

    Entering the key again is also how a disconnected connection is reconnected: it becomes
    `new`, to be verified; its schedule stays off until it is turned on again.

    The base URL changes only here, together with the key: a stored key is only ever sent to
    the URL it was entered for, so moving a connection to another host needs the key again.
    """
    connection.set_api_key(validate_api_key(api_key))
    if base_url:
        connection.base_url = validate_base_url(base_url)
    connection.status = ConnectionStatus.NEW
    connection.permission_report = {}
    connection.verified_at = None
    connection.save()
    return connection


def disconnect(connection: Connection) -> Connection:
    """Stop all scheduled work; keep every imported record (`rotate_api_key` reconnects)."""
    with transaction.atomic():
        connection.status = ConnectionStatus.DISCONNECTED
        connection.import_enabled = False
        connection.export_enabled = False
        connection.save()
        remove_schedules(connection)
    return connection


def client_for(connection: Connection) -> ThriveClient:
    settings = integration_settings
    return ThriveClient(
        connection.base_url,
        connection.api_key,
        requests_per_second=settings.REQUESTS_PER_SECOND,
        timeout=(settings.CONNECT_TIMEOUT, settings.READ_TIMEOUT),
        max_retries=settings.MAX_RETRIES,
        max_retry_wait=settings.MAX_RETRY_WAIT,
        per_page=settings.PAGE_SIZE,
    )


def check_deletable(connection: Connection) -> SyncRun | None:
    """Refuse (`SyncLocked`) to delete a connection while one of its runs is active.

    A stalled run (`runner.is_stalled`: its worker died and its lease ran out, or it never
    reached a worker) does not count: it is returned, to be deleted with the connection.
    """
    # Imported here, as below: the runner imports this module (client_for).
    from .sync.runner import active_run, is_stalled

    run = active_run(connection)
    if run is not None and not is_stalled(run):
        raise _still_active(run)
    return run


def _still_active(run: SyncRun | None) -> SyncLocked:
    if run is None:
        return SyncLocked("A worker is still working on this connection; try again in a moment.")
    return SyncLocked(
        f"Sync run #{run.pk} of this connection is still active: wait for it to finish, then "
        "delete the connection. If the process working on it was killed, the connection can "
        "be deleted once that process's lock expires, "
        f"{integration_settings.LOCK_TTL_SECONDS} s after its last page at most."
    )


def delete_connection(connection: Connection) -> None:
    """Delete a connection with its schedules and everything imported for it, unless one of
    its runs is active (`check_deletable`).

    No run starts or writes between the check and the deletion. In the same transaction the
    runner's lock is claimed (a worker claims it to start and renews it in each page's or
    batch's transaction, so none can until this one ends, and then the lock is gone), then
    the connection's row is locked (a run recorded later waits for the deletion, then is
    refused like a second run) and a run recorded before that refuses the deletion. The lock
    comes first so that a worker amid a page, which it commits only with a share of the
    connection's row, is waited for instead of deadlocked with.
    """
    from .sync import locking
    from .sync.runner import active_run

    with transaction.atomic():
        stalled = check_deletable(connection)
        # Never released: the lock row goes with the connection, or the claim is rolled back.
        if not locking.claim(connection, f"delete:{uuid.uuid4().hex[:12]}"):
            raise _still_active(active_run(connection))
        if not Connection.objects.select_for_update().filter(pk=connection.pk).exists():
            transaction.set_rollback(True)  # deleted meanwhile: undo the lock row of claim()
            return
        newer = active_run(connection)
        if newer is not None and (stalled is None or newer.pk != stalled.pk):
            raise _still_active(newer)
        connection.delete()  # its scheduled tasks with it (see schedules.py)
