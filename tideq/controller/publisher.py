"""What a durable burst puts on the bus: rejections, replies, tidal notices, call and tidal
events, and the retained state topics its events changed (all four on a refresh), and
`health/controller`. Each message is published on its own: one that fails (a builder bug, a
refusing client library) is logged and counted, and the rest of the burst still goes out. The
burst is already stored, so a kiosk that missed its reply gets it on retry."""

from __future__ import annotations

import logging
import time
from collections.abc import Callable, Mapping
from datetime import datetime
from enum import Enum
from functools import partial
from types import MappingProxyType

from tideq.contract import (
    BusClient,
    ControllerStatus,
    Message,
    RatedEvent,
    RejectedEvent,
    TidalEvent,
    TidalKind,
    Topics,
)

from .burst import Burst, Rejection
from .engine import Engine, missing_entries
from .errors import ControllerError
from .events import Event, Kind
from .health import DEVICE, ControllerHealth
from .state import call_event, calls_state, help_state, queue_state, services_state, windows_state
from .tidal import TidalPolicy
from .tidal_state import tidal_state


class Retained(str, Enum):
    """The retained state topics (`state/{name}`)."""

    SERVICES = "services"
    WINDOWS = "windows"
    CALLS = "calls"
    TIDAL = "tidal"
    QUEUE = "queue"  # state/queue: changes whenever state/services does (see Publisher.publish)
    HELP = "help"  # state/help: kiosks' help requests (绿色通道)


S, W, C, T, Q = Retained.SERVICES, Retained.WINDOWS, Retained.CALLS, Retained.TIDAL, Retained.QUEUE
H = Retained.HELP
# which retained state topics an event kind changes (checked complete at import)
DIRTY: Mapping[Kind, frozenset[Retained]] = MappingProxyType(
    {
        Kind.DAY_OPENED: frozenset({S, W, C, T, Q, H}),
        Kind.TICKET_ISSUED: frozenset({S, H}),
        Kind.CALLED: frozenset({S, W, C}),
        Kind.RECALLED: frozenset({C}),
        Kind.SKIPPED: frozenset({S, W}),
        Kind.REJOINED: frozenset({S}),
        Kind.FINISHED: frozenset({S, W}),
        Kind.RATED: frozenset({W}),
        Kind.TRANSFERRED: frozenset({S, W}),
        Kind.WINDOW_PAUSED: frozenset({S, W}),
        Kind.WINDOW_RESUMED: frozenset({S, W}),
        Kind.APPOINTMENTS_IMPORTED: frozenset(),
        Kind.APPOINTMENT_CANCELLED: frozenset(),
        Kind.APPOINTMENT_RESCHEDULED: frozenset(),
        Kind.TIDAL_OPENED: frozenset({S, W, T}),
        Kind.TIDAL_CLOSED: frozenset({S, W, T}),
        Kind.STAFF_SIGNED_IN: frozenset({W}),
        Kind.STAFF_SIGNED_OUT: frozenset({W}),
        Kind.REPRINTED: frozenset(),
        Kind.HELP_REQUESTED: frozenset({H}),
        Kind.HELP_CLOSED: frozenset({H}),
    }
)
if missing_entries(DIRTY, Kind):  # pragma: no cover - caught by tests/controller/test_tables.py
    raise ControllerError(f"DIRTY misses {missing_entries(DIRTY, Kind)}")
ALL = frozenset(Retained)
QUEUE_MIN_S = 0.2  # state/queue after a burst of new tickets only: at most this often ...
QUEUE_COST_SHARE = 0.05  # ... and so its building costs at most this share of the worker's time
REJECTED_PER_S = 10.0  # event/rejected at most this often on average ...
REJECTED_BURST = 50.0  # ... after a burst of this many
log = logging.getLogger(__name__)


class RateLimit:
    """A token bucket: a flood of unreadable commands costs the bus REJECTED_PER_S events a second,
    not one per command; what it held back is counted and carried by the next event that goes out."""

    def __init__(
        self, rate: float = REJECTED_PER_S, burst: float = REJECTED_BURST, clock: Callable[[], float] = time.monotonic
    ) -> None:
        self.rate, self.burst, self.clock = rate, burst, clock
        self.tokens = burst
        self.at = clock()
        self.held_back = 0  # since the last event that went out

    def allow(self) -> bool:
        t = self.clock()
        self.tokens = min(self.burst, self.tokens + (t - self.at) * self.rate)
        self.at = t
        if self.tokens >= 1.0:
            self.tokens -= 1.0
            return True
        self.held_back += 1
        return False


