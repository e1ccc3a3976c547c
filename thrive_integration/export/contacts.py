"""Export a CandidateProfile as a Thrive contact: find it, update it, or create it once.

Thrive never deduplicates a create, so every export looks first: the contact the profile is
already linked to, else Thrive's duplicate lookup by email and by LinkedIn URL (checked again
here with `normalize` keys, so a fuzzy server match cannot capture the wrong person). A match
is updated with only what differs; no match is created. The whole find-or-create runs under a
row lock on the profile and a lock on each of its dedup keys (`keylocks`), so two workers
exporting one person at once, as one profile or as two with the same email or LinkedIn URL,
take turns, and the second finds what the first created.

Updating respects what Thrive users wrote: identity fields (name, email, phone, LinkedIn,
GitHub, source) are only filled when empty in Thrive; skills, positions and the tag lines of
`referred_by_notes` are merged; location, avatar and the platform profile URL are ours to set.
"""

from __future__ import annotations

import calendar
from datetime import date
from typing import Any

from django.db import transaction
from django.utils import timezone

from ..exceptions import NotFound, TransientError
from ..models import CandidateProfile, Connection, Contact, ContactProfileLink
from ..normalize import email_key, github_key, linkedin_key, name_key, nfc_text, partial_date
from ..thrive import ThriveClient, record_path
from . import keylocks, mirror
from .errors import ExportRefused
from .fields import contact_fields, export_tags, exported_fields, positions_of
from .referral import merge_referred_by_notes

FILL_ONLY = frozenset(
    {
        "first_name",
        "last_name",
        "email",
        "work_email",
        "phone",
        "linkedin_url",
        "github_url",
        "source",
    }
)
# How two values of a field are compared, so a re-export of the same data writes nothing.
_KEYS = {
    "email": email_key,
    "work_email": email_key,
    "linkedin_url": linkedin_key,
    "github_url": github_key,
}
POSITION_FIELDS = ("company_id", "company_name", "title", "start_date", "end_date", "current")


def export_profile(
    client: ThriveClient,
    connection: Connection,
    profile: CandidateProfile,
    options: dict[str, Any],
    *,
    look_up_first: bool,
) -> str:
    """The Thrive id of the profile's contact after creating or updating it."""
    with transaction.atomic():
        # Serialises exports of this profile across workers (a real row lock on PostgreSQL)...
        profile = CandidateProfile.objects.select_for_update().get(pk=profile.pk)
        refuse_off_limits(profile)
        keys = _lookup_keys(profile)
        # ...and of every profile with its email or LinkedIn URL, which would find the same
        # contact, or create it twice.
        keylocks.lock_keys(connection, keys.values())
        existing = _find_existing(client, connection, profile)
        if existing is None and look_up_first and not keys:
            raise ExportRefused(
                "Thrive's answer to an earlier create was lost and this profile has no email "
                "or LinkedIn URL to look the contact up by; check Thrive for a new contact "
                "before retrying, or add an email to the profile."
            )
        if existing is None:
            record = _create(client, connection, profile, options)
        else:
            record = _update(client, connection, profile, options, existing)
        # The exported profile is linked here; mapping the contact first would make a second one.
        _link(connection, profile, mirror.store(connection, "contacts", record, derive=False))
    return str(record["id"])


def refuse_off_limits(profile: CandidateProfile) -> None:
    if profile.off_limits:
        raise ExportRefused(
            f"{profile} is off-limits; off-limits people are never exported or added to a search."
        )


def refuse_off_limits_contact(record: dict) -> None:
    """Thrive's own off-limit reasons (unexpired) forbid the write as much as ours do."""
    today = timezone.localdate()
    for reason in record.get("off_limit_reasons") or []:
        if _expired(reason.get("expires_on"), today):
            continue
        raise ExportRefused(
            f"Thrive contact {record.get('id')} is off-limits "
            f"({nfc_text(reason.get('reason')) or 'no reason given'}); it is never exported "
            "or added to a search."
        )


def _expired(expires_on: object, today: date) -> bool:
    """Past its last day; a partial date ("2026-06", "2026") lasts to the end of that period."""
    when = partial_date(expires_on)
    if when is None or when.year is None:
        return False
    month = when.month or 12
    day = when.day or calendar.monthrange(when.year, month)[1]
    return date(when.year, month, day) < today


def _lookup_keys(profile: CandidateProfile) -> dict[str, str]:
    keys = {"email": email_key(profile.email), "linkedin": linkedin_key(profile.linkedin_url)}
    return {kind: key for kind, key in keys.items() if key}


def _find_existing(
    client: ThriveClient, connection: Connection, profile: CandidateProfile
) -> dict | None:
    """The contact to update, read with its child lists; None when there is none."""
    linked = _linked_contact(profile)
    if linked is not None:
        record = _fetch_live(client, linked.remote_id)
        if record is not None:
            return record
    keys = _lookup_keys(profile)
    if not keys:
        return None
    candidates = client.find_duplicate_contacts(
        email=nfc_text(profile.email) if "email" in keys else None,
        linkedin_url=nfc_text(profile.linkedin_url) if "linkedin" in keys else None,
    )
    for candidate in candidates:
        same_email = keys.get("email") and email_key(candidate.get("email")) == keys["email"]
        same_linkedin = (
            keys.get("linkedin") and linkedin_key(candidate.get("linkedin_url")) == keys["linkedin"]
        )
        if same_email or same_linkedin:
            record = _fetch_live(client, str(candidate["id"]))
            if record is not None:
                return record
    return None


