"""Publish crowd readings and camera health on the bus, as the contract's typed messages.

Both are **retained, QoS 1**: a policy or board that subscribes late gets the latest reading at
once instead of waiting for the next change, and the `ts` in each payload tells it how old
that reading is (the tidal policy must ignore readings older than its own limit, e.g. when
health says `stale`). A reading is published when the count or level changes, and at least
every `heartbeat_s` so that `ts` keeps moving while the zone is steady. While the broker link
is down nothing is queued (old readings are worthless); the next update after the reconnect
publishes the current state.
"""

from __future__ import annotations

import re
import time
from collections.abc import Callable
from datetime import datetime

import paho.mqtt.client as mqtt

from tideq.config.schema import Level
from tideq.contract import BusClient, CrowdLevel, CrowdReading, DeviceKind, Health, HealthState, Topics
from tideq.drivers.camera.health import CameraState

MAX_REASON = 200  # characters of an error kept in health (a long FFmpeg message says nothing more)
_CONTROL = re.compile(r"[\x00-\x1f\x7f-\x9f\ud800-\udfff]+")


def _now() -> datetime:
    return datetime.now().astimezone()


def will_for(topics: Topics, camera_id: str) -> tuple[str, Health]:
    """Last will: health `offline` (its ts is the connect time; the broker sends it as is)."""
    return topics.health(camera_id), Health.last_will(camera_id, DeviceKind.CAMERA, _now())


def crowd_reading(camera_id: str, count: int, level: Level, at: datetime) -> CrowdReading:
    """`sensor/crowd/{zone}`, stamped with this camera's clock."""
    return CrowdReading(ts=at, count=int(count), level=CrowdLevel(level.value), camera=camera_id)


def plain(reason: str) -> str:
    """An error message as health may carry it: one line (OpenCV and FFmpeg errors span several,
    and the contract refuses control characters), at most MAX_REASON characters."""
    return _CONTROL.sub(" ", reason).strip()[:MAX_REASON]


def camera_health(camera_id: str, state: CameraState, fps: float, at: datetime, reason: str | None = None) -> Health:
    """`health/{camera}` (kind `camera`): the counter's state, frames per second, why if not ok."""
    return Health(
        ts=at,
        device=camera_id,
        kind=DeviceKind.CAMERA,
        state=HealthState(state.value),
        fps=round(fps, 2),
        reason=plain(reason) if reason else None,
    )


class BusPublisher:
    def __init__(
        self, bus: BusClient, camera_id: str, *, heartbeat_s: float = 5.0, clock: Callable[[], float] = time.monotonic
    ) -> None:
        self.bus = bus
        self.camera_id = camera_id
        self.heartbeat_s = heartbeat_s
        self._clock = clock
        self._last: dict[str, tuple[int, Level, float]] = {}
        self._last_health: tuple[CameraState, float] | None = None

    def _online(self) -> bool:
        if self.bus.connected.is_set():
            return True
        self._last.clear()  # republish everything once the link is back
        self._last_health = None
        return False

    def crowd(self, zone: str, count: int, level: Level) -> None:
        now = self._clock()
        prev = self._last.get(zone)
        if prev and prev[:2] == (count, level) and now - prev[2] < self.heartbeat_s:
            return
        if not self._online():
            return
        self.bus.publish(
            self.bus.topics.sensor_crowd(zone), crowd_reading(self.camera_id, count, level, _now()), qos=1, retain=True
        )
        self._last[zone] = (count, level, now)

    def health(self, state: CameraState, fps: float, reason: str | None = None) -> mqtt.MQTTMessageInfo | None:
        now = self._clock()
        prev = self._last_health
        if prev and prev[0] is state and now - prev[1] < self.heartbeat_s:
            return None
        if not self._online():
            return None
        info = self.bus.publish(
            self.bus.topics.health(self.camera_id),
            camera_health(self.camera_id, state, fps, _now(), reason),
            qos=1,
            retain=True,
        )
        self._last_health = (state, now)
        return info
