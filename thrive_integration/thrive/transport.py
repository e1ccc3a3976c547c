"""One HTTP exchange with Thrive: auth, timeouts, pacing, retries and error mapping.

Everything above this module speaks in parsed JSON and exceptions from
`thrive_integration.exceptions`; only this module knows `requests`.

Retry policy (DESIGN.md §4):
- Reads (GET) are retried on 429, 5xx, connection errors and resets, timeouts and 2xx bodies
  that do not parse, because repeating a read cannot change data.
- Writes are retried only when the server certainly did nothing: a 429 (it refused the
  request) or a connect timeout (the request never left this machine). Any other lost answer
  (read timeout, reset, 5xx, unparsable body) raises `UnclearWriteOutcome`: the write may have
  happened, so the caller must look the record up instead of sending it again.
- A 429 waits for `Retry-After` (seconds or an HTTP date), everything else backs off
  exponentially with jitter; every wait is capped at `max_retry_wait`.

The API key lives only in the Authorization header of each request. Messages are built from
the method, the URL path (never the query, which may carry e-mail addresses) and Thrive's own
error text, which is scrubbed of the key (and any bearer token) in case the server echoes it.
"""

from __future__ import annotations

import json
import logging
import random
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from email.utils import parsedate_to_datetime
from typing import Any
from urllib.parse import urljoin, urlsplit

import requests
from urllib3.exceptions import NewConnectionError

from thrive_integration.exceptions import (
    AuthenticationFailed,
    ConfigurationError,
    Conflict,
    NotFound,
    PermissionMissing,
    RateLimited,
    ThriveAPIError,
    TransientError,
    UnclearWriteOutcome,
    ValidationFailed,
)
from thrive_integration.redaction import MARK, redact, register_secret
from thrive_integration.thrive.ratelimit import RateLimiter

logger = logging.getLogger(__name__)

USER_AGENT = f"thrive-integration/1.0 python-requests/{requests.__version__}"
BACKOFF_BASE = 0.5  # seconds before the first retry without Retry-After (before jitter)

# Failures where the connection broke after the request may have reached the server.
_BROKEN_EXCHANGE = (
    requests.ConnectionError,
    requests.Timeout,
    requests.exceptions.ChunkedEncodingError,
    requests.exceptions.ContentDecodingError,
)


def _never_connected(exc: Exception) -> bool:
    """The connection was never made (refused, unreachable, unknown host, connect timeout, or
    no TLS session: the request is only sent once it is established)."""
    if isinstance(exc, (requests.ConnectTimeout, requests.exceptions.SSLError)):
        return True
    cause = exc.args[0] if isinstance(exc, requests.ConnectionError) and exc.args else None
    return isinstance(getattr(cause, "reason", None), NewConnectionError)


def _broken(exc: Exception) -> str:
    """What broke, for an admin: the exception's own text may hold the whole URL."""
    if isinstance(exc, requests.ConnectTimeout):
        return "connect timeout"
    if isinstance(exc, requests.exceptions.SSLError):
        return "TLS handshake or certificate verification failed"
    if _never_connected(exc):
        return "cannot connect (refused, unreachable or unknown host)"
    if isinstance(exc, requests.Timeout):
        return "no answer within the read timeout"
    if isinstance(exc, requests.ConnectionError):
        return "connection reset or closed"
    return "the answer was cut short or could not be decoded"


@dataclass(frozen=True)
class Reply:
    """A successful (2xx) answer: parsed JSON body (None when empty) and paging hints."""

    body: Any
    url: str
    next_link: str | None


