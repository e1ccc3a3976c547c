"""The import's `after_page` hooks (sync/registry.py): stages get mappings, candidacies get
applications. Each runs inside the page's transaction in a constant number of statements.
"""

from __future__ import annotations

from ..models import Connection
from . import applications, grouping


def after_candidacy_stages_page(connection: Connection, candidacy_stage_ids: list[int]) -> int:
    """Map the page's new Thrive stages; a renamed or removed one keeps its mapping.

    Candidacies already imported into a new stage (an import of stages alone, or a stage
    Thrive listed late) get their applications re-derived with the new mapping.
    """
    added = grouping.add_mappings(connection, candidacy_stage_ids)
    if added:
        applications.refresh_in_stages(
            connection, [mapping.candidacy_stage.remote_id for mapping in added]
        )
    return len(added)


def after_candidacies_page(
    connection: Connection, candidacy_ids: list[int], mapped: applications.MappedFields
) -> int:
    """Bring the page's applications, and any whose advance Thrive has answered, up to date.

    `mapped`: what the candidacy field mappings made of the page's candidacies.
    """
    applications.settle_confirmed(connection)
    return applications.refresh(connection, candidacy_ids, mapped)
