"""One lazily read settings object over `settings.THRIVE_INTEGRATION`, DRF-style.

The app reads no environment variables: the host decides where values come from. Defaults are
the values an integration with Thrive's published limits needs; the host overrides any key.
"""

from __future__ import annotations

from typing import Any

from django.conf import settings as django_settings
from django.core.signals import setting_changed
from django.utils.module_loading import import_string

DEFAULTS: dict[str, Any] = {
    # MultiFernet keys, newest first; the first encrypts, all decrypt (rotation).
    "ENCRYPTION_KEYS": [],
    "DEFAULT_BASE_URL": "https://api.services.thrivetrm.com/api/v2",
    # Debug/demo only: lets a connection point at the plain-HTTP sandbox on loopback.
    "ALLOW_INSECURE_BASE_URL": False,
    # Thrive allows 100 requests/second; stay under it so we never earn a 429 ourselves.
    "REQUESTS_PER_SECOND": 90.0,
    "CONNECT_TIMEOUT": 5.0,
    "READ_TIMEOUT": 30.0,
    "MAX_RETRIES": 5,
    "MAX_RETRY_WAIT": 60.0,
    "PAGE_SIZE": 100,
    # Fetch and prepare the next pages of a listing in a forked process while the current one
    # is written (sync/prefetch.py); off (or where the platform cannot fork), a thread fetches
    # ahead and the writer prepares each page itself.
    "PREPARE_PAGES_IN_SUBPROCESS": True,
    # Incremental reads start this many seconds before the cursor: clock skew and records whose
    # updated_at was stamped before their transaction became visible must not be missed.
    "LOOKBACK_SECONDS": 300,
    # A lock not renewed for this long belongs to a dead worker and may be taken over.
    "LOCK_TTL_SECONDS": 300,
    # One task invocation works this long, then checkpoints and re-enqueues itself; well below
    # Q_CLUSTER["timeout"] so the cluster never kills a task mid-page.
    "TASK_TIME_BUDGET_SECONDS": 240,
    # Contacts (then candidacies) re-mapped per transaction by a remap run: each batch commits
    # with the run's counts and checkpoint, so a killed worker redoes at most one batch.
    "REMAP_BATCH_SIZE": 500,
    # Records missing from a full listing are confirmed one by one with a GET before being
    # marked deleted; more candidates than this means something is off: flag, delete nothing.
    "SWEEP_CONFIRM_LIMIT": 500,
    "IMPORT_INTERVAL_MINUTES": 60,
    "EXPORT_INTERVAL_MINUTES": 10,
    # Dotted path to `callable(request) -> str | None`: the owner key of a request.
    "OWNER_RESOLVER": "thrive_integration.tenancy.owner_from_user",
    # Dotted path to the DRF permission class guarding destructive REST actions (deleting or
    # disconnecting a connection). Staff only by default; a host may allow its org admins.
    "DESTRUCTIVE_ACTION_PERMISSION": "rest_framework.permissions.IsAdminUser",
    # Request rate per owner on the REST API (DRF rate syntax); None disables the throttle.
    "API_THROTTLE_RATE": "1200/minute",
    # Runs started per owner through the REST API, imports and re-maps sharing one budget: an
    # import costs Thrive requests, a re-map rewrites every profile, and both hold a worker.
    # A request refused (404, 400, 409) spends nothing.
    "API_SYNC_THROTTLE_RATE": "30/hour",
}

IMPORT_STRINGS = {"OWNER_RESOLVER", "DESTRUCTIVE_ACTION_PERMISSION"}


class IntegrationSettings:
    def __init__(self) -> None:
        self._cache: dict[str, Any] = {}

    @property
    def user_settings(self) -> dict[str, Any]:
        return getattr(django_settings, "THRIVE_INTEGRATION", {}) or {}

    def __getattr__(self, name: str) -> Any:
        if name not in DEFAULTS:
            raise AttributeError(f"Unknown THRIVE_INTEGRATION setting: {name}")
        if name not in self._cache:
            value = self.user_settings.get(name, DEFAULTS[name])
            if name in IMPORT_STRINGS and isinstance(value, str):
                value = import_string(value)
            self._cache[name] = value
        return self._cache[name]

    def reload(self) -> None:
        self._cache.clear()


integration_settings = IntegrationSettings()


def _reload(*, setting: str, **kwargs: Any) -> None:
    if setting == "THRIVE_INTEGRATION":
        integration_settings.reload()


setting_changed.connect(_reload)
