"""Creating, re-keying and disconnecting connections, and building a client for one.

Views, admin and commands call these instead of touching the model, so that base-URL rules,
key encryption and schedule upkeep live in one place.
"""

from __future__ import annotations

from urllib.parse import urlsplit

from django.db import transaction

from .conf import integration_settings
from .exceptions import ConfigurationError
from .models import Connection, ConnectionStatus
from .thrive import ThriveClient

LOOPBACK_HOSTS = {"127.0.0.1", "localhost", "::1"}


def validate_base_url(base_url: str) -> str:
    """HTTPS only, except plain HTTP to loopback when the host allows it (the sandbox)."""
    parts = urlsplit(base_url.strip())
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise ConfigurationError("The base URL must be an absolute http(s) URL.")
    if parts.username or parts.password:
        raise ConfigurationError("The base URL must not carry credentials.")
    insecure_ok = integration_settings.ALLOW_INSECURE_BASE_URL
    if parts.scheme == "http" and not (insecure_ok and parts.hostname in LOOPBACK_HOSTS):
        raise ConfigurationError("The base URL must use HTTPS.")
    return base_url.strip().rstrip("/")


def validate_api_key(api_key: str) -> str:
    key = (api_key or "").strip()
    if not key or len(key) > 500 or any(ch.isspace() for ch in key):
        raise ConfigurationError("The API key must be a non-empty token without spaces.")
    return key


def create_connection(*, owner: str, name: str, api_key: str, base_url: str = "") -> Connection:
    connection = Connection(
        owner=owner,
        name=name,
        base_url=validate_base_url(base_url or integration_settings.DEFAULT_BASE_URL),
    )
    connection.set_api_key(validate_api_key(api_key))
    connection.save()
    return connection


def rotate_api_key(connection: Connection, api_key: str) -> Connection:
    """A new key invalidates the last verification: its permissions may differ."""
    connection.set_api_key(validate_api_key(api_key))
    connection.status = ConnectionStatus.NEW
    connection.permission_report = {}
    connection.verified_at = None
    connection.save()
    return connection


def disconnect(connection: Connection) -> Connection:
    """Stop all scheduled work; keep every imported record."""
    from .schedules import remove_schedules

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
