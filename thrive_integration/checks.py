"""System checks: configuration errors surface at `manage.py check`, not mid-sync."""

from __future__ import annotations

from django.conf import settings
from django.core.checks import Error, Warning, register
from django.utils.module_loading import import_string

from .conf import integration_settings

DEMO_KEY = "NlJ4a1p5QjF0cVZXcGdGVHZFUWt3WkQ2Y0N5ZEtmM0g="


@register()
def check_encryption_keys(app_configs, **kwargs):
    from cryptography.fernet import Fernet

    keys = integration_settings.user_settings.get("ENCRYPTION_KEYS") or []
    if not keys:
        return [Error("THRIVE_INTEGRATION['ENCRYPTION_KEYS'] is empty.", id="thrive.E001")]
    problems = []
    for index, key in enumerate(keys):
        try:
            Fernet(key)
        except (ValueError, TypeError):
            problems.append(
                Error(f"ENCRYPTION_KEYS[{index}] is not a Fernet key.", id="thrive.E002")
            )
    if DEMO_KEY in keys and not settings.DEBUG:
        problems.append(
            Warning("The demo encryption key is in use outside DEBUG.", id="thrive.W001")
        )
    return problems


@register()
def check_q_cluster(app_configs, **kwargs):
    cluster = getattr(settings, "Q_CLUSTER", {})
    timeout, retry = cluster.get("timeout"), cluster.get("retry")
    if timeout is not None and retry is not None and retry <= timeout:
        return [
            Error(
                "Q_CLUSTER['retry'] must exceed Q_CLUSTER['timeout'], or a slow sync is "
                "delivered twice while still running.",
                id="thrive.E003",
            )
        ]
    if timeout is not None and timeout <= integration_settings.TASK_TIME_BUDGET_SECONDS:
        return [
            Error("TASK_TIME_BUDGET_SECONDS must be below Q_CLUSTER['timeout'].", id="thrive.E004")
        ]
    return []


@register()
def check_owner_resolver(app_configs, **kwargs):
    path = integration_settings.user_settings.get("OWNER_RESOLVER")
    if path is None:
        return []
    try:
        resolver = import_string(path) if isinstance(path, str) else path
    except ImportError as exc:
        return [Error(f"OWNER_RESOLVER {path!r} cannot be imported: {exc}", id="thrive.E005")]
    if not callable(resolver):
        return [Error(f"OWNER_RESOLVER {path!r} is not callable.", id="thrive.E006")]
    return []


@register()
def check_database(app_configs, **kwargs):
    """The bulk writes (sync/bulk.py) use INSERT .. ON CONFLICT and RETURNING."""
    import sqlite3

    from django.db import connection

    if connection.vendor == "postgresql":
        return []
    if connection.vendor == "sqlite" and sqlite3.sqlite_version_info >= (3, 35):
        return _sqlite_transaction_mode(connection.settings_dict.get("OPTIONS", {}))
    found = (
        f"SQLite {sqlite3.sqlite_version}" if connection.vendor == "sqlite" else connection.vendor
    )
    return [
        Error(
            f"thrive_integration needs PostgreSQL or SQLite 3.35+; this database is {found}.",
            id="thrive.E007",
        )
    ]


def _sqlite_transaction_mode(options: dict) -> list[Warning]:
    """Concurrent writers (workers, requests) take turns on SQLite's one write lock. Begun
    DEFERRED, a transaction that read first cannot take it (SQLite answers "database is
    locked" at once), and two exports for one email could both look Thrive up before either
    creates (export/keylocks.py relies on the lock being held from the start)."""
    if str(options.get("transaction_mode", "")).upper() in ("IMMEDIATE", "EXCLUSIVE"):
        return []
    return [
        Warning(
            "SQLite transactions begin DEFERRED: concurrent workers may fail with "
            "'database is locked' and two exports of one person at once may create two "
            "Thrive contacts.",
            hint="Set DATABASES['default']['OPTIONS']['transaction_mode'] = 'IMMEDIATE'.",
            id="thrive.W002",
        )
    ]
