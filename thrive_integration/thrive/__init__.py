"""The Thrive TRM API v2 client: plain Python and `requests`, no Django.

Modules, one job each: `ratelimit` (pacing), `transport` (auth, timeouts, retries, error
mapping), `pagination` (tolerant listing reader and resume cursors), `operations` (the
permission catalogue) and `client` (the typed calls the rest of the app uses).
"""

from thrive_integration.thrive.client import (
    PermissionReport,
    ProbeCreation,
    ThriveClient,
    record_path,
)
from thrive_integration.thrive.operations import OPERATIONS, Operation
from thrive_integration.thrive.pagination import Page, PageCursor

__all__ = [
    "OPERATIONS",
    "Operation",
    "Page",
    "PageCursor",
    "PermissionReport",
    "ProbeCreation",
    "ThriveClient",
    "record_path",
]
