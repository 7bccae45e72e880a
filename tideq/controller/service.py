"""The controller process: the one writer of queue state, wired from its parts.

paho's network thread only wraps what arrives (inbox.py) and enqueues it; the worker thread
(worker.py) takes the inbox in bursts, answers commands (dispatch.py, handlers.py), keeps crowd
readings (sensors.py), runs the tidal policy (tidal_runner.py), commits each burst durably and
only then publishes it (publisher.py).
"""

from __future__ import annotations

import logging
import os
import queue
import time
from collections.abc import Sequence
from pathlib import Path

from tideq.config import LoadedConfig
from tideq.contract import BusClient, DeviceKind, Health, HealthState, Topics
from tideq.runtime import broker_tls

from .burst import ReplyBody
from .clock import Clock, HallClock
from .dispatch import Dispatcher
from .engine import Engine
from .hall_secret import load_secret
from .handlers import Handlers
from .health import DEVICE
from .inbox import Command, Connected, Inbox, Item, Reading
from .publisher import Publisher
from .sensors import CrowdReadings
from .store import EventStore
from .tidal import CrowdReading, TidalPolicy
from .tidal_runner import TidalRunner
from .worker import Worker

log = logging.getLogger(__name__)

STOP_TIMEOUT_S = 10.0


class ControllerService:
    def __init__(self, loaded: LoadedConfig, broker_url: str, data_dir: Path, clock: HallClock | None = None) -> None:
        self.cfg = loaded.hall
        self.topics = Topics(self.cfg.hall.id)
        self.clock: HallClock = clock or Clock(self.cfg.hall.timezone)
        self.data_dir = data_dir
        self.started_in: dict[str, float] = {}  # seconds per startup phase, for the ready line
        self.store = EventStore(data_dir / "events.sqlite3")
        secret = load_secret(loaded, data_dir)
        self.inbox: Inbox = queue.SimpleQueue()
        creds = self.cfg.broker
        self.bus = BusClient(  # client id == login under an ACL (the broker binds them)
            broker_url,
            self.cfg.hall.id,
            creds.username or f"tideq-controller-{self.cfg.hall.id}",
            will=(self.topics.status_controller, "offline"),
            username=creds.username,
            password=os.environ.get(creds.password_env) if creds.password_env else None,
            tls=broker_tls(loaded),
        )
        self.tidal = TidalPolicy(self.cfg.tidal)
        self.sensors = CrowdReadings()
        self.dispatcher = Dispatcher(self.topics, Handlers(self.cfg, self.tidal))
        self.publisher = Publisher(self.bus, self.topics, self.tidal)
        self.worker = Worker(
            self.cfg,
            secret,
            self.clock,
            self.store,
            self.inbox,
            self.dispatcher,
            self.sensors,
            TidalRunner(self.tidal),
            self.publisher,
        )
        self.bus.on_connection = self._on_connection
        self.bus.subscribe(self.topics.commands(), self._on_command, qos=1)
        self.bus.subscribe(self.topics.sensor_crowd("+"), self._on_reading, qos=1)

    # what the worker owns -------------------------------------------------------------
    @property
    def engine(self) -> Engine:
        return self.worker.engine

    @property
    def replies(self) -> dict[str, ReplyBody]:
        """The idempotency cache: reply_key(sender, id) -> first answer."""
        return self.dispatcher.replies

    @property
    def crowd(self) -> dict[str, CrowdReading]:
        return self.sensors.zones

    @property
    def processed(self) -> int:
        return self.worker.processed

    # lifecycle ------------------------------------------------------------------------
    def start(self, timeout: float = 10.0) -> ControllerService:
        t0 = time.perf_counter()
        self.rebuild()
        self.worker.start()
        t1 = time.perf_counter()
        self.bus.connect(timeout=timeout)
        self.started_in = {"fold": t1 - t0, "broker": time.perf_counter() - t1}
        return self

    def stop(self) -> None:
        """Clean stop: finish what is queued, say offline on status/controller and health/controller
        (both retained: a dashboard reading health alone must not show a stopped controller `ok`),
        disconnect. After a crash the broker's last will covers status/controller."""
        self.worker.stop(STOP_TIMEOUT_S)
        stopped = Health(
            ts=self.clock.now(), device=DEVICE, kind=DeviceKind.CONTROLLER, state=HealthState.OFFLINE, reason="stopped"
        )
        try:
            self.bus.publish(self.topics.health(DEVICE), stopped, retain=True)
            self.bus.publish(self.topics.status_controller, "offline", retain=True).wait_for_publish(3)
        except (RuntimeError, ValueError):
            log.warning("could not publish offline on stop")
        self.bus.close()
        self.store.close()

    def rebuild(self) -> None:
        """State is a fold of today's events (plus earlier days' bookings: imports, cancels, reschedules)."""
        self.worker.rebuild()

    def process(self, items: Sequence[Item], refresh: bool = False) -> None:
        """One burst, as the worker thread runs it (tests and tools may call it directly)."""
        self.worker.process(items, refresh)

    # paho's network thread: enqueue only ----------------------------------------------
    def _on_connection(self, up: bool) -> None:
        if up:
            self.inbox.put(Connected())

    def _on_command(self, topic: str, payload: bytes) -> None:
        self.inbox.put(Command(topic, payload))

    def _on_reading(self, topic: str, payload: bytes) -> None:
        self.inbox.put(Reading(topic.rsplit("/", 1)[-1], payload))
