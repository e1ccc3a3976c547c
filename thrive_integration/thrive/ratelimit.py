"""Client-side pacing so one key never trips Thrive's 100 requests/second limit.

Thrive counts requests in a *sliding* one-second window. A classic token bucket with a full
bucket of N tokens can spend N at once and then N more as they refill, i.e. up to 2N inside one
window. So this limiter hands out evenly spaced time slots instead (a token bucket of size one):
at most `rate + 1` requests can ever fall in any one-second window, which stays under Thrive's
limit for the default of 90/s.

Threads reserve their slot under a lock and sleep outside it, so concurrent callers queue up
fairly without holding the lock while they wait. A 429 answer pushes every caller back via
`hold()`, because the server's window is shared by all threads using the key.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable


class RateLimiter:
    """Evenly spaced request slots at `rate` per second; thread-safe."""

    def __init__(
        self,
        rate: float,
        *,
        clock: Callable[[], float] = time.monotonic,
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        if rate <= 0:
            raise ValueError("rate must be positive")
        self._interval = 1.0 / rate
        self._clock = clock
        self._sleep = sleep
        self._lock = threading.Lock()
        self._next_slot = float("-inf")

    def acquire(self) -> float:
        """Block until this caller may send one request; return the seconds waited."""
        with self._lock:
            now = self._clock()
            slot = max(now, self._next_slot)
            self._next_slot = slot + self._interval
        wait = slot - now
        if wait > 0:
            self._sleep(wait)
        return max(wait, 0.0)

    def hold(self, seconds: float) -> None:
        """Let nobody send for `seconds` from now (the server told us to back off)."""
        with self._lock:
            self._next_slot = max(self._next_slot, self._clock() + seconds)
