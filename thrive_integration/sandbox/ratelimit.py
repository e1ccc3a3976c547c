"""Per-token sliding-window rate limit (Thrive: 100 requests per second per key)."""

from __future__ import annotations

import math
import threading
import time
from collections import defaultdict, deque


class SlidingWindowLimiter:
    """Allows ``limit`` requests per ``window`` seconds per key, counted over a sliding window.

    A sliding window (not a fixed one-second bucket) is used so a client cannot burst 200
    requests across a bucket boundary: the limit holds for every one-second interval.
    """

    def __init__(self, limit: int = 100, window: float = 1.0) -> None:
        self.limit = limit
        self.window = window
        self._lock = threading.Lock()
        self._hits: dict[str, deque[float]] = defaultdict(deque)

    def check(self, key: str) -> int | None:
        """Record a request; None if allowed, else the seconds to wait (at least 1)."""
        now = time.monotonic()
        with self._lock:
            hits = self._hits[key]
            while hits and hits[0] <= now - self.window:
                hits.popleft()
            if len(hits) >= self.limit:
                return max(1, math.ceil(hits[0] + self.window - now))
            hits.append(now)
            return None

    def reset(self) -> None:
        with self._lock:
            self._hits.clear()
