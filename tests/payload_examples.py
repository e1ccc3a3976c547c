"""The documented Thrive payload examples of `fixtures/thrive/`, read and served over mocked HTTP.

The examples were written from what Thrive's documentation says it returns, not from the
sandbox, so tests that serve them check the client and the engine against the documents
themselves (see fixtures/README.md).
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any
from urllib.parse import parse_qsl, urlsplit

import responses
from responses import matchers

from thrive_integration.sync.registry import RESOURCE_NAMES

EXAMPLES = Path(__file__).resolve().parents[1] / "fixtures" / "thrive"

# Thrive's one public base URL: the absolute next-page links of the examples name it.
THRIVE_BASE = "https://api.services.thrivetrm.com/api/v2"

# One example page per resource, named after its collection.
RESOURCE_PAGES = RESOURCE_NAMES

# The same three talent pools listed over two pages in each envelope and paging style.
LISTING_VARIANTS = ("link", "next_url", "meta", "bare")

ERROR_EXAMPLES = {401: "unauthorized", 403: "forbidden", 429: "rate_limited"}


def example(name: str) -> Any:
    """The parsed JSON of `fixtures/thrive/<name>.json`."""
    return json.loads((EXAMPLES / f"{name}.json").read_text(encoding="utf-8"))


def records_in(body: dict[str, Any], collection: str) -> list[dict[str, Any]]:
    """The records of an example listing body, read by the test's own eye (not the client's):
    under `data`, else under the collection's plural name."""
    return body["data"] if "data" in body else body[collection]


def example_records(collection: str) -> list[dict[str, Any]]:
    """The records of a resource's example page."""
    return records_in(example(collection), collection)


def listing_pages(variant: str) -> list[dict[str, Any]]:
    """The pages (`url`, `headers`, `body`) of the talent pools listing in `variant`."""
    return example(f"listings/talent_pools.{variant}")["pages"]


def error_body(status: int) -> dict[str, Any]:
    return example(f"errors/{ERROR_EXAMPLES[status]}")


def serve_resource_page(mocked: responses.RequestsMock, collection: str) -> None:
    """Answer every listing request of `collection` with its one example page."""
    mocked.get(f"{THRIVE_BASE}/{collection}", json=example(collection))


def serve_listing(mocked: responses.RequestsMock, variant: str) -> None:
    """Answer each page of the talent pools listing in `variant` at exactly its URL."""
    for page in listing_pages(variant):
        parts = urlsplit(page["url"])
        mocked.get(
            f"{parts.scheme}://{parts.netloc}{parts.path}",
            match=[matchers.query_param_matcher(dict(parse_qsl(parts.query)))],
            headers=page.get("headers", {}),
            json=page["body"],
        )
