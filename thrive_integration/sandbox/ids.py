"""Record ids on the wire: plain integers, or opaque prefixed strings (``--ids str``).

Internally every id is an int. The string form scrambles it with an invertible multiply so a
client cannot guess neighbours or rely on numeric order, as with real opaque ids.
"""

from __future__ import annotations

PREFIXES = {
    "users": "us",
    "companies": "co",
    "funding_rounds": "fr",
    "investments": "iv",
    "contact_networks": "cn",
    "talent_pools": "tp",
    "candidacy_stages": "cs",
    "searches": "se",
    "commissions": "cm",
    "documents": "dc",
    "origination_team_memberships": "tm",
    "execution_team_memberships": "tm",
    "conversion_team_memberships": "tm",
    "recruitment_team_memberships": "tm",
    "contacts": "ct",
    "positions": "po",
    "educations": "ed",
    "notes": "nt",
    "contact_comments": "cc",
    "off_limit_reasons": "ol",
    "outreaches": "or",
    "connections": "cx",
    "references": "rf",
    "introductions": "in",
    "candidacies": "cd",
    "candidacy_comments": "cy",
    "tags": "tg",
}
_BITS = 48
_MOD = 1 << _BITS
_MULT = 0x5DEECE66D
_INVERSE = pow(_MULT, -1, _MOD)


class IdCodec:
    """Encodes internal int ids for the wire and decodes ids a client sends back."""

    def __init__(self, style: str = "int") -> None:
        if style not in ("int", "str"):
            raise ValueError(f"ids must be 'int' or 'str', not {style!r}")
        self.style = style

    def encode(self, kind: str, value: int) -> int | str:
        if self.style == "int":
            return value
        return f"{PREFIXES[kind]}_{value * _MULT % _MOD:012x}"

    def decode(self, kind: str, raw: object) -> int | None:
        """The internal id, or None when ``raw`` cannot be an id of ``kind``."""
        if self.style == "int":
            if isinstance(raw, bool):
                return None
            if isinstance(raw, int):
                return raw
            return int(raw) if isinstance(raw, str) and raw.isdigit() else None
        if not isinstance(raw, str):
            return None
        prefix, _, digits = raw.partition("_")
        if prefix != PREFIXES[kind] or len(digits) != 12:
            return None
        try:
            return int(digits, 16) * _INVERSE % _MOD
        except ValueError:
            return None
