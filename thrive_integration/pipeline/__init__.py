"""The platform pipeline over Thrive candidacies (DESIGN.md §1: Candidacy → Application).

Modules: `grouping` (stage mappings, the first guess), `hooks` (the import's after-page hooks),
`applications` (applications derived from candidacies and mappings), `inbound` (the inbound
applicants listing and counts), `choices` (what may be chosen, and the server-side checks),
`actions` (advance and reject through the export outbox), `regrouping` (a whole new grouping at
once) and `sla` (due times and breaches against a caller's clock).
"""

from __future__ import annotations

from .actions import ActionOutcome, advance, bulk_advance, bulk_reject, reject
from .errors import PipelineRefused
from .regrouping import regroup

__all__ = [
    "ActionOutcome",
    "PipelineRefused",
    "advance",
    "bulk_advance",
    "bulk_reject",
    "regroup",
    "reject",
]
