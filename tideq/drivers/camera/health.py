"""The camera counter's own state, which its health report on the bus carries.

States: `ok` frames arrive; `stale` the camera is lost and the counter is reconnecting (the
zone counts keep their last `ts`, so readers see them age); `offline` the counter process is
not running (clean stop, or the broker's last will after a crash). The payloads themselves are
the contract's `Health` and `CrowdReading` (built by tideq.camera.publisher).
"""

from __future__ import annotations

from enum import Enum


class CameraState(str, Enum):
    """A subset of the contract's `HealthState`, by value (`health` kind `camera`)."""

    OK = "ok"
    STALE = "stale"
    OFFLINE = "offline"
