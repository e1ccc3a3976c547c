"""A CandidateProfile as the Thrive contact fields it should have, per the export mappings.

Which platform fields travel is the connection's choice: its FieldMapping rows whose direction
is export or both. A connection without any mapping rows exports the seed table's defaults.
How a field travels is fixed here, one small writer per platform field, because the inverse of
an import transform is specific to its field (a name splits in two, a location into city and
country, tags become lines of `referred_by_notes`). Education, attachments and notes never
travel with the contact: the seed exports no education, and notes are their own write.

Writers only produce values the profile has: an empty platform field never blanks Thrive's.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import Any

from ..mapping.defaults import DEFAULT_MAPPINGS
from ..models import CandidateProfile, Connection, FieldMapping
from ..normalize import nfc_text
from .referral import ExportTags

ContactFields = dict[str, Any]

# Without mapping rows, the defaults' export directions: one source of truth for both sides.
DEFAULT_EXPORTED = frozenset(
    field
    for field, thrive_object, _paths, _transform, direction in DEFAULT_MAPPINGS
    if thrive_object == FieldMapping.ThriveObject.CONTACT
    and direction in (FieldMapping.Direction.EXPORT, FieldMapping.Direction.BOTH)
)
NEVER_EXPORTED = frozenset({"education", "attachments", "notes", "activity_feed"})
# Platform fields that end up as lines of referred_by_notes rather than fields of their own.
TAG_LINE_FIELDS = ("icp_name", "icp_owner_name", "shortlisted_by")
TAG_FIELDS = ("tags", *TAG_LINE_FIELDS)


def exported_fields(connection: Connection) -> frozenset[str]:
    """The platform fields this connection sends to Thrive."""
    rows = FieldMapping.objects.filter(
        connection=connection, thrive_object=FieldMapping.ThriveObject.CONTACT
    )
    if not rows.exists():
        return DEFAULT_EXPORTED
    chosen = rows.filter(
        direction__in=[FieldMapping.Direction.EXPORT, FieldMapping.Direction.BOTH]
    ).values_list("platform_field", flat=True)
    return frozenset(chosen) - NEVER_EXPORTED


def _url(value: str) -> str:
    """Thrive accepts only absolute http(s) URLs; people paste them without a scheme."""
    text = nfc_text(value)
    if text and "://" not in text:
        text = "https://" + text
    return text


def _name(profile: CandidateProfile) -> ContactFields:
    first, _, last = nfc_text(profile.name).partition(" ")
    return {"first_name": first, "last_name": last.strip()}


def _location(profile: CandidateProfile) -> ContactFields:
    # The import joins "city, country"; a single word is taken as the city.
    city, _, country = nfc_text(profile.location).rpartition(",")
    if not city:
        city, country = country, ""
    return {"city": city.strip(), "country": country.strip()}


def _skills(profile: CandidateProfile) -> ContactFields:
    return {"skills": [nfc_text(skill) for skill in profile.skills or [] if nfc_text(skill)]}


def _partial_date(value: object) -> str | None:
    """A platform date (text or the import's {"year", "month", "day", "ongoing"}) as Thrive's."""
    if isinstance(value, dict):
        if value.get("ongoing"):
            return "Present"
        parts = [value.get("year"), value.get("month"), value.get("day")]
        text = []
        for index, part in enumerate(parts):
            if part is None:
                break
            text.append(f"{int(part):04d}" if index == 0 else f"{int(part):02d}")
        return "-".join(text) or None
    return nfc_text(value) or None


def positions_of(profile: CandidateProfile) -> list[dict[str, Any]]:
    """Work experience as Thrive positions (company, title, dates); company ids come later."""
    positions = []
    for item in profile.work_experience or []:
        if not isinstance(item, dict):
            continue
        company = nfc_text(item.get("company_name") or item.get("company"))
        title = nfc_text(item.get("title"))
        if not (company or title):
            continue
        end_date = _partial_date(item.get("end_date"))
        current = bool(item.get("current")) or end_date == "Present"
        positions.append(
            {
                "company_name": company or None,
                "title": title or None,
                "start_date": _partial_date(item.get("start_date")),
                "end_date": None if current else end_date,
                "current": current,
                # Not a Thrive field: used only to find the company by its website.
                "website_url": nfc_text(item.get("company_website") or item.get("website_url")),
            }
        )
    return positions


def _text(platform_field: str, thrive_field: str, *, url: bool = False) -> Callable:
    def write(profile: CandidateProfile) -> ContactFields:
        value = getattr(profile, platform_field)
        return {thrive_field: _url(value) if url else nfc_text(value)}

    return write


WRITERS: dict[str, Callable[[CandidateProfile], ContactFields]] = {
    "name": _name,
    "location": _location,
    "email": _text("email", "email"),
    "work_email": _text("work_email", "work_email"),
    "phone": _text("phone", "phone"),
    "linkedin_url": _text("linkedin_url", "linkedin_url", url=True),
    "platform_profile_url": _text("platform_profile_url", "other_url", url=True),
    "github_url": _text("github_url", "github_url", url=True),
    "avatar_url": _text("avatar_url", "avatar", url=True),
    "skills": _skills,
    "source": _text("source", "source"),
}


def contact_fields(profile: CandidateProfile, fields: Iterable[str]) -> ContactFields:
    """The plain contact fields (no positions, no referred_by_notes) the profile has values for."""
    values: ContactFields = {}
    for platform_field in fields:
        writer = WRITERS.get(platform_field)
        if writer:
            values.update({key: value for key, value in writer(profile).items() if value})
    return values


def export_tags(profile: CandidateProfile, fields: Iterable[str], overrides: dict) -> ExportTags:
    """Tags for referred_by_notes; the export request may name the project, owner, shortlister."""
    chosen = set(fields)
    tags = ExportTags(
        tags=list(profile.tags or []) if "tags" in chosen else [],
        **{name: getattr(profile, name) if name in chosen else "" for name in TAG_LINE_FIELDS},
    )
    for name in TAG_LINE_FIELDS:
        if overrides.get(name):
            setattr(tags, name, str(overrides[name]))
    tags.tags.extend(str(tag) for tag in overrides.get("tags") or [])
    return tags
