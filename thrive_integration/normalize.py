"""Pure functions that turn Thrive's free-form values into comparable, safe ones.

Nothing here touches the database or the network, so the mapping engine, the export path's
duplicate lookup and the tests all agree on what "the same email" or "the same LinkedIn
profile" means. Keys (`email_key`, `linkedin_key`, `github_key`) are for matching only: they
are never shown, and a value that cannot identify one person (a company page, a repository)
has no key at all rather than a misleading one.
"""

from __future__ import annotations

import html
import re
import unicodedata
from dataclasses import dataclass, field
from urllib.parse import unquote, urlsplit

import nh3

# Words Thrive users type for "still there" in a date field.
ONGOING_WORDS = frozenset({"present", "current", "now", "ongoing", "today"})

_PARTIAL_DATE = re.compile(r"^(\d{4})(?:[-/](\d{1,2})(?:[-/](\d{1,2}))?)?$")
_EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")
_WHITESPACE = re.compile(r"\s+")
# LinkedIn serves the same profile under www., locale (uk., de.) and mobile (m.) hosts.
_LINKEDIN_HOST = re.compile(r"^(?:[a-z]{2,3}\.|www\.|m\.)*linkedin\.com$")
_LINKEDIN_PROFILE_PREFIXES = ("in", "pub")
_GITHUB_HOST = re.compile(r"^(?:www\.)?github\.com$")
# Top-level GitHub pages that look like a user name but are not one.
_GITHUB_RESERVED = frozenset(
    {"about", "features", "orgs", "organizations", "settings", "marketplace", "topics", "search"}
)
_GITHUB_LOGIN = re.compile(r"^[a-z0-9](?:[a-z0-9-]{0,38})$")


def nfc_text(value: object, max_length: int | None = None) -> str:
    """Text in NFC with outer whitespace trimmed; `None` becomes "".

    NFC matters because Thrive stores what browsers send: "José" typed on a Mac arrives
    decomposed (NFD) and would otherwise neither compare equal nor sort with its twin.
    """
    if value is None:
        return ""
    text = unicodedata.normalize("NFC", str(value)).strip()
    return text if max_length is None else truncate(text, max_length)


def truncate(text: str, max_length: int) -> str:
    """At most `max_length` characters: the start, without trailing whitespace once cut."""
    return text[:max_length].rstrip() if len(text) > max_length else text


def name_key(value: object) -> str:
    """A case- and spacing-insensitive form of a name (a person's, a skill's, a rejection
    reason's), for matching only."""
    return _WHITESPACE.sub(" ", nfc_text(value)).casefold()


def email_key(value: object) -> str | None:
    """The lower-cased address, or None when the value is not an email address."""
    text = nfc_text(value).lower()
    if text.startswith("mailto:"):
        text = text[len("mailto:") :]
    # 254 is the longest address SMTP can carry; anything longer is junk, not a person.
    return text if len(text) <= 254 and _EMAIL.match(text) else None


def _split_url(value: object):
    text = nfc_text(value)
    if not text:
        return None
    if "://" not in text:
        text = "https://" + text
    try:
        parts = urlsplit(text)
    except ValueError:
        return None
    if parts.scheme.lower() not in ("http", "https"):
        return None
    return parts


def _path_segments(path: str) -> list[str]:
    return [nfc_text(unquote(segment)).casefold() for segment in path.split("/") if segment]


def linkedin_key(value: object) -> str | None:
    """`linkedin.com/in/<slug>` for a personal profile URL, else None.

    Scheme, www/locale/mobile subdomains, case, trailing slash, query, fragment and
    percent-encoding are all ignored: they are the ways one profile URL gets written down.
    Company, school and job pages are not people, so they have no key.
    """
    parts = _split_url(value)
    if parts is None or not _LINKEDIN_HOST.match((parts.hostname or "").lower()):
        return None
    segments = _path_segments(parts.path)
    if len(segments) < 2 or segments[0] not in _LINKEDIN_PROFILE_PREFIXES:
        return None
    return f"linkedin.com/{segments[0]}/{'/'.join(segments[1:])}"


