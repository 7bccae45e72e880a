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
from tideq.contract.wire import is_topic_level

from .inbox import Reading
from .tidal import CrowdReading

log = logging.getLogger(__name__)

MAX_ZONES = 256  # zones kept at most: readings for new zones beyond this are ignored (logged)
MAX_AGE_S = 86400.0  # a reading dated further off than this counts as this old


def wall_now() -> datetime:
    return datetime.now().astimezone()


class CrowdReadings:
    """The latest reading per zone, as the tidal policy takes them (`zones`)."""

    def __init__(self, wall: Callable[[], datetime] = wall_now) -> None:
        self.zones: dict[str, CrowdReading] = {}  # zone -> (level, hall time of the reading)
        self._wall = wall

    def record(self, reading: Reading, now: datetime) -> None:
        """Keep the zone's level; an unreadable reading is logged and leaves the last one standing."""
        zone = reading.zone
        if not is_topic_level(zone):
            log.warning("crowd reading for an unusable zone name %r ignored", zone[:80])
            return
        if zone not in self.zones and len(self.zones) >= MAX_ZONES:
            log.warning("crowd reading for zone %s ignored: %d zones known already", zone, MAX_ZONES)
            return
        try:
            msg = decode(CrowdMessage, reading.payload)
        except PayloadError as err:
            log.warning("unreadable crowd reading for zone %s: %s", zone, err)
            return
        try:  # a camera clock years off must not overflow the date arithmetic
            age = min(MAX_AGE_S, max(0.0, (self._wall() - msg.ts).total_seconds()))
        except OverflowError:
            age = MAX_AGE_S
        self.zones[zone] = (msg.level.value, now - timedelta(seconds=age))
