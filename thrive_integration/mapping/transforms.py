"""The named transforms a FieldMapping may use: pure functions from Thrive values to ours.

Each transform receives a `Source`: the values of the mapping's paths (in order), the paths
themselves and the whole Thrive record, and returns a platform value. A transform declares the
kind it produces (text or list) and how many paths it takes, so a mapping can be checked
before it is saved rather than fail mid-import. Values are trusted to be anything: Thrive sends
`null` where lists are expected, numbers where strings are, and HTML in free text.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from functools import lru_cache
from typing import Any

from .. import normalize
from .schema import Kind, path_shape


@dataclass(frozen=True)
class Source:
    values: tuple[Any, ...]
    paths: tuple[str, ...]
    record: Mapping[str, Any]

    @property
    def first(self) -> Any:
        return self.values[0] if self.values else None


@dataclass(frozen=True)
class Transform:
    name: str
    kind: Kind
    func: Callable[[Source], Any]
    min_paths: int = 1
    max_paths: int | None = 1
    # Only a field of one of these child lists (e.g. "positions.title") makes sense for it.
    child_of: frozenset[str] = frozenset()
    # The shapes of path it can read (see schema.path_shape): one value unless it says more.
    reads: frozenset[str] = frozenset({"value"})
    description: str = ""

    def __call__(self, source: Source) -> Any:
        return self.func(source)

    def paths_problem(self, paths: Sequence[str]) -> str | None:
        """What is wrong with the number of paths, or their duplicates."""
        if len(paths) < self.min_paths or (self.max_paths and len(paths) > self.max_paths):
            wanted = (
                f"{self.min_paths}" if self.min_paths == self.max_paths else f"{self.min_paths}+"
            )
            return f"transform {self.name!r} takes {wanted} path(s), got {len(paths)}"
        if len(set(paths)) < len(paths):
            return f"transform {self.name!r} is given one path twice"
        return None

    def path_problem(self, path: str) -> str | None:
        """Why this transform cannot read `path`, a path Thrive's object has."""
        head, dot, _ = path.partition(".")
        if self.child_of and not (dot and head in self.child_of):
            lists = sorted(self.child_of)
            return (
                f"transform {self.name!r} reads a field of {' or '.join(lists)}, "
                f"such as '{lists[0]}.title', not {path!r}"
            )
        if (shape := path_shape(path)) not in self.reads:
            wanted = " or ".join(sorted(_shape_name(read) for read in self.reads))
            return f"transform {self.name!r} reads {wanted}, but {path!r} is {_shape_name(shape)}"
        return None


_SHAPE_NAMES = {
    "value": "one value",
    "values": "a list of values",
    "object": "an object",
    "html": "HTML (mapped, sanitised, by the notes transform from its list)",
}


def _shape_name(shape: str) -> str:
    return _SHAPE_NAMES.get(shape, f"the {shape} list")


TRANSFORMS: dict[str, Transform] = {}


def transform(name: str, kind: Kind, **options: Any) -> Callable:
    def register(func: Callable[[Source], Any]) -> Callable[[Source], Any]:
        TRANSFORMS[name] = Transform(
            name, kind, func, description=(func.__doc__ or "").strip(), **options
        )
        return func

    return register


def _items(value: Any) -> list[Mapping[str, Any]]:
    """The dicts of an embedded child list; `null` or junk means no children."""
    if not isinstance(value, list):
        return []
    return [item for item in value if isinstance(item, Mapping)]


def _text(value: Any) -> str:
    """A plain value as NFC text. An object, a list or a boolean where text was expected (a
    payload shape no one foresaw) is no text, rather than its Python repr ("True")."""
    return "" if isinstance(value, dict | list | bool) else normalize.nfc_text(value)


def _date(value: Any) -> dict[str, Any] | None:
    parsed = normalize.partial_date(value)
    return parsed.as_dict() if parsed else None


# Lists whose items are notes: a body, its author and when.
NOTE_LISTS = frozenset({"notes", "contact_comments", "candidacy_comments"})


@transform("text", "text")
def text(source: Source) -> str:
    """The value as NFC text."""
    return _text(source.first)


@transform("join", "text", max_paths=None)
def join(source: Source) -> str:
    """The non-empty values joined by a space (first_name + last_name → name)."""
    parts = (_text(value) for value in source.values)
    return " ".join(part for part in parts if part)


@transform("location", "text", max_paths=None)
def location(source: Source) -> str:
    """The non-empty values joined by ", " (city + country → "Berlin, Germany")."""
    parts = (_text(value) for value in source.values)
    return ", ".join(part for part in parts if part)


@transform("email", "text")
def email(source: Source) -> str:
    """The address if it is one, else empty."""
    return _text(source.first) if normalize.email_key(source.first) else ""


