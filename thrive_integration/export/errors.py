"""Why the export path refuses a write before sending it: final, readable, never retried."""

from __future__ import annotations

from ..exceptions import ThriveIntegrationError


class ExportRefused(ThriveIntegrationError):
    """The write must not happen as asked (off-limits person, nothing to look it up by...)."""