class Transport:
    """Sends requests to one Thrive base URL with one key."""

    def __init__(
        self,
        base_url: str,
        api_key: str,
        *,
        limiter: RateLimiter,
        timeout: tuple[float, float] = (5.0, 30.0),
        max_retries: int = 5,
        max_retry_wait: float = 60.0,
        session: requests.Session | None = None,
        sleep: Callable[[float], None] = time.sleep,
        jitter: Callable[[], float] = random.random,
    ) -> None:
        if not api_key or any(ch.isspace() or not ch.isprintable() for ch in api_key):
            # requests would echo a malformed header value (the key) in its error message.
            raise ConfigurationError("the Thrive API key is empty or contains invalid characters")
        if max_retries < 0 or max_retry_wait < 0:
            raise ValueError("max_retries and max_retry_wait must not be negative")
        self.base_url = base_url.rstrip("/")
        self._origin = _origin(self.base_url)
        self._api_key = api_key
        # The app's logging filter then scrubs the key from any record, ours or a library's.
        register_secret(api_key)
        self._limiter = limiter
        self._timeout = timeout
        self._max_retries = max_retries
        self._max_retry_wait = max_retry_wait
        self._session = session or requests.Session()
        self._sleep = sleep
        self._jitter = jitter

    def __repr__(self) -> str:
        return f"Transport(base_url={self.base_url!r})"

    def close(self) -> None:
        self._session.close()

    def url_for(self, target: str) -> str:
        """Absolute URL for a path below the base URL, or an absolute URL on the same host."""
        if target.startswith(("http://", "https://")):
            if not self.is_own_url(target):
                # Never send the key to a host the server merely named in a link.
                raise ThriveAPIError(
                    f"refusing to follow a URL on another host: {url_path(target)}"
                )
            return target
        return self.base_url + "/" + target.lstrip("/")

    def is_own_url(self, url: str) -> bool:
        return _origin(url) == self._origin

    def request(
        self,
        method: str,
        target: str,
        *,
        params: Mapping[str, str] | None = None,
        json_body: Any = None,
    ) -> Reply:
        """Send one request, retrying as the module docstring describes; return a 2xx Reply."""
        method = method.upper()
        url = self.url_for(target)
        retries = 0
        while True:
            try:
                return self._exchange(method, url, params, json_body)
            except TransientError as exc:
                if isinstance(exc, UnclearWriteOutcome) or retries >= self._max_retries:
                    raise
                retries += 1
                wait = self._wait_before_retry(exc, retries)
                logger.warning(
                    "%s; retry %d/%d in %.2fs",
                    exc,
                    retries,
                    self._max_retries,
                    wait,
                )
                if isinstance(exc, RateLimited):
                    # The window is shared by every thread using this key: pause them all.
                    self._limiter.hold(wait)
                else:
                    self._sleep(wait)

    def _exchange(
        self, method: str, url: str, params: Mapping[str, str] | None, json_body: Any
    ) -> Reply:
        is_read = method == "GET"
        where = {"method": method, "path": url_path(url)}
        self._limiter.acquire()
        try:
            response = self._session.request(
                method,
                url,
                params=params,
                json=json_body,
                headers={
                    "Authorization": f"Bearer {self._api_key}",
                    "Accept": "application/json",
                    "User-Agent": USER_AGENT,
                },
                timeout=self._timeout,
            )
            status = response.status_code
            text = response.text  # read now so a truncated body fails inside this try
        except _BROKEN_EXCHANGE as exc:
            reason = f"{method} {url_path(url)}: {_broken(exc)} ({urlsplit(url).netloc})"
            if _never_connected(exc):
                # Not even a write reached the server: trying again is safe.
                raise TransientError(reason, **where) from exc
            if is_read:
                raise TransientError(reason, **where) from exc
            raise UnclearWriteOutcome(f"{reason}; the write may have happened", **where) from exc
        except requests.RequestException as exc:
            # Not a network fault (a bad URL, too many redirects): trying again cannot help.
            raise ThriveAPIError(
                f"{method} {url_path(url)}: {type(exc).__name__}", **where
            ) from exc

        logger.debug("%s %s -> %d", method, url_path(url), status)
        if 200 <= status < 300:
            body = self._parse_success(text, status, is_read, where)
            return Reply(body, url, _next(response))
        raise self._error_for(response, text, is_read, where)

    def _parse_success(self, text: str, status: int, is_read: bool, where: dict[str, str]) -> Any:
        if not text.strip() and (status == 204 or where["method"] == "DELETE"):
            return None
        try:
            return json.loads(text)
        except ValueError:
            reason = f"{where['method']} {where['path']}: {status} with an unparsable body"
            if is_read:
                raise TransientError(reason, status=status, **where) from None
            raise UnclearWriteOutcome(
                f"{reason}; the write may have happened", status=status, **where
            ) from None

    def _error_for(
        self, response: requests.Response, text: str, is_read: bool, where: dict[str, str]
    ) -> ThriveAPIError:
        status = response.status_code
        message, errors, existing_id = _error_details(text)
        message = self._redact(message or response.reason or "error")
        summary = f"{where['method']} {where['path']}: {status} {message}"
        if status == 429:
            retry_after = _retry_after_seconds(response.headers.get("Retry-After"))
            return RateLimited(summary, retry_after=retry_after, status=status, **where)
        if status >= 500:
            if is_read:
                return TransientError(summary, status=status, **where)
            return UnclearWriteOutcome(
                f"{summary}; the write may have happened", status=status, **where
            )
        if status == 401:
            return AuthenticationFailed(summary, status=status, **where)
        if status == 403:
            return PermissionMissing(summary, status=status, **where)
        if status == 404:
            return NotFound(summary, status=status, **where)
        if status == 409:
            return Conflict(summary, errors=errors, existing_id=existing_id, status=status, **where)
        if status in (400, 422):
            return ValidationFailed(summary, errors=errors, status=status, **where)
        return ThriveAPIError(summary, status=status, **where)

    def _wait_before_retry(self, exc: TransientError, retries: int) -> float:
        if isinstance(exc, RateLimited) and exc.retry_after is not None:
            wait = exc.retry_after
        else:
            ceiling = BACKOFF_BASE * 2 ** (retries - 1)
            # "Equal jitter": at least half the ceiling, so waits still grow, but spread out
            # so that several workers hit by the same outage do not retry in lockstep.
            wait = ceiling / 2 + self._jitter() * ceiling / 2
        return min(max(wait, 0.0), self._max_retry_wait)

    def _redact(self, text: str) -> str:
        return redact(text.replace(self._api_key, MARK))


