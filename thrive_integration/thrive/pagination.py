"""Tolerant reading of Thrive listings, one page at a time, resumable from a checkpoint.

Thrive's envelope and paging style are not publicly confirmed (DESIGN.md §3), so each page is
read without assuming a dialect:

- records: the list under `data`, else under the collection's plural name, else the only
  list-valued key of the body (a bare JSON list is accepted too);
- the next page: a `Link: rel="next"` header, else a body `next` URL (an explicit `null` ends
  the listing), else page meta (`current_page`/`page` against `total_pages`), else the next
  page number unless this page was short or empty. An explicit signal is followed even past
  an empty page: stopping early would make an incomplete listing look complete, and the
  deletion sweep trusts complete listings.

A server that serves the same page again (the same record ids, or a next URL already fetched)
raises `PaginationStalled` rather than looping. Every page carries `next`, a JSON-serialisable
`PageCursor` naming the exact URL of the following page, so an interrupted run can resume
there. Records are passed through untouched: ids stay opaque.
"""

from __future__ import annotations

import json
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any, TypedDict
from urllib.parse import parse_qsl, urlencode, urljoin, urlsplit, urlunsplit

from thrive_integration.exceptions import MalformedPage, PaginationStalled
from thrive_integration.redaction import redact
from thrive_integration.thrive.transport import Reply, Transport, url_path


class PageCursor(TypedDict):
    """Where a listing continues: the absolute URL of a page and that page's number."""

    url: str
    page: int


@dataclass(frozen=True)
class Page:
    """One page of a listing.

    `next` is None on the last page. `ignored_updated_since` is True when `updated_since` was
    sent and a record on this page is older than it, i.e. the server did not filter.
    """

    records: list[dict[str, Any]]
    number: int
    next: PageCursor | None
    ignored_updated_since: bool = False


def format_updated_since(value: datetime) -> str:
    """ISO 8601 with microseconds and offset, so no change between two syncs is skipped."""
    if value.tzinfo is None or value.utcoffset() is None:
        raise ValueError("updated_since must be timezone-aware")
    return value.isoformat(timespec="microseconds")


def extract_records(body: Any, collection: str, *, where: str = "") -> list[dict[str, Any]]:
    """The records of a listing body, whichever envelope it uses."""
    if isinstance(body, list):
        records = body
    elif isinstance(body, dict):
        records = _listing_value(body, collection, where)
    else:
        raise MalformedPage(f"{where}: a listing must be a JSON object", path=where)
    if not all(isinstance(record, dict) for record in records):
        raise MalformedPage(f"{where}: the listing holds something other than records", path=where)
    return records


def _listing_value(body: dict[str, Any], collection: str, where: str) -> list[Any]:
    for key in ("data", collection):
        if key in body:
            if isinstance(body[key], list):
                return body[key]
            # `"data": null` must not read as "no records": a sweep would then mark
            # everything deleted.
            raise MalformedPage(f"{where}: {key!r} is not a list", path=where)
    lists = [value for value in body.values() if isinstance(value, list)]
    if len(lists) != 1:
        raise MalformedPage(
            f"{where}: cannot tell which of {len(lists)} lists holds the records", path=where
        )
    return lists[0]