class Publisher:
    """Publishes a durable burst; the only place the controller writes to the bus besides online/offline."""

    def __init__(self, bus: BusClient, topics: Topics, policy: TidalPolicy) -> None:
        self.bus = bus
        self.topics = topics
        self.failed = 0  # messages that could not be published
        self.rejections = RateLimit()
        self.builders: dict[Retained, Callable[[Engine, datetime], Message]] = {
            S: services_state,
            W: windows_state,
            C: calls_state,
            T: lambda engine, now: tidal_state(engine, policy, now),
            Q: self._queue_state,
            H: help_state,
        }
        # state/queue lists every waiting number: at 15,000 waiting (a kiosk flood) building it
        # costs ~30 ms, so a burst of new tickets only sends it at most every QUEUE_MIN_S (longer
        # when it is dear); any other change (a call, a skip ...) and the refresh send it at once,
        # and a held one goes out with the next burst (the idle worker wakes every second)
        self._queue_held = False
        self._queue_at = -float("inf")
        self._queue_cost_s = 0.0

    def _queue_state(self, engine: Engine, now: datetime) -> Message:
        start = time.perf_counter()
        try:
            return queue_state(engine, now)
        finally:
            self._queue_cost_s = time.perf_counter() - start

    def _queue_due(self, burst: Burst, dirty: set[Retained], refresh: bool) -> bool:
        """Send state/queue with this burst? (Its own rule: see `__init__`.)"""
        if S not in dirty and not self._queue_held:
            return False
        t = time.monotonic()
        urgent = refresh or any(e.kind is not Kind.TICKET_ISSUED for e in burst.events)
        if urgent or t - self._queue_at >= max(QUEUE_MIN_S, self._queue_cost_s / QUEUE_COST_SHARE):
            self._queue_held, self._queue_at = False, t
            return True
        self._queue_held = True
        return False

    def health(self, health: ControllerHealth, now: datetime, refresh: bool) -> None:
        """`health/controller` (retained) when it changed, and on every refresh."""
        if health.changed or refresh:
            health.changed = False
            self._send(self.topics.health(DEVICE), lambda: health.message(now), retain=True)

    def _send(self, topic: str, build: Callable[[], Message | str], retain: bool = False) -> None:
        try:
            self.bus.publish(topic, build(), retain=retain)
        except Exception:  # one message must not cost the burst its other messages
            self.failed += 1
            log.exception("could not publish on %s", topic)

    def publish(self, burst: Burst, engine: Engine, now: datetime, refresh: bool) -> None:
        """Everything the burst made known; call only once it is durable."""
        bus = _Guarded(self)
        topics = self.topics
        if refresh:
            bus.publish(topics.status_controller, ControllerStatus.ONLINE.value, retain=True)
        for r in burst.rejected:
            if self.rejections.allow():
                bus.publish(topics.event("rejected"), partial(_rejected, r, now, self.rejections.held_back))
                self.rejections.held_back = 0
        for topic, reply in burst.outbox:
            bus.publish(topic, reply)
        for d in burst.notices:
            bus.publish(topics.event("tidal"), d.event())
        dirty: set[Retained] = set(ALL) if refresh else set()
        if burst.tidal_dirty:
            dirty.add(T)
        for e in burst.events:
            dirty |= DIRTY[e.kind]
            if e.kind in (Kind.CALLED, Kind.RECALLED):
                bus.publish(topics.event("call"), partial(_call, engine, e))
            elif e.kind in (Kind.TIDAL_OPENED, Kind.TIDAL_CLOSED):
                bus.publish(topics.event("tidal"), partial(_tidal, e))
            if e.kind in (Kind.RATED, Kind.FINISHED) and isinstance(e.data.get("rating"), int):
                bus.publish(topics.event("rated"), partial(_rated, engine, e))
        dirty.discard(Q)  # whatever moves a count or a wait moves the queue: `_queue_due` decides
        if self._queue_due(burst, dirty, refresh):
            dirty.add(Q)
        for name in sorted(dirty):
            bus.publish(topics.state(name.value), partial(self.builders[name], engine, now), retain=True)


def _rejected(r: Rejection, now: datetime, held_back: int) -> RejectedEvent:
    return RejectedEvent(
        ts=now,
        command=r.command,  # scrubbed when it was rejected (Rejection.scrubbed)
        sender=r.sender,
        id=r.cid,
        code=r.code,
        detail=r.detail,
        held_back=held_back,
    )


def _call(engine: Engine, e: Event) -> Message:
    d = e.data
    return call_event(engine, d["ticket"], d["window"], d["service"], e.kind is Kind.RECALLED, e.at)


def _rated(engine: Engine, e: Event) -> Message:
    """`event/rated` from the rated ticket as the engine holds it (service, window, channel, time)."""
    record = engine.rating_record(engine.tickets[e.data["ticket"]])
    return RatedEvent.model_validate({**record, "ts": e.at})


def _tidal(e: Event) -> Message:
    return TidalEvent.model_validate({**e.data, "ts": e.at, "kind": TidalKind(e.kind.value)})


class _Guarded:
    """`bus.publish` with each message built and sent on its own (Publisher._send)."""

    def __init__(self, publisher: Publisher) -> None:
        self._p = publisher

    def publish(self, topic: str, message: Message | str | Callable[[], Message | str], retain: bool = False) -> None:
        self._p._send(topic, message if callable(message) else partial(_same, message), retain)


def _same(message: Message | str) -> Message | str:
    return message
