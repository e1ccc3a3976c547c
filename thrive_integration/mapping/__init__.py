"""Thrive contacts become CandidateProfiles through per-connection FieldMappings, and
candidacies give their Applications the fields their own mappings write (`candidacies`).

The public entry points: the import engine calls `map_contacts` for each page, a remap run
works through `remap_batches` after a mapping change (`remap_connection` does all of it at
once), the API and admin call `validate_mappings`, `preview_mappings`,
`preview_application_mappings` and `ensure_default_mappings`.
"""

from .defaults import ensure_default_mappings
from .engine import (
    MappingOutcome,
    contact_mapper,
    map_contacts,
    remap_batches,
    remap_connection,
)
from .preview import preview_application_mappings, preview_mappings
from .validation import InvalidFieldMapping, validate_mappings

__all__ = [
    "InvalidFieldMapping",
    "MappingOutcome",
    "contact_mapper",
    "ensure_default_mappings",
    "map_contacts",
    "preview_application_mappings",
    "preview_mappings",
    "remap_batches",
    "remap_connection",
    "validate_mappings",
]
