"""The one writer: a single thread that owns the engine and takes the inbox in bursts.

Each burst is applied command by command, then its events and replies are written in one fsynced
transaction (group commit), and only then are replies, events and changed state published: an
acknowledged ticket survives kill -9 and power loss. State is republished every REFRESH_S with a
fresh `ts`, so readers can tell a live controller from a hung one.

Failures: an unexpected engine error rebuilds the engine from disk plus the burst's accepted
events; a failed write rebuilds from disk and answers the burst's commands `storage_failed`.
"""

from __future__ import annotations

import logging
import math
import queue
import threading
import time
from collections.abc import Sequence
from datetime import datetime, timedelta

from tideq.config.schema import HallConfig

from . import refusals as R
from .burst import Burst
from .clock import HallClock
from .dispatch import Dispatcher, Outcome
from .engine import Engine
from .errors import StoreError
from .events import Event
from .inbox import Command, Connected, Inbox, Item, Reading, Stop
from .publisher import Publisher
from .sensors import CrowdReadings
from .store import EventStore
from .tidal_runner import TidalRunner

log = logging.getLogger(__name__)

BATCH = 256  # inbox items per burst at most
REFRESH_S = 10.0  # retained state republished at least this often
IDLE_S = 1.0  # an idle worker wakes this often (refresh, tidal policy, day roll)
CARRY_DAYS = 60  # appointment imports this old still count on rebuild


class Worker:
    """Owns the engine: only this thread changes it, so the engine needs no locks (one writer)."""

    def __init__(
        self,
        cfg: HallConfig,
        secret: bytes,
        clock: HallClock,
        store: EventStore,
        inbox: Inbox,
        dispatcher: Dispatcher,
        sensors: CrowdReadings,
        tides: TidalRunner,
        publisher: Publisher,
    ) -> None:
        self.cfg = cfg
        self.clock = clock
        self.store = store
        self.inbox = inbox
        self.dispatcher = dispatcher
        self.sensors = sensors
        self.tides = tides
        self.publisher = publisher
        self.engine = Engine(cfg, secret)
        self.processed = 0  # inbox items taken so far
        self._thread = threading.Thread(target=self._run, name="controller", daemon=True)

    # lifecycle ------------------------------------------------------------------------
    def start(self) -> None:
        self._thread.start()

    def stop(self, timeout: float) -> None:
        """Let the worker finish what is queued before now, then end (a no-op if it never started)."""
        if self._thread.is_alive():
            self.inbox.put(Stop())
            self._thread.join(timeout)

    def rebuild(self) -> None:
        """State is a fold of today's events (plus earlier appointment imports)."""
        now = self.clock.now()
        day = self.engine.local_day(now)
        self.engine = Engine(self.cfg, self.engine.secret)
        for e in self.store.events_for(day, day - timedelta(days=CARRY_DAYS)):
            self.engine.apply(e)
        self.dispatcher.restore(self.store.replies_for(day - timedelta(days=1)))
        log.info(
            "rebuilt %s: %d tickets today, %d appointments",
            day,
            len(self.engine.tickets),
            len(self.engine.appointments),
        )

    # the loop -------------------------------------------------------------------------
    def _run(self) -> None:
        last_refresh = -math.inf
        while True:
            items = self._take()
            refresh = time.monotonic() - last_refresh > REFRESH_S or any(isinstance(i, Connected) for i in items)
            try:
                self.process(items, refresh)
            except Exception:  # the controller never dies on input; log and carry on
                log.exception("burst failed")
            if refresh:
                last_refresh = time.monotonic()
            if any(isinstance(i, Stop) for i in items):
                return

    def _take(self) -> list[Item]:
        """One burst: wait up to IDLE_S for an item, then take whatever else is queued (up to BATCH)."""
        try:
            items = [self.inbox.get(timeout=IDLE_S)]
        except queue.Empty:
            return []
        while len(items) < BATCH:
            try:
                items.append(self.inbox.get_nowait())
            except queue.Empty:
                break
        return items

    # one burst ------------------------------------------------------------------------
    def process(self, items: Sequence[Item], refresh: bool = False) -> None:
        """Apply a burst, store it durably, then publish what it changed."""
        now = self.clock.now()
        burst = Burst()
        burst.events += self.engine.roll_day(now)
        for item in items:
            match item:
                case Command():
                    if self.dispatcher.handle(self.engine, item, now, burst) is Outcome.FAULT:
                        self._recover(burst.events)
                case Reading():
                    self.sensors.record(item, now)
                case Connected() | Stop():
                    pass
        if self.tides.due(refresh):
            self.tides.run(self.engine, now, self.sensors.zones, burst)
        self._commit(burst, now)
        self.processed += len(items)
        self.publisher.publish(burst, self.engine, now, refresh)

    def _commit(self, burst: Burst, now: datetime) -> None:
        """Group commit: the burst's events and replies in one fsynced transaction."""
        if not (burst.events or burst.replies):
            return
        try:
            self.store.append(self.engine.day or now.date(), burst.events, burst.replies)
        except StoreError:
            log.exception("event log write failed; state rebuilt from disk, commands refused")
            self.rebuild()
            burst.refuse_all(R.storage_failed())
        else:
            self.dispatcher.remember(burst.replies)

    def _recover(self, accepted: list[Event]) -> None:
        """After an unexpected engine error: rebuild from disk plus this burst's accepted events."""
        self.rebuild()
        for e in accepted:
            self.engine.apply(e)
