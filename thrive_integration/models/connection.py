"""A Thrive account connected by one API key, owned by one tenant of the host."""

from __future__ import annotations

from typing import Any

from django.db import DatabaseError, models

from .. import crypto
from ..conf import integration_settings
from ..redaction import register_secret


def default_base_url() -> str:
    return integration_settings.DEFAULT_BASE_URL


class ConnectionStatus(models.TextChoices):
    NEW = "new", "Not verified"
    ACTIVE = "active", "Active"
    MISSING_PERMISSIONS = "missing_permissions", "Missing permissions"
    INVALID_KEY = "invalid_key", "Invalid key"
    UNREACHABLE = "unreachable", "Unreachable"
    DISCONNECTED = "disconnected", "Disconnected"


class Connection(models.Model):
    owner = models.CharField(max_length=200, db_index=True)
    name = models.CharField(max_length=100)
    base_url = models.URLField(max_length=500, default=default_base_url)
    api_key_ciphertext = models.TextField(editable=False)
    api_key_hint = models.CharField(max_length=8, editable=False, blank=True)
    status = models.CharField(
        max_length=32, choices=ConnectionStatus.choices, default=ConnectionStatus.NEW
    )
    verified_at = models.DateTimeField(null=True, blank=True)
    # {"granted": [...labels], "missing": [...labels], "checked": n} from the last verification.
    permission_report = models.JSONField(default=dict, blank=True)
    import_enabled = models.BooleanField(default=True)
    import_interval_minutes = models.PositiveIntegerField(default=60)
    export_enabled = models.BooleanField(default=True)
    export_interval_minutes = models.PositiveIntegerField(default=10)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["owner", "name"], name="thrive_connection_owner_name")
        ]
        ordering = ["id"]

    def __str__(self) -> str:
        return self.name

    def __repr__(self) -> str:
        return f"<Connection {self.pk} {self.name!r} key=…{self.api_key_hint}>"

    def save(self, *args: Any, **kwargs: Any) -> None:
        """Save; a connection deleted meanwhile raises DoesNotExist instead of coming back.

        Django saves a row it no longer finds by inserting it again: a request that loaded the
        connection before another one deleted it would bring it back, schedules and all.
        """
        if self._state.adding or kwargs.get("force_insert"):
            super().save(*args, **kwargs)
            return
        try:
            super().save(*args, **{**kwargs, "force_update": True})
        except DatabaseError as exc:
            # Django's "did not affect any rows" is a bare DatabaseError; the database's own
            # errors (a duplicate name, a lost connection) are its subclasses.
            if type(exc) is not DatabaseError:
                raise
            raise self.DoesNotExist(f"connection {self.pk} was deleted") from exc

    def set_api_key(self, api_key: str) -> None:
        api_key = api_key.strip()
        self.api_key_ciphertext = crypto.encrypt(api_key)
        self.api_key_hint = api_key[-4:] if len(api_key) >= 12 else ""
        register_secret(api_key)

    @property
    def api_key(self) -> str:
        key = crypto.decrypt(self.api_key_ciphertext)
        register_secret(key)
        return key

    @property
    def missing_permissions(self) -> list[str]:
        return list(self.permission_report.get("missing", []))

    @property
    def is_disconnected(self) -> bool:
        return self.status == ConnectionStatus.DISCONNECTED


class SyncLock(models.Model):
    """One row per connection; claimed by a conditional UPDATE so only one run works at once.

    Kept apart from Connection so that saving a connection (admin, API) can never clobber a
    lock a worker holds.
    """

    connection = models.OneToOneField(Connection, on_delete=models.CASCADE, related_name="lock")
    holder = models.CharField(max_length=64, blank=True)
    expires_at = models.DateTimeField(null=True, blank=True)

    def __str__(self) -> str:
        return f"lock of {self.connection_id} held by {self.holder or 'nobody'}"
