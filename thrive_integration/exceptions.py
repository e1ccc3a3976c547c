"""One error tree for the whole app.

Singer-style branches tell callers what to do with an error rather than what went wrong on the
wire: *retriable* errors (rate limits, 5xx, resets, broken bodies) may be tried again for reads;
*skippable* errors concern one record and must not stop a page; everything else is *fatal* for
the run. No error message ever carries the API key: messages are built from status codes,
paths and Thrive's own error text, and `redact()` scrubs anything that slipped in.
"""

from __future__ import annotations


class ThriveIntegrationError(Exception):
    """Base of every error this app raises on purpose."""

    retriable = False


class ConfigurationError(ThriveIntegrationError):
    """Settings, encryption keys or a host hook are wrong; nothing to retry."""


class KeyUnreadable(ConfigurationError):
    """The stored API key cannot be decrypted: ENCRYPTION_KEYS lost the key it was sealed
    with. Only entering the API key again repairs the connection."""


class ThriveAPIError(ThriveIntegrationError):
    """Thrive answered (or failed to answer) a request in a way we cannot use."""

    def __init__(
        self, message: str, *, status: int | None = None, method: str = "", path: str = ""
    ):
        super().__init__(message)
        self.status = status
        self.method = method
        self.path = path


class AuthenticationFailed(ThriveAPIError):
    """401: the key is unknown, revoked or malformed."""


class PermissionMissing(ThriveAPIError):
    """403: the key lacks the Thrive operation this request needs."""


class NotFound(ThriveAPIError):
    """404: the record does not exist (or no longer does)."""


class ValidationFailed(ThriveAPIError):
    """400/409/422: Thrive refused the payload; `errors` holds its field messages if any."""

    def __init__(self, message: str, *, errors: object = None, **kwargs):
        super().__init__(message, **kwargs)
        self.errors = errors


class Conflict(ValidationFailed):
    """409: the record already exists (a duplicate Thrive detected itself).

    `existing_id` is the id of that record when Thrive names it (opaque, as sent), so the
    export path can adopt it instead of looking it up.
    """

    def __init__(self, message: str, *, existing_id: object = None, **kwargs):
        super().__init__(message, **kwargs)
        self.existing_id = existing_id


class TransientError(ThriveAPIError):
    """5xx, reset, timeout, truncated or unparsable body: safe to retry a read."""

    retriable = True


class RateLimited(TransientError):
    """429: wait `retry_after` seconds, then try again."""

    def __init__(self, message: str, *, retry_after: float | None = None, **kwargs):
        super().__init__(message, **kwargs)
        self.retry_after = retry_after


class UnclearWriteOutcome(TransientError):
    """A write whose answer was lost: it may or may not have happened. Look it up, never resend."""


class PaginationStalled(ThriveAPIError):
    """The server served the same page twice; following it would loop forever."""


class MalformedPage(ThriveAPIError):
    """A listing answer whose shape we do not recognise at all (not one bad record in it)."""


class MappingError(ThriveIntegrationError):
    """One record could not be turned into local rows; it is skipped and recorded."""


class SyncLocked(ThriveIntegrationError):
    """Another sync holds this connection's lock."""
