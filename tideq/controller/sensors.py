"""Crowd readings from the cameras, kept per zone and dated on the hall clock.

A camera stamps its reading with its own wall clock; the controller turns that into an age on
arrival and dates the reading `now - age` on the hall clock, so a hall run on a demo clock (or a
camera whose NTP drifted from the controller's hall clock) still sees fresh readings as fresh.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from datetime import datetime, timedelta

from tideq.contract import PayloadError, decode
from tideq.contract.sensors import CrowdReading as CrowdMessage

from .inbox import Reading
from .tidal import CrowdReading

log = logging.getLogger(__name__)


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
            msg = decode(CrowdMessage, reading.payload)
        except PayloadError as err:
            log.warning("unreadable crowd reading for zone %s: %s", reading.zone, err)
            return
        age = max(0.0, (self._wall() - msg.ts).total_seconds())
        self.zones[reading.zone] = (msg.level.value, now - timedelta(seconds=age))
