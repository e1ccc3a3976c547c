"""Typed calls to Thrive: listings, single records, writes, duplicate lookups, permissions.

`ThriveClient` is the only object the rest of the app needs. It knows URLs and envelopes, not
Django models; what a record means is the sync engine's business.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator, Mapping, Sequence
from contextlib import suppress
from dataclasses import dataclass, replace
from datetime import datetime
from typing import Any
from urllib.parse import quote

import requests

from thrive_integration.exceptions import (
    NotFound,
    PermissionMissing,
    ThriveAPIError,
    ValidationFailed,
)
from thrive_integration.thrive.operations import OPERATIONS, OPERATIONS_BY_LABEL, Operation
from thrive_integration.thrive.pagination import Page, PageCursor, extract_records, iter_pages
from thrive_integration.thrive.ratelimit import RateLimiter
from thrive_integration.thrive.transport import Transport

MAX_PER_PAGE = 100  # Thrive clamps larger pages; a clamped page would look short (the end).

# An id no Thrive record has, so a permission probe changes nothing: Thrive checks the
# permission first, then answers 404 (granted) or 403 (missing).
PROBE_ID = "0"


@dataclass(frozen=True)
class ProbeCreation:
    """A record a create probe made: Thrive accepted its empty payload instead of refusing it
    (docs/thrive-wire.md assumes it refuses). The probe deletes it again where it can."""

    operation: str  # the create's label
    record_id: str
    removed: bool


@dataclass(frozen=True)
class PermissionReport:
    """Which operations of the catalogue a key may perform, in catalogue order."""

    results: tuple[tuple[Operation, bool], ...]
    created: tuple[ProbeCreation, ...] = ()

    @property
    def granted(self) -> list[str]:
        return [operation.label for operation, allowed in self.results if allowed]

    @property
    def missing(self) -> list[str]:
        return [operation.label for operation, allowed in self.results if not allowed]

    @property
    def complete(self) -> bool:
        """True when the key has every permission the integration needs."""
        return all(allowed for _, allowed in self.results)

    def by_group(self) -> dict[str, dict[str, list[str]]]:
        """`{group: {"granted": [labels], "missing": [labels]}}`, groups in catalogue order."""
        groups: dict[str, dict[str, list[str]]] = {}
        for operation, allowed in self.results:
            group = groups.setdefault(operation.group, {"granted": [], "missing": []})
            group["granted" if allowed else "missing"].append(operation.label)
        return groups


def record_path(collection: str, remote_id: object, *below: str) -> str:
    """The path of one record (`/searches/7`, `/contacts/7/notes`): its id quoted as one path
    segment, so an id holding `/`, `?`, `#` or `..` (from a payload or a request) cannot name
    another resource of the account."""
    segment = quote(str(remote_id), safe="")
    if set(segment) <= {"."}:
        # "" would name the collection, and "." or ".." (which URL normalisation resolves) it
        # or its parent: none of them may stand for a record.
        segment = segment.replace(".", "%2E") or "%20"
    return "/".join((collection.rstrip("/"), segment, *below))


class ThriveClient:
    """A client for one Thrive API base URL and one API key."""

    def __init__(
        self,
        base_url: str,
        api_key: str,
        *,
        requests_per_second: float = 90.0,
        timeout: tuple[float, float] = (5.0, 30.0),
        max_retries: int = 5,
        max_retry_wait: float = 60.0,
        per_page: int = 100,
        session: requests.Session | None = None,
        sleep: Callable[[float], None] = time.sleep,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        if not 1 <= per_page <= MAX_PER_PAGE:
            raise ValueError(f"per_page must be between 1 and {MAX_PER_PAGE}")
        self.per_page = per_page
        self.limiter = RateLimiter(requests_per_second, clock=clock, sleep=sleep)
        self._transport = Transport(
            base_url,
            api_key,
            limiter=self.limiter,
            timeout=timeout,
            max_retries=max_retries,
            max_retry_wait=max_retry_wait,
            session=session,
            sleep=sleep,
        )

    @property
    def base_url(self) -> str:
        return self._transport.base_url

    def __repr__(self) -> str:
        return f"ThriveClient(base_url={self.base_url!r})"

    def __enter__(self) -> ThriveClient:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()

    def close(self) -> None:
        self._transport.close()

    def forget_connections(self) -> None:
        """Drop the pooled HTTP connections; the client opens new ones as it needs them.

        For a forked process: its parent's sockets are not its to use. Closing them here
        closes only this process's copies.
        """
        self._transport.close()

    # Reads

    def iter_pages(
        self,
        path: str,
        *,
        params: Mapping[str, str] | None = None,
        include: Sequence[str] = (),
        updated_since: datetime | None = None,
        start: PageCursor | None = None,
    ) -> Iterator[Page]:
        """Pages of the listing at `path`; resume an interrupted listing with `start=page.next`."""
        return iter_pages(
            self._transport,
            path,
            per_page=self.per_page,
            params=params,
            include=include,
            updated_since=updated_since,
            start=start,
        )

    def get(self, path: str, *, include: Sequence[str] = ()) -> dict[str, Any]:
        """One record, unwrapped from `{"data": ...}`, `{"<singular>": ...}` or bare."""
        params = {"include": ",".join(include)} if include else None
        reply = self._transport.request("GET", path, params=params)
        return _unwrap_record(reply.body, f"GET {path}")

    def find_duplicate_contacts(
        self, email: str | None = None, linkedin_url: str | None = None
    ) -> list[dict[str, Any]]:
        """Contacts Thrive already has with this email or LinkedIn URL (it never dedupes)."""
        return self._duplicates("/contacts/duplicates", email=email, linkedin_url=linkedin_url)

    def find_duplicate_companies(
        self, name: str | None = None, website_url: str | None = None
    ) -> list[dict[str, Any]]:
        """Companies Thrive already has with this name or website URL."""
        return self._duplicates("/companies/duplicates", name=name, website_url=website_url)

    def _duplicates(self, path: str, **criteria: str | None) -> list[dict[str, Any]]:
        params = {key: value for key, value in criteria.items() if value}
        if not params:
            raise ValueError(f"give at least one of {', '.join(criteria)}")
        reply = self._transport.request("GET", path, params=params)
        # The answer is one page in the listing envelope, keyed by the collection's plural.
        collection = path.strip("/").split("/")[0]
        return extract_records(reply.body, collection, where=f"GET {path}")

    # Writes: never retried after an unclear outcome (see transport.py).

    def create(
        self, path: str, payload: Mapping[str, Any], *, envelope: str | None = None
    ) -> dict[str, Any]:
        """POST a new record (wrapped as `{envelope: payload}` if given); return Thrive's record."""
        reply = self._transport.request("POST", path, json_body=_wrap(payload, envelope))
        return _unwrap_record(reply.body, f"POST {path}")

    def update(
        self, path: str, payload: Mapping[str, Any], *, envelope: str | None = None
    ) -> dict[str, Any]:
        """PATCH the given fields of a record; return Thrive's updated record."""
        reply = self._transport.request("PATCH", path, json_body=_wrap(payload, envelope))
        return _unwrap_record(reply.body, f"PATCH {path}")

    def delete(self, path: str) -> None:
        self._transport.request("DELETE", path)

    # Permissions

    def probe(self, operation: Operation | str) -> bool:
        """Whether the key may perform `operation` (an Operation or its label).

        One request meant to change no data: listings ask for one record, record routes and
        writes target the id `PROBE_ID`, writes send an empty payload. Thrive checks the
        permission before the lookup and the validation, so 403 means missing and 404, 400,
        409 or 422 mean granted. 401 raises AuthenticationFailed; other failures raise too.
        """
        return self._probe(operation)[0]

    def _probe(self, operation: Operation | str) -> tuple[bool, ProbeCreation | None]:
        """`probe`, and the record made if a create accepted the empty payload after all."""
        if isinstance(operation, str):
            operation = OPERATIONS_BY_LABEL[operation]
        path = operation.path.format(id=PROBE_ID, cid=PROBE_ID)
        try:
            if operation.listing:
                self._transport.request("GET", path, params={"page": "1", "per_page": "1"})
            elif operation.method in ("GET", "DELETE"):
                self._transport.request(operation.method, path)
            else:
                reply = self._transport.request(operation.method, path, json_body={})
                if operation.method == "POST" and "{" not in operation.path:
                    return True, self._undo_create(operation, reply.body)
        except PermissionMissing:
            return False, None
        except NotFound as exc:
            if "{" not in operation.path:
                # A top-level collection always exists: a 404 there means the base URL is not
                # Thrive's API, and every other 404 would then read as "granted".
                raise NotFound(
                    f"GET {operation.path} answered 404: the base URL does not serve the "
                    "Thrive API v2",
                    status=404,
                    method=operation.method,
                    path=operation.path,
                ) from exc
            return True, None
        except ValidationFailed:  # 400, 409 and 422
            return True, None
        return True, None

    def _undo_create(self, create: Operation, body: Any) -> ProbeCreation | None:
        """Delete the record a create probe made, if the answer names one and the catalogue
        has its delete (Thrive may still refuse it: the key may lack that permission)."""
        record = _unwrap_record(body, f"POST {create.path}") if isinstance(body, dict) else None
        if not isinstance(record, dict) or not isinstance(record.get("id"), (int, str)):
            return None
        record_id = str(record["id"])
        removed = False
        if any(op.method == "DELETE" and op.path == f"{create.path}/{{id}}" for op in OPERATIONS):
            with suppress(ThriveAPIError):  # reported as not removed: the admin deletes it
                self.delete(record_path(create.path, record_id))
                removed = True
        return ProbeCreation(create.label, record_id, removed)

    def check_permissions(
        self, operations: Sequence[Operation] = OPERATIONS, earlier: Sequence[ProbeCreation] = ()
    ) -> PermissionReport:
        """Probe every operation once (77 requests for the full catalogue).

        `earlier`: records earlier probes made and could not delete. Each is deleted now if
        the key may, dropped if Thrive no longer has it, and reported again otherwise; while
        one is still there its create is known to be granted and is not probed again, so
        verifying again does not make one more.
        """
        created = [c for c in map(self._undo_earlier, earlier) if c is not None]
        known = {c.operation for c in created if not c.removed}
        results = []
        for operation in operations:
            if operation.label in known:
                results.append((operation, True))
                continue
            allowed, creation = self._probe(operation)
            results.append((operation, allowed))
            if creation is not None:
                created.append(creation)
        return PermissionReport(tuple(results), tuple(created))

    def _undo_earlier(self, creation: ProbeCreation) -> ProbeCreation | None:
        path = record_path(OPERATIONS_BY_LABEL[creation.operation].path, creation.record_id)
        try:
            self.get(path)
        except NotFound:
            return None  # deleted meanwhile, in Thrive
        except ThriveAPIError:
            pass  # unknown: try to delete it all the same
        with suppress(ThriveAPIError):
            self.delete(path)
            return replace(creation, removed=True)
        return creation


def _wrap(payload: Mapping[str, Any], envelope: str | None) -> Any:
    return {envelope: dict(payload)} if envelope else dict(payload)


def _unwrap_record(body: Any, where: str) -> dict[str, Any]:
    if not isinstance(body, dict):
        raise ThriveAPIError(f"{where}: expected a JSON object, got {type(body).__name__}")
    if isinstance(body.get("data"), dict):
        return body["data"]
    if "id" in body:
        return body
    if len(body) == 1:
        (only,) = body.values()
        if isinstance(only, dict):
            return only
    return body
