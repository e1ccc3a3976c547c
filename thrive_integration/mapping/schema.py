"""What a mapping may read (Thrive payload paths) and write (platform fields).

The Thrive side follows docs/thrive-wire.md: a contact's own fields and the fields of the child
lists embedded under their Thrive keys. The platform side is CandidateProfile's mapped columns
(their kind, text or list, comes from the model itself) and, for candidacies, Application's.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

from django.db import models

from ..models import Application, CandidateProfile, FieldMapping

Kind = Literal["text", "list"]

_CONTACT_FIELDS = [
    "id",
    "first_name",
    "last_name",
    "preferred_name",
    "email",
    "work_email",
    "phone",
    "city",
    "state",
    "country",
    "linkedin_url",
    "github_url",
    "twitter_url",
    "other_url",
    "skills",
    "avatar",
    "source",
    "referred_by_notes",
    "merged_into_id",
    "created_at",
    "updated_at",
]
_CONTACT_CHILDREN = {
    "positions": "id company_id company_name title start_date end_date current",
    "educations": "id school_name degree field_of_study start_date end_date",
    "notes": "id body user_id created_at updated_at",
    "contact_comments": "id body user_id created_at",
    "documents": "id file_name content_type url size created_at",
    "off_limit_reasons": "id reason company_id expires_on created_at",
    "outreaches": "id channel subject notes user_id occurred_at",
    "connections": "id connected_contact_id connection_type strength connected_on notes",
    "references": "id referee_contact_id search_id notes created_at",
    "introductions": "id introduced_contact_id introduced_by_user_id search_id notes introduced_on",
}
_CANDIDACY_FIELDS = [
    "id",
    "contact_id",
    "search_id",
    "candidacy_stage",
    "contact",  # embedded with include=contact
    "candidacy_stage_entered_at",
    "rejection_reason",
    "rejected_at",
    "source",
    "created_at",
    "updated_at",
]
_CANDIDACY_CHILDREN = {
    "candidacy_comments": "id body user_id created_at",
    "tags": "id name",
}

# Top-level fields whose value is a list of plain values, or an object, rather than one value.
_LIST_FIELDS = frozenset({"skills"})
_OBJECT_FIELDS = frozenset({"candidacy_stage", "contact"})
# Note bodies are HTML: only the notes transform reads them, and it sanitises them.
_HTML_FIELDS = frozenset({"notes.body", "contact_comments.body", "candidacy_comments.body"})

# Thrive object → {top-level field: child fields (for embedded lists) or None}.
THRIVE_FIELDS: dict[str, dict[str, frozenset[str] | None]] = {
    FieldMapping.ThriveObject.CONTACT: {
        **dict.fromkeys(_CONTACT_FIELDS),
        **{key: frozenset(fields.split()) for key, fields in _CONTACT_CHILDREN.items()},
    },
    FieldMapping.ThriveObject.CANDIDACY: {
        **dict.fromkeys(_CANDIDACY_FIELDS),
        **{key: frozenset(fields.split()) for key, fields in _CANDIDACY_CHILDREN.items()},
    },
}


@dataclass(frozen=True)
class PlatformField:
    name: str
    kind: Kind
    max_length: int | None = None


def _model_field(model: type[models.Model], name: str) -> PlatformField:
    field = model._meta.get_field(name)
    if isinstance(field, models.JSONField):
        return PlatformField(name, "list")
    return PlatformField(name, "text", field.max_length)


# The CandidateProfile columns a mapping may write, in the seed table's order. activity_feed is
# absent on purpose: the seed maps nothing from Thrive into it.
PROFILE_FIELDS = [
    "name",
    "work_experience",
    "company",
    "location",
    "title",
    "email",
    "work_email",
    "phone",
    "education",
    "tags",
    "attachments",
    "notes",
    "linkedin_url",
    "platform_profile_url",
    "skills",
    "avatar_url",
    "github_url",
    "icp_name",
    "icp_owner_name",
    "shortlisted_by",
    "source",
]

# The Application columns a candidacy mapping may write; the pipeline derives the others
# (stage, SLA, profile, rejection) from the candidacy and the stage mapping.
APPLICATION_FIELDS = ["source"]

# Thrive object → what its mappings write: a contact feeds a CandidateProfile, a candidacy an
# Application.
PLATFORM_FIELDS: dict[str, dict[str, PlatformField]] = {
    FieldMapping.ThriveObject.CONTACT: {
        name: _model_field(CandidateProfile, name) for name in PROFILE_FIELDS
    },
    FieldMapping.ThriveObject.CANDIDACY: {
        name: _model_field(Application, name) for name in APPLICATION_FIELDS
    },
}

PLATFORM_MODEL_NAMES = {
    FieldMapping.ThriveObject.CONTACT: "CandidateProfile",
    FieldMapping.ThriveObject.CANDIDACY: "Application",
}


def path_problem(thrive_object: str, path: object) -> str | None:
    """Why `path` is not something a Thrive `thrive_object` has, or None when it is."""
    fields = THRIVE_FIELDS.get(thrive_object, {})
    if not isinstance(path, str) or not path:
        return f"a Thrive field path must be a non-empty string, not {path!r}"
    head, dot, rest = path.partition(".")
    plural = _PLURALS.get(thrive_object, f"{thrive_object}s")
    if head not in fields:
        return f"Thrive {plural} have no field {head!r}"
    children = fields[head]
    if dot and (children is None or rest not in children):
        return f"Thrive {plural} have no field {path!r}"
    return None


_PLURALS = {FieldMapping.ThriveObject.CANDIDACY: "candidacies"}


def path_shape(path: str) -> str:
    """What a valid path yields (see `resolve_path`): "value" (one plain value), "values" (a
    list of plain values: `skills`, or one field of every child, `positions.title`), "object",
    or the name of the embedded child list it is (`positions`)."""
    head, _, rest = path.partition(".")
    if path in _HTML_FIELDS:
        return "html"
    if rest or head in _LIST_FIELDS:
        return "values"
    if head in _OBJECT_FIELDS:
        return "object"
    if head in _CONTACT_CHILDREN or head in _CANDIDACY_CHILDREN:
        return head
    return "value"
