"""One vocabulary of device and line state, shared by LED strips, keypads and evaluators.

The values are the strings the bus health reports carry (`health/{bus}` in docs/protocol.md).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from enum import Enum


class DeviceState(str, Enum):
    """One device on a line."""

    OK = "ok"  # answered its last request (or has not been asked yet)
    QUIET = "quiet"  # stopped answering: no longer retried, only probed, until it answers again
    OFFLINE = "offline"  # the line itself is down (port closed or lost): nothing can reach the device


class BusState(str, Enum):
    """A whole line."""

    OK = "ok"  # every device answers
    DEGRADED = "degraded"  # some devices quiet, the others keep working
    OFFLINE = "offline"  # the port is down, or every device is quiet


def bus_state(devices: Mapping[int, DeviceState]) -> BusState:
    """The line's state from its devices' (OFFLINE devices mean the port is down)."""
    states = set(devices.values())
    if DeviceState.OFFLINE in states or (states and states == {DeviceState.QUIET}):
        return BusState.OFFLINE
    return BusState.DEGRADED if DeviceState.QUIET in states else BusState.OK


@dataclass(frozen=True)
class LineHealth:
    """A snapshot of one line: what a health report publishes."""

    state: BusState
    devices: dict[int, DeviceState]
    bad_frames: int
    garbage_bytes: int
    duplicates: int

    def key(self) -> tuple[BusState, tuple[tuple[int, DeviceState], ...]]:
        """What a health change means: the states (counters alone are not news)."""
        return self.state, tuple(sorted(self.devices.items()))
