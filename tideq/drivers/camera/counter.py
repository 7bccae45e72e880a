"""The per-camera loop: frame -> per-zone count and level -> publisher, at most `rate_hz` a second.

One thread, `cv2.setNumThreads(1)`: the counter must fit in one core of the edge box next to
the controller and kiosks. When the source fails the loop publishes health `stale` and
reopens it after exponential backoff; a stop event ends every wait at once (SIGTERM).
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, replace
from typing import Any, Protocol

import cv2
import numpy as np

from tideq.config.schema import Camera, Level

from .detector import CrowdDetector, DetectorSettings, PersonModel, ZoneEstimate
from .errors import CameraUnavailable
from .health import CameraState
from .smoothing import CountSmoother, LevelHysteresis, round_count
from .source import Backoff, Source

log = logging.getLogger(__name__)


class Publisher(Protocol):
    """Where counts and health go (tideq.camera.publisher.BusPublisher on the bus; a list in tests)."""

    def crowd(self, zone: str, count: int, level: Level) -> None: ...
    def health(self, state: CameraState, fps: float, reason: str | None = None) -> Any: ...


@dataclass(frozen=True)
class ZoneReading:
    zone: str
    count: int
    level: Level
    raw: ZoneEstimate


class ZoneTracker:
    """Smoothing and hysteresis for one zone."""

    def __init__(self, zone_id: str, busy: int, crowded: int, window: int = 5, alpha: float = 0.3) -> None:
        self.zone_id = zone_id
        self.smoother = CountSmoother(window, alpha)
        self.levels = LevelHysteresis(busy, crowded)

    def update(self, est: ZoneEstimate) -> ZoneReading:
        value = self.smoother.update(est.fused)
        return ZoneReading(self.zone_id, round_count(value), self.levels.update(value), est)


class CameraCounter:
    def __init__(
        self,
        camera: Camera,
        source: Source,
        publisher: Publisher,
        *,
        rate_hz: float = 2.0,
        person: PersonModel | None = None,
        settings: DetectorSettings | None = None,
        backoff: Backoff | None = None,
        stop: threading.Event | None = None,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        cv2.setNumThreads(1)
        self.camera = camera
        self.source = source
        self.publisher = publisher
        self.rate_hz = rate_hz
        # never mutate the caller's settings; the hall file's camera says how to count
        s = replace(settings or DetectorSettings(), rate_hz=rate_hz, method=camera.method)
        self.detector = CrowdDetector([(z.id, z.polygon) for z in camera.zones], person or PersonModel(), s)
        self.trackers = {z.id: ZoneTracker(z.id, z.busy, z.crowded) for z in camera.zones}
        self.backoff = backoff or Backoff()
        self.stop = stop or threading.Event()
        self._clock = clock
        self.state = CameraState.STALE
        self.fps = 0.0
        self.updates = 0
        self.final_publish: Any = None  # MQTTMessageInfo of the last health, to wait on before closing
        self.on_update: Callable[[list[ZoneReading]], None] | None = None
        self.on_retry: Callable[[float, CameraUnavailable], None] | None = None  # (delay, error)

    def process(self, frame: np.ndarray, ts: float | None = None) -> list[ZoneReading]:
        """One update from one frame read at `ts` (the counter's clock; no I/O besides publishing)."""
        estimates = self.detector.process(frame, ts)
        readings = [self.trackers[zid].update(est) for zid, est in estimates.items()]
        for r in readings:
            self.publisher.crowd(r.zone, r.count, r.level)
        self.updates += 1
        if self.on_update:
            self.on_update(readings)
        return readings

    def _connect(self) -> bool:
        try:
            self.source.open()
        except CameraUnavailable as err:
            self._lost(err)
            return False
        log.info("camera %s: %s open", self.camera.id, self.source.spec.describe())
        self.backoff.reset()
        return True

    def _lost(self, err: CameraUnavailable) -> None:
        self.state = CameraState.STALE
        self.fps = 0.0
        self.publisher.health(CameraState.STALE, 0.0, reason=str(err))
        delay = self.backoff.next_delay()
        log.warning("camera %s: %s; retry in %.1fs", self.camera.id, err, delay)
        if self.on_retry:
            self.on_retry(delay, err)
        self.stop.wait(delay)

    def run(self) -> None:
        """Until `stop` is set; publishes health `offline` on the way out."""
        period = 1.0 / self.rate_hz
        opened = False
        last = None
        try:
            while not self.stop.is_set():
                if not opened:
                    opened = self._connect()
                    continue
                started = self._clock()
                try:
                    frame = self.source.read()
                except CameraUnavailable as err:
                    opened, last = False, None
                    self._lost(err)
                    continue
                self.process(frame, started)
                if last is not None:
                    dt = max(1e-6, started - last)
                    self.fps = 1 / dt if self.fps == 0 else 0.8 * self.fps + 0.2 / dt
                last = started
                self.state = CameraState.OK
                self.publisher.health(CameraState.OK, self.fps)
                self.stop.wait(max(0.0, started + period - self._clock()))
        finally:
            self.source.close()
            self.state = CameraState.OFFLINE
            self.final_publish = self.publisher.health(CameraState.OFFLINE, 0.0, reason="stopped")
