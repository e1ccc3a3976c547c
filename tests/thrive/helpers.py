"""Shared constants and fakes for the Thrive client tests."""

from __future__ import annotations

BASE = "https://thrive.test/api/v2"
API_KEY = "sk_live_SECRET_abc123"


class FakeTime:
    """A monotonic clock that only moves when something sleeps."""

    def __init__(self) -> None:
        self.now = 1000.0
        self.sleeps: list[float] = []

    def clock(self) -> float:
        return self.now

    def sleep(self, seconds: float) -> None:
        self.sleeps.append(seconds)
        self.now += seconds

    def waits(self) -> list[float]:
        """Sleeps longer than the pacing gaps of a client made with a huge request rate."""
        return [seconds for seconds in self.sleeps if seconds >= 0.001]