def github_key(value: object) -> str | None:
    """`github.com/<login>` for a GitHub user page, else None (repositories, orgs, pages)."""
    parts = _split_url(value)
    if parts is None or not _GITHUB_HOST.match((parts.hostname or "").lower()):
        return None
    segments = _path_segments(parts.path)
    if len(segments) != 1 or segments[0] in _GITHUB_RESERVED:
        return None
    login = segments[0]
    return f"github.com/{login}" if _GITHUB_LOGIN.match(login) else None


@dataclass(frozen=True)
class PartialDate:
    """A date as precise as Thrive knew it: "2019" has no month, "Present" has no year."""

    year: int | None = None
    month: int | None = None
    day: int | None = None
    ongoing: bool = False

    def as_dict(self) -> dict[str, int | bool | None]:
        return {"year": self.year, "month": self.month, "day": self.day, "ongoing": self.ongoing}


def partial_date(value: object) -> PartialDate | None:
    """Parse "2019", "2019-03", "2019-03-15" or an ongoing word; anything else is None."""
    text = nfc_text(value).casefold()
    if text in ONGOING_WORDS:
        return PartialDate(ongoing=True)
    match = _PARTIAL_DATE.match(text)
    if not match:
        return None
    year, month, day = (int(part) if part else None for part in match.groups())
    if month is not None and not 1 <= month <= 12:
        return None
    if day is not None and not 1 <= day <= 31:
        return None
    return PartialDate(year=year, month=month, day=day)


@dataclass(frozen=True)
class SafeNote:
    """A Thrive note body kept three ways: as sent, safe to render, and as plain text."""

    raw: str
    html: str
    text: str


# Block-level ends become line breaks so the plain-text form keeps paragraphs apart.
_BLOCK_END = re.compile(r"<\s*(?:br\s*/?|/\s*(?:p|div|li|h[1-6]|tr|blockquote))\s*>", re.I)


# Text without these characters is read by an HTML parser as the text itself: sanitising
# would return it unchanged, at a cost that dominated mapping a page of plain-text notes.
_HTML_SIGNIFICANT = re.compile("[<>&\r\x00\xa0]")


def safe_note(raw: object) -> SafeNote:
    """Sanitise note HTML with an allow-list (nh3/ammonia): script, handlers and
    `javascript:` links go; the words stay. The raw body is kept for audit and export."""
    raw_text = nfc_text(raw)
    if _HTML_SIGNIFICANT.search(raw_text):
        safe_html = nh3.clean(raw_text)
        stripped = html.unescape(nh3.clean(_BLOCK_END.sub("\n", raw_text), tags=set()))
    else:
        safe_html = stripped = raw_text
    lines = (_WHITESPACE.sub(" ", line).strip() for line in stripped.splitlines())
    return SafeNote(raw=raw_text, html=safe_html, text="\n".join(line for line in lines if line))


@dataclass
class ReferralNotes:
    """What recruiters encode in Thrive's `referred_by_notes` as `Key: value` lines."""

    tags: list[str] = field(default_factory=list)
    icp_name: str = ""
    icp_owner_name: str = ""
    shortlisted_by: str = ""


_REFERRAL_LINE = re.compile(r"^\s*([A-Za-z][A-Za-z _-]*?)\s*:\s*(.*)$")
_TAG_SEPARATORS = re.compile(r"[,;]")


def _label(text: str) -> str:
    return re.sub(r"[\s_-]+", "_", text.strip().casefold())


def referral_notes(value: object) -> ReferralNotes:
    """Parse `Tags: a, b`, `icp_name: ...`, `icp_owner_name: ...`, `Shortlisted By: ...`.

    Labels are matched ignoring case, spaces, dashes and underscores, because people type them
    by hand. Tags from several `Tags:` lines accumulate; repeated tags (ignoring case) are kept
    once, first spelling wins. Lines that are not one of these labels are prose and ignored.
    """
    notes = ReferralNotes()
    seen_tags: set[str] = set()
    for line in nfc_text(value).splitlines():
        match = _REFERRAL_LINE.match(line)
        if not match:
            continue
        label, content = _label(match.group(1)), match.group(2).strip()
        if label in ("tags", "tag"):
            for tag in _TAG_SEPARATORS.split(content):
                tag = _WHITESPACE.sub(" ", tag).strip()
                if tag and tag.casefold() not in seen_tags:
                    seen_tags.add(tag.casefold())
                    notes.tags.append(tag)
        elif label in ("icp_name", "icp_owner_name", "shortlisted_by"):
            setattr(notes, label, content)
    return notes
