"""Switchable faults: the failures a real API shows now and then, on demand and countable.

Each fault fires for its next ``count`` matching requests (optionally only under a path
prefix, relative to ``/api/v2``), then disarms itself, so a test states exactly how many
failures a client must survive.
"""

from __future__ import annotations

import threading
from collections.abc import Iterable
from dataclasses import asdict, dataclass, field, fields

FAULT_KINDS = (
    "rate_limit",
    "server_error",
    "slow",
    "hang",
    "truncated",
    "reset",
    "malformed_record",
    "mutate_while_paging",
)
_API_PREFIX = "/api/v2"
HANG_SECONDS = 30.0  # longer than any sane client timeout; stop() wakes it early


@dataclass
class Fault:
    """One armed fault. Unused parameters are ignored by kinds that do not need them.

    - ``status``: server_error's status (500, 502 or 503).
    - ``seconds``: slow/hang delay (default 1 and 30) and rate_limit's Retry-After (1).
    - ``page``: mutate_while_paging fires after this page number is served.
    - ``shape``: malformed_record's breakage, ``missing_id`` or ``string_list``.
    - ``delete``: mutate_while_paging deletes a ``served`` or an ``upcoming`` record.
    """

    kind: str
    count: int = 1
    path: str | None = None
    status: int = 503
    seconds: float | None = None
    page: int = 1
    shape: str = "missing_id"
    delete: str = "served"
    fired: int = field(default=0)

    def __post_init__(self) -> None:
        if self.kind not in FAULT_KINDS:
            raise ValueError(f"unknown fault {self.kind!r}; choose from {', '.join(FAULT_KINDS)}")
        if self.seconds is None:
            self.seconds = HANG_SECONDS if self.kind == "hang" else 1.0
        # Checked here so a bad control request is a 400, not a fault that breaks every answer.
        for name in ("count", "page", "status"):
            value = getattr(self, name)
            if isinstance(value, bool) or not isinstance(value, int) or value < 1:
                raise ValueError(f"{name} must be a positive integer")
        if isinstance(self.seconds, bool) or not isinstance(self.seconds, (int, float)):
            raise ValueError("seconds must be a number")
        if not 0 <= self.seconds <= 3600:
            raise ValueError("seconds must be between 0 and 3600")
        if self.kind == "server_error" and self.status not in (500, 502, 503):
            raise ValueError("server_error status must be 500, 502 or 503")
        if self.shape not in ("missing_id", "string_list"):
            raise ValueError("shape must be 'missing_id' or 'string_list'")
        if self.delete not in ("served", "upcoming"):
            raise ValueError("delete must be 'served' or 'upcoming'")
        if self.path is not None and not isinstance(self.path, str):
            raise ValueError("path must be a string or null")
        if self.path and self.path.startswith(_API_PREFIX):
            self.path = self.path[len(_API_PREFIX) :] or "/"

    def matches(self, path: str) -> bool:
        return self.count > 0 and (not self.path or path.startswith(self.path))


# What a client may set when arming a fault; `fired` is the sandbox's own count.
FAULT_FIELDS = tuple(spec.name for spec in fields(Fault) if spec.name != "fired")


def refuse_unknown_fields(what: str, spec: dict, known: tuple[str, ...]) -> None:
    """A control request's object may hold only `known` fields; a ValueError names the rest."""
    unknown = sorted(set(spec) - set(known))
    if unknown:
        raise ValueError(
            f"unknown {what} field {', '.join(map(repr, unknown))}; "
            f"the fields are {', '.join(known)}"
        )


def fault_from_spec(spec: object) -> Fault:
    """The fault a control request's JSON object describes; a ValueError says what is wrong."""
    if not isinstance(spec, dict):
        raise ValueError("a fault must be a JSON object")
    refuse_unknown_fields("fault", spec, FAULT_FIELDS)
    if "kind" not in spec:
        raise ValueError(f"a fault needs a kind: {', '.join(FAULT_KINDS)}")
    return Fault(**spec)


class Faults:
    """The armed faults of one sandbox; safe to change while requests are in flight."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._armed: list[Fault] = []

    def add(self, kind: str, count: int = 1, path: str | None = None, **params: object) -> Fault:
        fault = Fault(kind=kind, count=count, path=path, **params)
        self.arm([fault])
        return fault

    def arm(self, faults: Iterable[Fault]) -> None:
        """Arm these faults together: built first, so one bad spec arms none of them."""
        with self._lock:
            self._armed.extend(faults)

    def clear(self) -> None:
        with self._lock:
            self._armed.clear()

    def take(self, kind: str, path: str, page: int | None = None) -> Fault | None:
        """Fire (and count down) the first armed fault of ``kind`` matching ``path``."""
        with self._lock:
            for fault in self._armed:
                if fault.kind != kind or not fault.matches(path):
                    continue
                if page is not None and fault.page != page:
                    continue
                fault.count -= 1
                fault.fired += 1
                if fault.count <= 0:
                    self._armed.remove(fault)
                return fault
        return None

    def pending(self) -> list[dict]:
        with self._lock:
            return [asdict(fault) for fault in self._armed]
