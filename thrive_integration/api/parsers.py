"""The request bodies the app reads: JSON, refused with a 400 when it is nested absurdly deep.

DRF's JSON parser turns only `ValueError` into a 400. Python's decoder raises `RecursionError`
on a body nested deeper than the interpreter's recursion limit, and a body just under that
limit parses but then exhausts the stack in whatever walks it next (a serializer field, the
ORM building a lookup from it): both were 500s. No body of this API nests more than a few
levels, so a fixed, generous bound refuses both before any view sees the data.
"""

from __future__ import annotations

from typing import Any

from rest_framework.exceptions import ParseError
from rest_framework.parsers import JSONParser

# Objects and arrays inside one another; the deepest body the API takes has about four.
MAX_NESTING = 32
TOO_DEEP = f"JSON parse error - the body nests objects and arrays more than {MAX_NESTING} deep."


class BoundedJSONParser(JSONParser):
    def parse(self, stream: Any, media_type: str | None = None, parser_context: Any = None) -> Any:
        try:
            data = super().parse(stream, media_type, parser_context)
        except RecursionError:
            raise ParseError(TOO_DEEP) from None
        if nests_deeper_than(data, MAX_NESTING):
            raise ParseError(TOO_DEEP)
        return data


def nests_deeper_than(value: Any, limit: int) -> bool:
    """Whether objects and arrays nest more than `limit` deep; iterative, so never recursing."""
    pending = [(value, 1)]
    while pending:
        item, depth = pending.pop()
        if isinstance(item, dict):
            children = item.values()
        elif isinstance(item, list):
            children = item
        else:
            continue
        if depth > limit:
            return True
        pending.extend((child, depth + 1) for child in children)
    return False