def iter_pages(
    transport: Transport,
    path: str,
    *,
    per_page: int,
    params: Mapping[str, str] | None = None,
    include: Sequence[str] = (),
    updated_since: datetime | None = None,
    start: PageCursor | None = None,
) -> Iterator[Page]:
    """Yield the pages of the listing at `path`, from page 1 or from `start`."""
    since_text = format_updated_since(updated_since) if updated_since is not None else None
    if start is None:
        query = dict(params or {})
        query.update(page="1", per_page=str(per_page))
        if include:
            query["include"] = ",".join(include)
        if since_text is not None:
            query["updated_since"] = since_text
        cursor: PageCursor | None = PageCursor(
            url=transport.url_for(path) + "?" + urlencode(query), page=1
        )
    else:
        cursor = PageCursor(url=start["url"], page=int(start["page"]))
    collection = urlsplit(transport.url_for(path)).path.rstrip("/").rsplit("/", 1)[-1]
    fetched: set[str] = set()
    previous_fingerprint: tuple[str, ...] | None = None

    while cursor is not None:
        if cursor["url"] in fetched:
            raise PaginationStalled(
                f"GET {url_path(cursor['url'])}: the server sent the same next page twice",
                method="GET",
                path=url_path(cursor["url"]),
            )
        fetched.add(cursor["url"])
        reply = transport.request("GET", cursor["url"])
        where = url_path(reply.url)
        records = extract_records(reply.body, collection, where=f"GET {where}")
        fingerprint = _fingerprint(records)
        if records and fingerprint == previous_fingerprint:
            raise PaginationStalled(
                f"GET {where}: page {cursor['page']} repeats the previous page",
                method="GET",
                path=where,
            )
        previous_fingerprint = fingerprint
        following = _next_cursor(transport, reply, records, cursor, per_page)
        yield Page(
            records=records,
            number=cursor["page"],
            next=following,
            ignored_updated_since=updated_since is not None
            and _has_older_record(records, updated_since),
        )
        cursor = following


def _next_cursor(
    transport: Transport,
    reply: Reply,
    records: list[dict[str, Any]],
    current: PageCursor,
    default_per_page: int,
) -> PageCursor | None:
    body = reply.body if isinstance(reply.body, dict) else {}
    number = current["page"] + 1
    if reply.next_link:
        return _cursor_for_link(transport, reply.next_link, number)
    if "next" in body:
        link = body["next"]
        if not link:
            return None
        if not isinstance(link, str):
            raise MalformedPage(
                f"GET {url_path(reply.url)}: 'next' is not a URL", path=url_path(reply.url)
            )
        return _cursor_for_link(transport, urljoin(reply.url, link), number)
    meta = body.get("meta")
    if isinstance(meta, dict):
        current_page = _as_int(meta.get("current_page", meta.get("page")))
        total_pages = _as_int(meta.get("total_pages"))
        if current_page is not None and total_pages is not None:
            if current_page >= total_pages:
                return None
            return PageCursor(url=_with_page(reply.url, current_page + 1), page=current_page + 1)
    per_page = _as_int(dict(parse_qsl(urlsplit(reply.url).query)).get("per_page"))
    if len(records) < (per_page or default_per_page):
        return None
    return PageCursor(url=_with_page(reply.url, number), page=number)


def _cursor_for_link(transport: Transport, url: str, fallback_number: int) -> PageCursor:
    if not transport.is_own_url(url):
        # Following it would send the key to a host the server merely named.
        raise MalformedPage(f"the next page link points to another host: {url_path(url)}")
    if (redacted := redact(url)) != url:
        # The cursor is stored as the run's checkpoint, and the key is stored nowhere.
        raise MalformedPage(f"the next page link carries the API key: {url_path(redacted)}")
    number = _as_int(dict(parse_qsl(urlsplit(url).query)).get("page"))
    return PageCursor(url=url, page=number if number is not None else fallback_number)


def _with_page(url: str, number: int) -> str:
    parts = urlsplit(url)
    query = [(key, value) for key, value in parse_qsl(parts.query) if key != "page"]
    query.append(("page", str(number)))
    return urlunsplit(parts._replace(query=urlencode(query)))


def _fingerprint(records: list[dict[str, Any]]) -> tuple[str, ...]:
    # Ids are compared as sent (never cast); a record without an id is compared whole.
    return tuple(
        json.dumps(record.get("id", record), sort_keys=True, default=str) for record in records
    )


def _has_older_record(records: list[dict[str, Any]], since: datetime) -> bool:
    for record in records:
        updated_at = record.get("updated_at")
        if not isinstance(updated_at, str):
            continue
        try:
            when = datetime.fromisoformat(updated_at)
        except ValueError:
            continue
        if when.tzinfo is not None and when < since:
            return True
    return False


def _as_int(value: Any) -> int | None:
    try:
        return int(value)
    except (TypeError, ValueError):
        return None
