"""Retained `health/{bus_id}` for the serial buses a bridge drives.

Published at once when a bus or device state changes, and every `interval_s` with fresh
counters, from this thread (never the serial worker's, never paho's).
"""
from __future__ import annotations

import threading
from collections.abc import Callable

from tideq.contract.client import BusClient
from tideq.contract.topics import now_iso
from tideq.drivers.rs485.polled import BusHealth, PolledMaster


class HealthPublisher:
    def __init__(self, bus: BusClient, masters: list[PolledMaster], interval_s: float = 10.0) -> None:
        self.bus = bus
        self.masters = masters
        self.interval_s = interval_s
        self.published: Callable[[BusHealth], None] | None = None  # observer, for tests
        self._kick = threading.Event()
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name="bridge-health", daemon=True)

    def changed(self, _health: BusHealth) -> None:
        """Listener for `PolledMaster.on_health` (called on the serial worker: only signals)."""
        self._kick.set()

    def start(self) -> None:
        self._thread.start()

    def stop(self) -> None:
        """Publish the final (offline) state of every bus and stop."""
        self._stop.set()
        self._kick.set()
        self._thread.join(5)
        self.publish_all()

    def publish_all(self) -> None:
        for m in self.masters:
            health = m.health()
            self.bus.publish(self.bus.topics.health(m.bus_id), health.payload(now_iso()), qos=1, retain=True)
            if self.published:
                self.published(health)

    def _run(self) -> None:
        while not self._stop.is_set():
            self._kick.wait(self.interval_s)
            self._kick.clear()
            if not self._stop.is_set():
                self.publish_all()
