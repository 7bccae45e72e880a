"""Retained `health/{bus_id}` for the serial buses a bridge drives.

Published at once when a bus or device state changes, and every `interval_s` with fresh
counters, from this thread (never the serial worker's, never paho's). Each bus's health goes out
on a connection whose MQTT last will marks that bus `offline`, so a bridge that dies without a
word (kill -9, power cut) does not leave its buses `ok` for ever. MQTT gives one will per
connection: the first bus rides on the bridge's own connection, a second bus gets a connection
of its own (`clients`).
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterable, Mapping, Sequence
from datetime import datetime

from tideq.contract.client import BusClient
from tideq.contract.health import Health
from tideq.contract.topics import Topics
from tideq.contract.vocab import DeviceKind, HealthState, LinkState
from tideq.drivers.rs485.polled import PolledMaster
from tideq.drivers.rs485.state import LineHealth

# device family -> the health report's `kind` and the key of its {address: state} map
KINDS: dict[str, tuple[DeviceKind, str]] = {
    "keypad": (DeviceKind.KEYPAD_BUS, "keypads"),
    "evaluator": (DeviceKind.EVALUATOR_BUS, "evaluators"),
}


def health_report(bus_id: str, family: str, health: LineHealth, at: datetime) -> Health:
    kind, devices_key = KINDS[family]
    return Health.model_validate(
        {
            "ts": at,
            "device": bus_id,
            "kind": kind,
            "state": HealthState(health.state.value),
            devices_key: {str(a): LinkState(s.value) for a, s in sorted(health.devices.items())},
            "bad_frames": health.bad_frames,
            "garbage_bytes": health.garbage_bytes,
            "duplicates": health.duplicates,
        }
    )


def will_for(topics: Topics, bus_id: str, family: str, addresses: Iterable[int]) -> tuple[str, Health]:
    """Last will of the connection that reports `bus_id`: the bus and every device on it
    `offline` (its ts is the connect time; the broker sends it as is)."""
    kind, devices_key = KINDS[family]
    will = Health.last_will(bus_id, kind, datetime.now().astimezone())
    will = will.model_copy(update={devices_key: {str(a): LinkState.OFFLINE for a in sorted(addresses)}})
    return topics.health(bus_id), will


class HealthPublisher:
    def __init__(
        self,
        bus: BusClient,
        masters: Sequence[PolledMaster],
        interval_s: float = 10.0,
        clients: Mapping[str, BusClient] | None = None,
    ) -> None:
        self.bus = bus
        self.masters = list(masters)
        self.interval_s = interval_s
        self.clients = dict(clients or {})  # bus_id -> the connection whose will covers it (default `bus`)
        self.published: Callable[[str, LineHealth], None] | None = None  # observer, for tests
        self._kick = threading.Event()
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name="bridge-health", daemon=True)

    def changed(self, _health: LineHealth) -> None:
        """Listener for `PolledMaster.on_health` (called on the serial worker: only signals)."""
        self._kick.set()

    def start(self) -> None:
        self._thread.start()

    def stop(self) -> None:
        """Publish the final (offline) state of every bus and stop."""
        self._stop.set()
        self._kick.set()
        if self._thread.is_alive():
            self._thread.join(5)
        self.publish_all()

    def publish_all(self) -> None:
        for m in self.masters:
            health = m.health()
            client = self.clients.get(m.bus_id, self.bus)
            client.publish(
                client.topics.health(m.bus_id),
                health_report(m.bus_id, m.family, health, datetime.now().astimezone()),
                qos=1,
                retain=True,
            )
            if self.published:
                self.published(m.bus_id, health)

    def _run(self) -> None:
        while not self._stop.is_set():
            self._kick.wait(self.interval_s)
            self._kick.clear()
            if not self._stop.is_set():
                self.publish_all()
