"""Publish crowd readings and camera health on the bus.

Both are **retained, QoS 1**: a policy or board that subscribes late gets the latest reading at
once instead of waiting for the next change, and the `ts` in each payload tells it how old
that reading is (the tidal policy must ignore readings older than its own limit, e.g. when
health says `stale`). A reading is published when the count or level changes, and at least
every `heartbeat_s` so that `ts` keeps moving while the zone is steady. While the broker link
is down nothing is queued (old readings are worthless); the next update after the reconnect
publishes the current state.
"""
from __future__ import annotations

import json
import time
from collections.abc import Callable
from typing import Any

import paho.mqtt.client as mqtt

from tideq.contract import BusClient, Topics, now_iso
from tideq.config.schema import Level
from tideq.drivers.camera.health import CameraState, crowd_payload, health_payload


def will_for(topics: Topics, camera_id: str) -> tuple[str, str]:
    """Last will: health `offline` (its ts is the connect time; the broker sends it as is)."""
    body = health_payload(camera_id, CameraState.OFFLINE, now_iso(), 0.0, reason="connection lost")
    return topics.health(camera_id), json.dumps(body, separators=(",", ":"))


class BusPublisher:
    def __init__(self, bus: BusClient, camera_id: str, *, heartbeat_s: float = 5.0,
                 clock: Callable[[], float] = time.monotonic) -> None:
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
        self.bus.publish(self.bus.topics.sensor_crowd(zone), crowd_payload(self.camera_id, count, level, now_iso()),
                         qos=1, retain=True)
        self._last[zone] = (count, level, now)

    def health(self, state: CameraState, fps: float, reason: str | None = None) -> mqtt.MQTTMessageInfo | None:
        now = self._clock()
        prev = self._last_health
        if prev and prev[0] is state and now - prev[1] < self.heartbeat_s:
            return None
        if not self._online():
            return None
        info = self.bus.publish(self.bus.topics.health(self.camera_id),
                         health_payload(self.camera_id, state, now_iso(), fps, reason=reason), qos=1, retain=True)
        self._last_health = (state, now)
        return info
