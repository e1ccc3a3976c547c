"""The sandbox's whole remote world: options, data, tokens, faults and what was asked.

All data operations the routes need live here, so the HTTP layer only parses requests and
renders answers. Every write takes a fresh, strictly increasing timestamp and bumps the
record's (and, for child writes, the parent's) ``updated_at``.
"""

from __future__ import annotations

import threading
import time
from collections import Counter, deque
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field

from thrive_integration.sandbox.envelope import DIALECTS
from thrive_integration.sandbox.errors import ApiError, invalid, not_found
from thrive_integration.sandbox.faults import Faults
from thrive_integration.sandbox.generator import KINDS, Generator
from thrive_integration.sandbox.ids import IdCodec
from thrive_integration.sandbox.permissions import ALL_PERMISSIONS
from thrive_integration.sandbox.ratelimit import SlidingWindowLimiter
from thrive_integration.sandbox.render import INCLUDES
from thrive_integration.sandbox.store import Collection
from thrive_integration.sandbox.validation import SINGULAR, clean_child, clean_contact, unwrap

FIRST_CREATED_CHILD_ID = 2_000_000_000  # above every generated child id
REQUEST_LOG_SIZE = 100_000


@dataclass
class SandboxOptions:
    """The variant of Thrive to simulate (docs/thrive-wire.md) and the data to serve."""

    seed: int = 1
    contacts: int = 2000
    dialect: str = "link"
    ids: str = "int"
    deletes: str = "hard"
    ignore_updated_since: bool = False
    retry_after_date: bool = False
    # A Thrive that validates nothing: a contact may be created without a name, even from an
    # empty payload (the worst case for verification's write probes, docs/thrive-wire.md).
    accept_empty_contacts: bool = False
    # A tag's id names the tag, not its use: candidacies with one tag list the same child id.
    shared_tags: bool = False
    rate_limit: int = 100
    rate_window: float = 1.0

    def __post_init__(self) -> None:
        if self.dialect not in DIALECTS:
            raise ValueError(f"dialect must be one of {DIALECTS}")
        if self.deletes not in ("hard", "soft"):
            raise ValueError("deletes must be 'hard' or 'soft'")
        if self.contacts < 0:
            raise ValueError("contacts must be >= 0")


@dataclass
class LoggedRequest:
    method: str
    path: str
    query: str
    status: int | None = None
    token: str | None = None
    at: float = field(default_factory=time.time)


def linkedin_key(url: str | None) -> str | None:
    """``linkedin.com/in/slug`` whatever the scheme, subdomain, case or trailing slash."""
    if not url:
        return None
    text = url.strip().lower().split("://", 1)[-1].split("?", 1)[0].rstrip("/")
    host, _, rest = text.partition("/")
    if host.endswith("linkedin.com"):
        host = "linkedin.com"
    return f"{host}/{rest}"


def website_key(url: str | None) -> str | None:
    if not url:
        return None
    text = url.strip().lower().split("://", 1)[-1].rstrip("/")
    return text.removeprefix("www.")


