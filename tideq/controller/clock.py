"""Wall clock, or a hall clock started at a chosen local time and running N times faster.

`--start-at 09:00 --speed 10` lets demos, training and trials run at any hour.
"""

from __future__ import annotations

import time
from datetime import datetime, timedelta
from datetime import time as dtime
from typing import Protocol
from zoneinfo import ZoneInfo


class HallClock(Protocol):
    """What the controller needs of a clock: the hall's time now (Clock, or a test's ManualClock)."""

    def now(self) -> datetime: ...


class Clock:
    def __init__(self, tz: str, start_at: dtime | None = None, speed: float = 1.0) -> None:
        if speed <= 0:
            raise ValueError("speed must be positive")
        self.tz = ZoneInfo(tz)
        self.speed = speed
        self._t0 = time.monotonic()
        real = datetime.now(self.tz)
        self._origin = datetime.combine(real.date(), start_at, self.tz) if start_at else real

    def now(self) -> datetime:
        return self._origin + timedelta(seconds=(time.monotonic() - self._t0) * self.speed)


def parse_hhmm(value: str) -> dtime:
    try:
        h, m = value.split(":")
        return dtime(int(h), int(m))
    except ValueError as err:
        raise ValueError(f"{value!r} is not HH:MM, e.g. 09:00") from err
