"""Crowd readings from the cameras, kept per zone and dated on the hall clock.

A camera stamps its reading with its own wall clock; the controller turns that into an age on
arrival and dates the reading `now - age` on the hall clock, so a hall run on a demo clock (or a
camera whose NTP drifted from the controller's hall clock) still sees fresh readings as fresh.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Callable
from datetime import datetime, timedelta

from tideq.config.schema import Level

from .inbox import Reading
from .tidal import CrowdReading

log = logging.getLogger(__name__)

LEVELS = frozenset(level.value for level in Level)


def wall_now() -> datetime:
    return datetime.now().astimezone()


class CrowdReadings:
    """The latest reading per zone, as the tidal policy takes them (`zones`)."""

    def __init__(self, wall: Callable[[], datetime] = wall_now) -> None:
        self.zones: dict[str, CrowdReading] = {}  # zone -> (level, hall time of the reading)
        self._wall = wall

    def record(self, reading: Reading, now: datetime) -> None:
        """Keep the zone's level; an unreadable reading is logged and leaves the last one standing."""
        try:
            body = json.loads(reading.payload)
            level = str(body["level"])
            age = max(0.0, (self._wall() - datetime.fromisoformat(body["ts"])).total_seconds())
        except (ValueError, KeyError, TypeError, RecursionError) as err:
            log.warning("unreadable crowd reading for zone %s: %s", reading.zone, err)
            return
        if level not in LEVELS:
            log.warning("crowd reading for zone %s has unknown level %r", reading.zone, level)
            return
        self.zones[reading.zone] = (level, now - timedelta(seconds=age))
