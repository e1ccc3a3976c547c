"""The four list/single envelopes (``--dialect``) Thrive might use; see docs/thrive-wire.md."""

from __future__ import annotations

DIALECTS = ("link", "next_url", "meta", "bare")


def total_pages(total: int, per_page: int) -> int:
    return max(1, -(-total // per_page))


def list_body(
    dialect: str,
    plural: str,
    items: list,
    *,
    page: int,
    per_page: int,
    total: int,
    next_url: str | None,
) -> tuple[dict, dict[str, str]]:
    """(body, extra headers) of one listing page; ``next_url`` is None on the last page."""
    pages = total_pages(total, per_page)
    if dialect == "link":
        headers = {"Link": f'<{next_url}>; rel="next"'} if next_url else {}
        meta = {"page": page, "per_page": per_page, "total_count": total, "total_pages": pages}
        return {"data": items, "meta": meta}, headers
    if dialect == "next_url":
        return {plural: items, "next": next_url}, {}
    if dialect == "meta":
        return {"data": items, "meta": {"current_page": page, "total_pages": pages}}, {}
    return {plural: items}, {}


def single_body(dialect: str, singular: str, item: dict) -> dict:
    if dialect in ("link", "meta"):
        return {"data": item}
    return {singular: item}