@transform("url", "text")
def url(source: Source) -> str:
    """An http(s) URL; a bare host gets https://; other schemes (javascript:) are dropped."""
    value = _text(source.first)
    if not value or value.split() != [value]:  # whitespace inside: not one URL
        return ""
    scheme, sep, _ = value.partition("://")
    if not sep:
        # Only something shaped like a host name gets a scheme: "linkedin.com/in/x", not "Ada".
        host = value.split("/")[0]
        return f"https://{value}" if "." in host and ":" not in host else ""
    return value if scheme.lower() in ("http", "https") else ""


@transform("string_list", "list", reads=frozenset({"values"}))
def string_list(source: Source) -> list[str]:
    """Non-empty NFC strings, repeats (ignoring case) dropped; `null` is an empty list."""
    values = source.first if isinstance(source.first, list) else []
    seen: set[str] = set()
    result = []
    for value in values:
        if isinstance(value, dict | list):
            continue
        item = _text(value)
        if item and item.casefold() not in seen:
            seen.add(item.casefold())
            result.append(item)
    return result


def _position(item: Mapping[str, Any]) -> dict[str, Any]:
    return {
        "company_name": _text(item.get("company_name")),
        "company_id": _text(item.get("company_id")) or None,
        "title": _text(item.get("title")),
        "start_date": _date(item.get("start_date")),
        "end_date": _date(item.get("end_date")),
        "current": _is_current(item),
    }


def _is_current(item: Mapping[str, Any]) -> bool:
    if item.get("current") is not None:
        return bool(item.get("current"))
    end = normalize.partial_date(item.get("end_date"))
    return end is not None and end.ongoing


def _recency(position: Mapping[str, Any]) -> tuple:
    start = position.get("start_date") or {}
    return (position["current"], start.get("year") or 0, start.get("month") or 0)


@transform("positions", "list", reads=frozenset({"positions"}))
def positions(source: Source) -> list[dict[str, Any]]:
    """Work experience, current and most recently started first, dates as year/month/day."""
    entries = [_position(item) for item in _items(source.first)]
    return sorted(entries, key=_recency, reverse=True)


@transform(
    "current_position", "text", child_of=frozenset({"positions"}), reads=frozenset({"values"})
)
def current_position(source: Source) -> str:
    """A field of the current position (the most recently started one if several are)."""
    list_key, _, field = source.paths[0].partition(".")
    current = [item for item in _items(source.record.get(list_key)) if _is_current(item)]
    if not current:
        return ""
    latest = max(current, key=lambda item: _recency(_position(item)))
    return _text(latest.get(field))


@transform("educations", "list", reads=frozenset({"educations"}))
def educations(source: Source) -> list[dict[str, Any]]:
    """Education entries with their dates as year/month/day."""
    return [
        {
            "school_name": _text(item.get("school_name")),
            "degree": _text(item.get("degree")),
            "field_of_study": _text(item.get("field_of_study")),
            "start_date": _date(item.get("start_date")),
            "end_date": _date(item.get("end_date")),
        }
        for item in _items(source.first)
    ]


@transform("documents", "list", reads=frozenset({"documents"}))
def documents(source: Source) -> list[dict[str, Any]]:
    """Attachments: file name, type, URL and size of each Thrive document."""
    return [
        {
            "remote_id": _text(item.get("id")),
            "file_name": _text(item.get("file_name")),
            "content_type": _text(item.get("content_type")),
            "url": url(Source((item.get("url"),), ("url",), item)),
            "size": item.get("size") if isinstance(item.get("size"), int) else None,
            "created_at": item.get("created_at"),
        }
        for item in _items(source.first)
    ]


@transform("notes", "list", reads=NOTE_LISTS)
def notes(source: Source) -> list[dict[str, Any]]:
    """Notes kept raw, as sanitised HTML (no script, no handlers) and as plain text."""
    result = []
    for item in _items(source.first):
        note = normalize.safe_note(_text(item.get("body")))
        result.append(
            {
                "remote_id": _text(item.get("id")),
                "raw": note.raw,
                "html": note.html,
                "text": note.text,
                "user_id": _text(item.get("user_id")) or None,
                "created_at": item.get("created_at"),
                "updated_at": item.get("updated_at"),
            }
        )
    return result


# Four transforms read the one `referred_by_notes` of each contact: parse it once.
_referral_notes = lru_cache(maxsize=64)(normalize.referral_notes)


@transform("tags", "list")
def tags(source: Source) -> list[str]:
    """The `Tags:` lines of referred_by_notes."""
    return list(_referral_notes(_text(source.first)).tags)


@transform("icp_name", "text")
def icp_name(source: Source) -> str:
    """The `icp_name:` line of referred_by_notes."""
    return _referral_notes(_text(source.first)).icp_name


@transform("icp_owner_name", "text")
def icp_owner_name(source: Source) -> str:
    """The `icp_owner_name:` line of referred_by_notes."""
    return _referral_notes(_text(source.first)).icp_owner_name


@transform("shortlisted_by", "text")
def shortlisted_by(source: Source) -> str:
    """The `Shortlisted By:` line of referred_by_notes."""
    return _referral_notes(_text(source.first)).shortlisted_by