def _linked_contact(profile: CandidateProfile) -> Contact | None:
    if profile.contact_id:
        return profile.contact
    link = profile.links.select_related("contact").order_by("id").first()
    return link.contact if link else None


def _fetch_live(client: ThriveClient, remote_id: str) -> dict | None:
    """The contact, or the one Thrive merged it into; None when it is gone."""
    try:
        record = mirror.fetch(client, "contacts", remote_id)
        if record.get("merged_into_id"):
            record = mirror.fetch(client, "contacts", str(record["merged_into_id"]))
    except NotFound:
        return None
    return None if record.get("deleted_at") else record


def _create(
    client: ThriveClient, connection: Connection, profile: CandidateProfile, options: dict
) -> dict:
    # A contact needs a name to exist, whatever the mapping says about updating it.
    fields = exported_fields(connection) | {"name"}
    payload = contact_fields(profile, fields)
    if "work_experience" in fields:
        payload["positions"] = _with_companies(client, positions_of(profile))
    payload["referred_by_notes"] = merge_referred_by_notes(
        "", export_tags(profile, fields, options)
    )
    created = client.create("/contacts", payload, envelope="contact")
    try:
        return mirror.fetch(client, "contacts", str(created["id"]))
    except TransientError:
        # The contact exists now: failing here would leave a keyless profile to be created
        # again. The create's own answer (without child lists) is mirrored instead; the next
        # import completes it.
        return created


def _update(
    client: ThriveClient,
    connection: Connection,
    profile: CandidateProfile,
    options: dict,
    current: dict,
) -> dict:
    refuse_off_limits_contact(current)
    fields = exported_fields(connection)
    changes = {
        name: value
        for name, value in contact_fields(profile, fields).items()
        if _differs(name, current.get(name), value)
    }
    if "skills" in changes:
        changes["skills"] = _merged_skills(current.get("skills"), changes["skills"])
        if not _differs("skills", current.get("skills"), changes["skills"]):
            del changes["skills"]
    if "work_experience" in fields:
        positions = _merged_positions(client, current.get("positions"), positions_of(profile))
        if positions is not None:
            changes["positions"] = positions
    notes = merge_referred_by_notes(
        current.get("referred_by_notes"), export_tags(profile, fields, options)
    )
    if notes != nfc_text(current.get("referred_by_notes")):
        changes["referred_by_notes"] = notes
    if not changes:
        return current
    client.update(record_path("/contacts", current["id"]), changes, envelope="contact")
    return mirror.fetch(client, "contacts", str(current["id"]))


def _differs(name: str, theirs: object, ours: object) -> bool:
    if name in FILL_ONLY and nfc_text(theirs):
        return False
    if name == "skills":
        return {name_key(s) for s in theirs or []} != {name_key(s) for s in ours or []}
    key = _KEYS.get(name, nfc_text)
    return key(theirs) != key(ours)


def _merged_skills(theirs: list | None, ours: list[str]) -> list[str]:
    merged, seen = [], set()
    for skill in [*(theirs or []), *ours]:
        if name_key(skill) and name_key(skill) not in seen:
            seen.add(name_key(skill))
            merged.append(nfc_text(skill))
    return merged


def _position_key(position: dict) -> tuple[str, str]:
    return name_key(position.get("company_name")), name_key(position.get("title"))


def _merged_positions(
    client: ThriveClient, theirs: list | None, ours: list[dict]
) -> list[dict] | None:
    """Thrive's positions plus ours that it lacks; None when it lacks none."""
    theirs = [p for p in theirs or [] if isinstance(p, dict)]
    known = {_position_key(p) for p in theirs}
    missing = [p for p in ours if _position_key(p) not in known]
    if not missing:
        return None
    kept = [{name: p.get(name) for name in POSITION_FIELDS} for p in theirs]
    return kept + _with_companies(client, missing)


def _with_companies(client: ThriveClient, positions: list[dict]) -> list[dict]:
    """Positions as Thrive takes them, each naming an existing Thrive company when one matches.

    Thrive has no company create in its API, so an unknown company stays a plain name.
    """
    found: dict[tuple[str, str], str | None] = {}
    result = []
    for position in positions:
        company_id = position.get("company_id")
        name, website = position.get("company_name") or "", position.get("website_url") or ""
        if not company_id and (name or website):
            key = (name_key(name), website.lower())
            if key not in found:
                found[key] = _company_id(client, name, website)
            company_id = found[key]
        result.append({**{f: position.get(f) for f in POSITION_FIELDS}, "company_id": company_id})
    return result


def _company_id(client: ThriveClient, name: str, website: str) -> str | None:
    for company in client.find_duplicate_companies(name=name or None, website_url=website or None):
        same_name = name and name_key(company.get("name")) == name_key(name)
        same_site = website and _site(company.get("website_url")) == _site(website)
        if same_name or same_site:
            return str(company["id"])
    return None


def _site(url: object) -> str:
    text = nfc_text(url).lower().split("://", 1)[-1].rstrip("/")
    return text.removeprefix("www.")


def _link(connection: Connection, profile: CandidateProfile, contact: Contact) -> None:
    """Tie the contact to the profile so the next import fills this profile, not a new one."""
    ContactProfileLink.objects.get_or_create(
        contact=contact, defaults={"connection": connection, "profile": profile}
    )
    if profile.contact_id != contact.pk:
        # The profile's own contact was gone (deleted or merged in Thrive) or never set: the
        # next export must start from this one, or it looks for the gone one and creates again.
        CandidateProfile.objects.filter(pk=profile.pk).update(contact=contact)
