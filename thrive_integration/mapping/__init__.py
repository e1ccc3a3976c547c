"""Thrive contacts become CandidateProfiles through per-connection FieldMappings.

The public entry points: the import engine calls `map_contacts` for each page, a mapping
change calls `remap_connection`, the API and admin call `validate_mappings`,
`preview_mappings` and `ensure_default_mappings`.
"""

from .defaults import ensure_default_mappings
from .engine import MappingOutcome, map_contacts, remap_connection
from .preview import preview_mappings
from .validation import InvalidFieldMapping, validate_mappings

__all__ = [
    "InvalidFieldMapping",
    "MappingOutcome",
    "ensure_default_mappings",
    "map_contacts",
    "preview_mappings",
    "remap_connection",
    "validate_mappings",
]
