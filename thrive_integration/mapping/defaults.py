"""The default FieldMappings: the seed's "Field Mapping" table, row by row.

Where the table names something a Thrive contact payload spells differently, the wire name
wins: the table's `note` is the embedded `notes` list. The table's empty "Contact" row is
contact details (email, work email, phone); its "Activity Feed | NA" row maps nothing.
"""

from __future__ import annotations

from django.db import transaction

from ..models import Connection, FieldMapping

CONTACT = FieldMapping.ThriveObject.CONTACT
BOTH = FieldMapping.Direction.BOTH
IMPORT = FieldMapping.Direction.IMPORT

# (platform field, Thrive object, Thrive paths, transform, direction)
DEFAULT_MAPPINGS: tuple[tuple[str, str, tuple[str, ...], str, str], ...] = (
    ("name", CONTACT, ("first_name", "last_name"), "join", BOTH),
    ("work_experience", CONTACT, ("positions",), "positions", BOTH),
    ("company", CONTACT, ("positions.company_name",), "current_position", IMPORT),
    ("location", CONTACT, ("city", "country"), "location", BOTH),
    ("title", CONTACT, ("positions.title",), "current_position", IMPORT),
    ("email", CONTACT, ("email",), "email", BOTH),
    ("work_email", CONTACT, ("work_email",), "email", BOTH),
    ("phone", CONTACT, ("phone",), "text", BOTH),
    ("education", CONTACT, ("educations",), "educations", IMPORT),
    ("tags", CONTACT, ("referred_by_notes",), "tags", BOTH),
    ("attachments", CONTACT, ("documents",), "documents", IMPORT),
    ("notes", CONTACT, ("notes",), "notes", IMPORT),
    ("linkedin_url", CONTACT, ("linkedin_url",), "url", BOTH),
    ("platform_profile_url", CONTACT, ("other_url",), "url", BOTH),
    ("skills", CONTACT, ("skills",), "string_list", BOTH),
    ("avatar_url", CONTACT, ("avatar",), "url", BOTH),
    ("github_url", CONTACT, ("github_url",), "url", BOTH),
    ("icp_name", CONTACT, ("referred_by_notes",), "icp_name", BOTH),
    ("icp_owner_name", CONTACT, ("referred_by_notes",), "icp_owner_name", BOTH),
    ("shortlisted_by", CONTACT, ("referred_by_notes",), "shortlisted_by", BOTH),
    ("source", CONTACT, ("source",), "text", BOTH),
    ("source", FieldMapping.ThriveObject.CANDIDACY, ("source",), "text", BOTH),
)


def default_mappings(connection: Connection) -> list[FieldMapping]:
    """Unsaved FieldMapping rows reproducing the seed table for `connection`."""
    return [
        FieldMapping(
            connection=connection,
            platform_field=field,
            thrive_object=thrive_object,
            thrive_paths=list(paths),
            transform=transform,
            direction=direction,
        )
        for field, thrive_object, paths, transform, direction in DEFAULT_MAPPINGS
    ]


def ensure_default_mappings(connection: Connection) -> list[FieldMapping]:
    """The connection's mappings, creating the defaults first if it has none.

    A connection with no mappings at all would import empty profiles, which nobody wants, so
    "none" means "not set up yet". Conflicts are ignored so two workers seeding at once agree.
    """
    mappings = list(FieldMapping.objects.filter(connection=connection))
    if mappings:
        return mappings
    with transaction.atomic():
        FieldMapping.objects.bulk_create(default_mappings(connection), ignore_conflicts=True)
    return list(FieldMapping.objects.filter(connection=connection))
