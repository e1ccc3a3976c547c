"""One collection of top-level records: generated on demand, plus an overlay of edits.

A collection never holds its generated records. Only records that were written (edited,
created, soft-deleted) live in ``overlay``; a base id that was deleted is kept in ``gone`` (a
sorted list) so that page ``k`` can still be located by arithmetic and bisection instead of by
walking 100,000 ids.
"""

from __future__ import annotations

from array import array
from bisect import bisect_right, insort
from collections.abc import Iterable, Iterator

from thrive_integration.sandbox.generator import Generator

_SINCE_CACHE_SIZE = 8


class Collection:
    """Records of one kind, addressed by internal int id, in ascending id order."""

    def __init__(self, kind: str, generator: Generator) -> None:
        self.kind = kind
        self.generator = generator
        self.base = generator.counts[kind]
        self.overlay: dict[int, dict] = {}
        self.hard_deleted: set[int] = set()
        self.soft_deleted: set[int] = set()
        self.gone: list[int] = []  # sorted base ids that are deleted (hard or soft)
        self.created: list[int] = []  # sorted live ids above the generated range
        self.next_id = self.base + 1
        self.version = 0  # bumped on every write; keys the updated_since cache
        self._stamps: array | None = None
        self._since_cache: dict[tuple[int, int], list[int]] = {}

    # ---- reads --------------------------------------------------------------------
    def exists(self, record_id: int) -> bool:
        """Cheaper than ``get``: never builds a generated record."""
        if record_id in self.hard_deleted or record_id in self.soft_deleted:
            return False
        return record_id in self.overlay or 1 <= record_id <= self.base

    def get(self, record_id: int, children: Iterable[str] | None = None) -> dict | None:
        """A live record (None if unknown or deleted in either way).

        ``children`` limits which child lists a generated record is built with (all when
        None); callers that render only some includes save most of the generation work.
        """
        if record_id in self.hard_deleted or record_id in self.soft_deleted:
            return None
        return self._any(record_id, children)

    def _any(self, record_id: int, children: Iterable[str] | None = None) -> dict | None:
        if record_id in self.overlay:
            return self.overlay[record_id]
        if 1 <= record_id <= self.base and record_id not in self.hard_deleted:
            return self.generator.record(self.kind, record_id, children)
        return None

    def updated_at(self, record_id: int) -> int:
        if record_id in self.overlay:
            return self.overlay[record_id]["updated_at"]
        return self.generator.stamps(self.kind, record_id)[1]

    def live_count(self) -> int:
        return self.base - len(self.gone) + len(self.created)

    def page(
        self, offset: int, limit: int, since: int | None, children: Iterable[str] = ()
    ) -> tuple[list[dict], int]:
        """Records ``offset .. offset+limit`` of the listing and the listing's total.

        Without ``since`` the listing is every live record. With it, records updated at or
        after ``since``, including soft-deleted ones (shown as tombstones by the caller).
        """
        if since is not None:
            ids = self._ids_since(since)
            return [self._any(i, children) for i in ids[offset : offset + limit]], len(ids)
        records = [self._any(i, children) for i in self._live_ids_from(offset, limit)]
        return records, self.live_count()

    def ids_page(self, offset: int, limit: int, since: int | None) -> list[int]:
        if since is not None:
            return self._ids_since(since)[offset : offset + limit]
        return list(self._live_ids_from(offset, limit))

    def _live_ids_from(self, offset: int, limit: int) -> Iterator[int]:
        live_base = self.base - len(self.gone)
        if offset < live_base:
            candidate = self._nth_live_base(offset + 1)
            while candidate <= self.base and limit > 0:
                if candidate not in self.soft_deleted and candidate not in self.hard_deleted:
                    yield candidate
                    limit -= 1
                candidate += 1
            offset = live_base
        start = offset - live_base
        yield from self.created[start : start + limit]

    def _nth_live_base(self, n: int) -> int:
        """The smallest base id with ``n`` live base ids at or below it."""
        candidate = n
        while True:
            skipped = bisect_right(self.gone, candidate)
            if candidate - skipped >= n:
                return candidate
            candidate = n + skipped

    def _ids_since(self, since: int) -> list[int]:
        key = (since, self.version)
        if key not in self._since_cache:
            if len(self._since_cache) >= _SINCE_CACHE_SIZE:
                self._since_cache.clear()
            stamps = self._base_stamps()
            touched = self.overlay.keys() | self.hard_deleted
            ids = [i for i, s in enumerate(stamps, start=1) if s >= since and i not in touched]
            ids.extend(i for i, r in self.overlay.items() if r["updated_at"] >= since)
            ids.sort()
            self._since_cache[key] = ids
        return self._since_cache[key]

    def _base_stamps(self) -> array:
        if self._stamps is None:
            stamps = self.generator.stamps
            self._stamps = array("q", (stamps(self.kind, i)[1] for i in range(1, self.base + 1)))
        return self._stamps

    # ---- writes -------------------------------------------------------------------
    def writable(self, record_id: int) -> dict | None:
        """The live record, moved into the overlay so that edits stick."""
        record = self.get(record_id)
        if record is not None:
            self.overlay[record_id] = record
        return record

    def touch(self, record_id: int, now: int) -> None:
        self.overlay[record_id]["updated_at"] = now
        self.version += 1

    def insert(self, record: dict, now: int) -> dict:
        record_id = self.next_id
        self.next_id += 1
        record.update(id=record_id, created_at=now, updated_at=now)
        self.overlay[record_id] = record
        self.created.append(record_id)
        self.version += 1
        return record

    def delete(self, record_id: int, now: int, soft: bool) -> bool:
        record = self.writable(record_id)
        if record is None:
            return False
        if record_id <= self.base:
            insort(self.gone, record_id)
        else:
            self.created.remove(record_id)
        if soft:
            self.soft_deleted.add(record_id)
            record["deleted_at"] = now
            record["updated_at"] = now
        else:
            self.hard_deleted.add(record_id)
            del self.overlay[record_id]
        self.version += 1
        return True
