"""Turns internal records into wire records: id style, ISO timestamps, chosen includes.

Internal records hold every child list and integer microsecond timestamps; what a client sees
depends on the request (``include``) and the variant (``--ids``), so it is decided here, last.
"""

from __future__ import annotations

import time
from datetime import UTC, datetime, timedelta

from thrive_integration.sandbox.ids import IdCodec

INCLUDES: dict[str, tuple[str, ...]] = {
    "users": (),
    "companies": ("funding_rounds", "investments"),
    "contact_networks": (),
    "talent_pools": (),
    "candidacy_stages": (),
    "searches": (
        "commissions",
        "documents",
        "origination_team_memberships",
        "execution_team_memberships",
        "conversion_team_memberships",
        "recruitment_team_memberships",
    ),
    "contacts": (
        "positions",
        "educations",
        "notes",
        "contact_comments",
        "documents",
        "off_limit_reasons",
        "outreaches",
        "connections",
        "references",
        "introductions",
    ),
    "candidacies": ("candidacy_comments", "tags", "contact"),
}
# Internal keys that are never plain fields: child lists and single sub-resources.
HIDDEN = {"external_recruitment_team_member"}
ID_FIELDS = {
    "contact_id": "contacts",
    "search_id": "searches",
    "company_id": "companies",
    "user_id": "users",
    "connected_contact_id": "contacts",
    "referee_contact_id": "contacts",
    "introduced_contact_id": "contacts",
    "introduced_by_user_id": "users",
    "default_candidacy_stage_id": "candidacy_stages",
    "merged_into_id": "contacts",
}
TIME_FIELDS = {
    "created_at",
    "updated_at",
    "deleted_at",
    "occurred_at",
    "candidacy_stage_entered_at",
    "rejected_at",
}
_UNIX = datetime(1970, 1, 1, tzinfo=UTC)


def iso(us: int) -> str:
    """Microsecond-precision, offset-aware ISO 8601, as Thrive's timestamps are assumed.

    Formatted by hand: it runs for every timestamp of every served record.
    """
    seconds, micro = divmod(us, 1_000_000)
    return time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime(seconds)) + f".{micro:06d}+00:00"


def to_us(moment: datetime) -> int:
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    return (moment - _UNIX) // timedelta(microseconds=1)


_SPECIAL = {"id", "contact_ids", "candidacy_stage", *ID_FIELDS, *TIME_FIELDS}


def render_fields(kind: str, record: dict, codec: IdCodec) -> dict:
    """One record (top-level or child) without any child lists."""
    skip = HIDDEN.union(INCLUDES.get(kind, ()))
    out = {}
    for key, value in record.items():
        if key in skip:
            continue
        if value is None or key not in _SPECIAL:
            out[key] = value
        elif key == "id":
            out[key] = codec.encode(kind, value)
        elif key in ID_FIELDS:
            out[key] = codec.encode(ID_FIELDS[key], value)
        elif key in TIME_FIELDS:
            out[key] = iso(value)
        elif key == "contact_ids":
            out[key] = [codec.encode("contacts", v) for v in value]
        else:
            out[key] = {"id": codec.encode("candidacy_stages", value["id"]), "name": value["name"]}
    return out


def render_record(kind: str, record: dict, codec: IdCodec, includes: tuple[str, ...] = ()) -> dict:
    """A top-level record with the requested child lists embedded under their own keys."""
    out = render_fields(kind, record, codec)
    for name in includes:
        if name in record:
            children = record[name]
            out[name] = (
                None
                if children is None
                else [render_fields(name, child, codec) for child in children]
            )
    return out