def _error_details(text: str) -> tuple[str, Any, Any]:
    """Thrive's message, field errors and (for 409) the id of the existing record."""
    try:
        body = json.loads(text)
    except ValueError:
        return "", None, None
    if not isinstance(body, dict):
        return "", None, None
    error = body.get("error")
    if isinstance(error, dict):
        message = error.get("message") or error.get("code") or ""
        existing_id = error.get("existing_id", body.get("existing_id"))
    else:
        message = error if isinstance(error, str) else body.get("message") or ""
        existing_id = body.get("existing_id")
    return str(message), body.get("errors"), existing_id


def _retry_after_seconds(value: str | None) -> float | None:
    """Retry-After as seconds from now: delta-seconds or an HTTP date (RFC 9110 §10.2.3)."""
    if not value:
        return None
    value = value.strip()
    try:
        return max(float(value), 0.0)
    except ValueError:
        pass
    try:
        when = parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    if when.tzinfo is None:
        when = when.replace(tzinfo=UTC)
    return max((when - datetime.now(UTC)).total_seconds(), 0.0)


def _next(response: requests.Response) -> str | None:
    link = response.links.get("next")
    if not link or not link.get("url"):
        return None
    return urljoin(response.url or "", link["url"])


def _origin(url: str) -> tuple[str, str]:
    parts = urlsplit(url)
    return parts.scheme.lower(), parts.netloc.lower()


def url_path(url: str) -> str:
    return urlsplit(url).path
