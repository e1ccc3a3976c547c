"""Why the pipeline refuses an action or a grouping: readable, final, decided before Thrive."""

from __future__ import annotations

from ..exceptions import ThriveIntegrationError


class PipelineRefused(ThriveIntegrationError):
    """The action is not allowed as asked (excluded stage or reason, removed stage...)."""

    def __init__(self, message: str, errors: dict[str, list[str]] | None = None) -> None:
        super().__init__(message)
        self.errors = errors or {}
