"""The controller's hall time, as readers should judge ages.

The controller stamps every payload with its hall clock (`ts`), which is wall time in a real
hall but runs from `--start-at` and `--speed` in demos and trials, and may differ from a board's
own clock by NTP drift. Readers therefore never compare a `ts` with their own wall clock: they
follow the newest `ts` they have seen and run on from it with their monotonic clock.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

BACKWARDS_TOLERANCE_S = 2.0  # an older retained payload never pulls the clock back


class ControllerClock:
    def __init__(self, tz: str, monotonic: Callable[[], float] = time.monotonic) -> None:
        self.tz = ZoneInfo(tz)
        self.monotonic = monotonic
        self._base: datetime | None = None
        self._at = 0.0

    def observe(self, ts: str | datetime) -> None:
        """Take a payload's `ts` as the controller's time now (if it is not behind)."""
        try:
            seen = ts if isinstance(ts, datetime) else datetime.fromisoformat(ts)
        except (TypeError, ValueError):
            return
        if seen.tzinfo is None:
            return
        if self._base is None or seen >= self.now() - timedelta(seconds=BACKWARDS_TOLERANCE_S):
            self._base, self._at = seen.astimezone(self.tz), self.monotonic()

    def now(self) -> datetime:
        if self._base is None:
            return datetime.now(self.tz)
        return self._base + timedelta(seconds=self.monotonic() - self._at)

    def __call__(self) -> datetime:
        return self.now()