class SandboxState:
    """Data, tokens, faults, rate limiter and request log of one simulated Thrive account."""

    def __init__(
        self,
        options: SandboxOptions | None = None,
        clock: Callable[[], int] | None = None,
        **overrides: object,
    ) -> None:
        self.options = options or SandboxOptions(**overrides)
        self.generator = Generator(
            self.options.seed, self.options.contacts, shared_tags=self.options.shared_tags
        )
        self.codec = IdCodec(self.options.ids)
        self.collections = {kind: Collection(kind, self.generator) for kind in KINDS}
        self.tokens: dict[str, frozenset[str]] = {}
        self.faults = Faults()
        self.limiter = SlidingWindowLimiter(self.options.rate_limit, self.options.rate_window)
        # The latest requests only, so a long-running sandbox keeps constant memory.
        self.request_log: deque[LoggedRequest] = deque(maxlen=REQUEST_LOG_SIZE)
        self.counters: Counter[str] = Counter()
        self.events: list[dict] = []  # what mutate_while_paging changed, for assertions
        self.lock = threading.RLock()
        self.wake = threading.Event()  # set on shutdown: ends hang/slow sleeps early
        self._clock = clock or (lambda: time.time_ns() // 1000)
        self._last_now = 0
        self._next_child_id = FIRST_CREATED_CHILD_ID
        self._search_candidacies: dict[int, list[int]] | None = None
        self._created_pairs: dict[tuple[int, int], int] = {}
        self._contact_index: dict[str, list[int]] | None = None
        self._company_index: dict[str, list[int]] | None = None

    # ---- tokens and time ------------------------------------------------------------
    def add_token(self, key: str, permissions: Iterable[str] | None = None) -> None:
        """Grant ``key`` these permission labels (all of them when None).

        A ValueError says what is wrong: the control endpoint passes a client's JSON here.
        """
        # The Authorization header is read stripped, so an empty or padded key never matches.
        if not isinstance(key, str) or not key or key != key.strip():
            raise ValueError("key must be a non-empty string without surrounding spaces")
        # A string is iterable too, and would grant its characters.
        if isinstance(permissions, str) or (
            permissions is not None and not all(isinstance(label, str) for label in permissions)
        ):
            raise ValueError("permissions must be a list of permission labels, or null for all")
        granted = ALL_PERMISSIONS if permissions is None else frozenset(permissions)
        unknown = granted - ALL_PERMISSIONS
        if unknown:
            raise ValueError(
                f"unknown permission labels: {sorted(unknown)}; "
                "the labels are those of Thrive's API reference, e.g. 'Retrieves all Users'"
            )
        self.tokens[key] = granted

    def remove_token(self, key: str) -> None:
        self.tokens.pop(key, None)

    def now(self) -> int:
        """Microseconds since the epoch, strictly increasing across writes."""
        with self.lock:
            self._last_now = max(self._clock(), self._last_now + 1)
            return self._last_now

    def _child_id(self) -> int:
        self._next_child_id += 1
        return self._next_child_id

    def ref(self, kind: str, raw: object) -> int | None:
        """Internal id of an existing live record of ``kind`` named by a client, else None."""
        record_id = self.codec.decode(kind, raw)
        if record_id is None or not self.collections[kind].exists(record_id):
            return None
        return record_id

    # ---- reads ----------------------------------------------------------------------
    def get(self, kind: str, raw_id: object) -> dict:
        record_id = self.codec.decode(kind, raw_id)
        record = None if record_id is None else self.collections[kind].get(record_id)
        if record is None:
            raise not_found(kind)
        return record

    def children(self, kind: str, raw_id: object, child: str) -> list[dict]:
        return self.get(kind, raw_id).get(child) or []

    def child(self, kind: str, raw_id: object, child: str, raw_cid: object) -> dict:
        cid = self.codec.decode(child, raw_cid)
        for item in self.children(kind, raw_id, child):
            if item["id"] == cid:
                return item
        raise not_found(child)

    def search_candidacy_ids(self, raw_search_id: object) -> list[int]:
        search_id = self.codec.decode("searches", raw_search_id)
        self.get("searches", raw_search_id)
        if self._search_candidacies is None:
            index: dict[int, list[int]] = {}
            gen = self.generator
            for contact_id in range(1, gen.contacts + 1):
                for k, candidacy_id in enumerate(gen.candidacy_ids_of_contact(contact_id)):
                    index.setdefault(gen.candidacy_search(contact_id, k), []).append(candidacy_id)
            for (_, search), candidacy_id in self._created_pairs.items():
                index.setdefault(search, []).append(candidacy_id)
            self._search_candidacies = index
        return sorted(self._search_candidacies.get(search_id, []))

    def search_candidate_ids(self, raw_search_id: object) -> list[int]:
        candidacies = self.collections["candidacies"]
        contact_ids = {
            candidacies.get(i, ())["contact_id"] for i in self.search_candidacy_ids(raw_search_id)
        }
        return sorted(i for i in contact_ids if self.collections["contacts"].exists(i))

    def contact_duplicates(self, email: str | None, linkedin_url: str | None) -> list[dict]:
        if self._contact_index is None:
            index: dict[str, list[int]] = {}
            for i in range(1, self.generator.contacts + 1):
                identity = self.generator.contact_identity(i)
                for key in self._contact_keys(identity):
                    index.setdefault(key, []).append(i)
            self._contact_index = index
        wanted = self._contact_keys({"email": email, "linkedin_url": linkedin_url})
        return self._duplicates("contacts", self._contact_index, wanted, self._contact_keys)

    def company_duplicates(self, name: str | None, website_url: str | None) -> list[dict]:
        if self._company_index is None:
            index: dict[str, list[int]] = {}
            companies = self.collections["companies"]
            for i in range(1, companies.base + 1):
                for key in self._company_keys(self.generator.record("companies", i)):
                    index.setdefault(key, []).append(i)
            self._company_index = index
        wanted = self._company_keys({"name": name, "website_url": website_url})
        return self._duplicates("companies", self._company_index, wanted, self._company_keys)

    @staticmethod
    def _contact_keys(record: dict) -> set[str]:
        keys = set()
        if record.get("email"):
            keys.add("email:" + record["email"].strip().lower())
        if linkedin_key(record.get("linkedin_url")):
            keys.add("linkedin:" + linkedin_key(record["linkedin_url"]))
        return keys

    @staticmethod
    def _company_keys(record: dict) -> set[str]:
        keys = set()
        if record.get("name"):
            keys.add("name:" + record["name"].strip().lower())
        if website_key(record.get("website_url")):
            keys.add("web:" + website_key(record["website_url"]))
        return keys

    def _duplicates(
        self, kind: str, index: dict, wanted: set[str], keys_of: Callable
    ) -> list[dict]:
        """Generated matches from the index (unless since edited) plus matching edited ones."""
        collection = self.collections[kind]
        ids = {
            i
            for key in wanted
            for i in index.get(key, [])
            if i not in collection.overlay and collection.exists(i)
        }
        ids.update(
            i
            for i, record in collection.overlay.items()
            if collection.exists(i) and keys_of(record) & wanted
        )
        return [collection.get(i) for i in sorted(ids)]

    # ---- contact writes -------------------------------------------------------------
    def create_contact(self, payload: object) -> dict:
        fields, positions = clean_contact(
            unwrap(payload, "contact"),
            self.ref,
            partial=False,
            name_required=not self.options.accept_empty_contacts,
        )
        record = {name: None for name in ("first_name", "last_name", "email", "linkedin_url")}
        record.update(fields, merged_into_id=None)
        for child in INCLUDES["contacts"]:
            record[child] = []
        record["positions"] = self._positions(positions or [])
        return self.collections["contacts"].insert(record, self.now())

    def update_contact(self, raw_id: object, payload: object) -> dict:
        record = self._writable("contacts", raw_id)
        fields, positions = clean_contact(unwrap(payload, "contact"), self.ref, partial=True)
        record.update(fields)
        if positions is not None:
            record["positions"] = self._positions(positions)
        self.collections["contacts"].touch(record["id"], self.now())
        return record

    def _positions(self, positions: list[dict]) -> list[dict]:
        return [{"id": self._child_id(), **position} for position in positions]

    def delete_contact(self, raw_id: object) -> None:
        record = self._writable("contacts", raw_id)
        soft = self.options.deletes == "soft"
        self.collections["contacts"].delete(record["id"], self.now(), soft=soft)

    def create_child(self, raw_id: object, child: str, payload: object) -> dict:
        record = self._writable("contacts", raw_id)
        fields = clean_child(child, unwrap(payload, SINGULAR[child]), self.ref, partial=False)
        now = self.now()
        item = {"id": self._child_id(), **fields}
        if child in ("notes", "references"):
            item["created_at"] = now
        if child == "notes":
            item["updated_at"] = now
        if child == "outreaches" and item.get("occurred_at") is None:
            item["occurred_at"] = now
        record[child] = [*(record.get(child) or []), item]
        self.collections["contacts"].touch(record["id"], now)
        return item

    def update_child(self, raw_id: object, child: str, raw_cid: object, payload: object) -> dict:
        record = self._writable("contacts", raw_id)
        item = self.child("contacts", raw_id, child, raw_cid)
        fields = clean_child(child, unwrap(payload, SINGULAR[child]), self.ref, partial=True)
        now = self.now()
        item.update(fields)
        if child == "notes":
            item["updated_at"] = now
        self.collections["contacts"].touch(record["id"], now)
        return item

    def delete_child(self, raw_id: object, child: str, raw_cid: object) -> None:
        record = self._writable("contacts", raw_id)
        item = self.child("contacts", raw_id, child, raw_cid)
        record[child] = [other for other in record[child] if other is not item]
        self.collections["contacts"].touch(record["id"], self.now())

    def add_network_contact(self, raw_id: object, payload: object) -> dict:
        network = self._writable("contact_networks", raw_id)
        body = unwrap(payload, "contact_network_contact")
        contact_id = self.ref("contacts", body.get("contact_id"))
        if contact_id is None:
            raise invalid(
                {"contact_id": ["does not exist" if "contact_id" in body else "is required"]}
            )
        if contact_id not in network["contact_ids"]:
            network["contact_ids"] = sorted([*network["contact_ids"], contact_id])
        self.collections["contact_networks"].touch(network["id"], self.now())
        return network

    # ---- candidacy writes -----------------------------------------------------------
    def create_candidacy(self, payload: object) -> dict:
        body = unwrap(payload, "candidacy")
        errors: dict[str, list[str]] = {}
        refs = {}
        for name, kind in (
            ("contact_id", "contacts"),
            ("search_id", "searches"),
            ("candidacy_stage_id", "candidacy_stages"),
        ):
            refs[name] = self.ref(kind, body.get(name))
            if refs[name] is None:
                errors[name] = ["does not exist" if body.get(name) is not None else "is required"]
        if body.get("source") is not None and not isinstance(body["source"], str):
            errors["source"] = ["must be a string"]
        if errors:
            raise invalid(errors)
        existing = self._existing_candidacy(refs["contact_id"], refs["search_id"])
        if existing is not None:
            raise ApiError(
                409,
                "conflict",
                "This contact already has a candidacy in this search",
                existing_id=self.codec.encode("candidacies", existing),
            )
        now = self.now()
        record = {
            "contact_id": refs["contact_id"],
            "search_id": refs["search_id"],
            "candidacy_stage": self._stage(refs["candidacy_stage_id"]),
            "candidacy_stage_entered_at": now,
            "rejection_reason": None,
            "rejected_at": None,
            "source": body.get("source"),
            "candidacy_comments": [],
            "tags": [],
        }
        record = self.collections["candidacies"].insert(record, now)
        self._created_pairs[(refs["contact_id"], refs["search_id"])] = record["id"]
        if self._search_candidacies is not None:
            self._search_candidacies.setdefault(refs["search_id"], []).append(record["id"])
        return record

    def update_candidacy(self, raw_id: object, payload: object) -> dict:
        record = self._writable("candidacies", raw_id)
        body = unwrap(payload, "candidacy")
        errors: dict[str, list[str]] = {}
        stage_id = None
        if "candidacy_stage_id" in body:
            stage_id = self.ref("candidacy_stages", body["candidacy_stage_id"])
            if stage_id is None:
                errors["candidacy_stage_id"] = ["does not exist"]
        reason = body.get("rejection_reason")
        if reason is not None and not isinstance(reason, str):
            errors["rejection_reason"] = ["must be a string or null"]
        if errors:
            raise invalid(errors)
        now = self.now()
        if stage_id is not None and stage_id != record["candidacy_stage"]["id"]:
            record["candidacy_stage"] = self._stage(stage_id)
            record["candidacy_stage_entered_at"] = now
        if "rejection_reason" in body:
            record["rejection_reason"] = reason
            record["rejected_at"] = now if reason is not None else None
        self.collections["candidacies"].touch(record["id"], now)
        return record

    def _stage(self, stage_id: int) -> dict:
        return {"id": stage_id, "name": self.collections["candidacy_stages"].get(stage_id)["name"]}

    def _existing_candidacy(self, contact_id: int, search_id: int) -> int | None:
        if (contact_id, search_id) in self._created_pairs:
            return self._created_pairs[(contact_id, search_id)]
        if contact_id > self.generator.contacts:
            return None
        for k, candidacy_id in enumerate(self.generator.candidacy_ids_of_contact(contact_id)):
            if self.generator.candidacy_search(contact_id, k) == search_id:
                return candidacy_id
        return None

    def _writable(self, kind: str, raw_id: object) -> dict:
        record_id = self.codec.decode(kind, raw_id)
        record = None if record_id is None else self.collections[kind].writable(record_id)
        if record is None:
            raise not_found(kind)
        return record

    # ---- faults that change data ----------------------------------------------------
    def mutate_while_paging(
        self, kind: str, served: list[int], upcoming: list[int], delete: str
    ) -> None:
        """Edit the next unserved record and delete a served (or upcoming) one.

        This is what a busy Thrive account does to a client paging by offset: the deletion
        shifts every later record one place earlier, so one is skipped unless the client copes.
        """
        collection = self.collections[kind]
        event: dict = {"kind": kind, "changed": None, "deleted": None}
        now = self.now()
        if upcoming:
            record = collection.writable(upcoming[0])
            for name in ("last_name", "name", "source"):
                if isinstance(record.get(name), str):
                    record[name] += " (edited)"
                    break
            collection.touch(upcoming[0], now)
            event["changed"] = self.codec.encode(kind, upcoming[0])
        victims = served if delete == "served" else upcoming[1:]
        if victims:
            collection.delete(victims[0], self.now(), soft=self.options.deletes == "soft")
            event["deleted"] = self.codec.encode(kind, victims[0])
        self.events.append(event)

    def log(self, entry: LoggedRequest) -> None:
        with self.lock:
            self.request_log.append(entry)

    def count(self, name: str) -> None:
        """Bump a counter (requests, ``status:<code>``, ``fault:<kind>``, ``rate_limited``)."""
        with self.lock:
            self.counters[name] += 1
