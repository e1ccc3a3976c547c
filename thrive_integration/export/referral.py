"""Merging the platform's tags into Thrive's `referred_by_notes` without losing a user's words.

`referred_by_notes` is free text that Thrive users also write in. The platform owns only the
`Key: value` lines that `normalize.referral_notes` reads back on import (Tags, icp_name,
icp_owner_name, Shortlisted By): those lines are rewritten in place, tags are merged with the
ones already there, and every other line stays exactly where and as it was. Merging the same
values twice gives the same text, so a repeated export changes nothing in Thrive.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from ..normalize import nfc_text, referral_notes

EXPORTED_MARKER = "Findem Exported"

# Our labels in the order they are appended when missing, as the wire contract spells them.
_LINE_LABELS = {
    "tags": "Tags",
    "icp_name": "icp_name",
    "icp_owner_name": "icp_owner_name",
    "shortlisted_by": "Shortlisted By",
}


@dataclass
class ExportTags:
    """What the platform writes: free tags, project (icp) name and owner, who shortlisted."""

    tags: list[str] = field(default_factory=list)
    icp_name: str = ""
    icp_owner_name: str = ""
    shortlisted_by: str = ""


def _label_of(line: str) -> str | None:
    """Which of our labels a line carries, read with the import's own grammar."""
    parsed = referral_notes(line)
    if parsed.tags:
        return "tags"
    for label in ("icp_name", "icp_owner_name", "shortlisted_by"):
        if getattr(parsed, label):
            return label
    return None


def _one_line(value: str) -> str:
    """The value with its line breaks made spaces: a break would start a line the import reads
    as another of our labels (or as a user's line), so a value could set what it does not own.
    """
    parts = (part.strip() for part in nfc_text(value).splitlines())
    return " ".join(part for part in parts if part)


def _merged_tags(existing: list[str], ours: list[str]) -> list[str]:
    merged, seen = [], set()
    for tag in [*existing, *ours, EXPORTED_MARKER]:
        tag = _one_line(tag)
        if tag and tag.casefold() not in seen:
            seen.add(tag.casefold())
            merged.append(tag)
    return merged


def merge_referred_by_notes(current: str | None, ours: ExportTags) -> str:
    """`current` with our lines updated or appended; other lines untouched, in order."""
    existing = referral_notes(current)
    values = {
        "tags": ", ".join(_merged_tags(existing.tags, ours.tags)),
        "icp_name": _one_line(ours.icp_name) or existing.icp_name,
        "icp_owner_name": _one_line(ours.icp_owner_name) or existing.icp_owner_name,
        "shortlisted_by": _one_line(ours.shortlisted_by) or existing.shortlisted_by,
    }
    lines: list[str] = []
    written: set[str] = set()
    for line in nfc_text(current).splitlines():
        label = _label_of(line)
        if label is None:
            lines.append(line)
        elif label not in written:
            # The first line of a label carries the merged value; later repeats are folded in.
            lines.append(f"{_LINE_LABELS[label]}: {values[label]}")
            written.add(label)
    for label, spelled in _LINE_LABELS.items():
        if label not in written and values[label]:
            lines.append(f"{spelled}: {values[label]}")
    return "\n".join(lines)
