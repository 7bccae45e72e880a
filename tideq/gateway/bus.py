"""The gateway's side of the MQTT contract: the latest retained state, decoded with the contract's
types, folded into one `Snapshot` on the asyncio loop, and an async fan-out of changes to the
live pages' streams.

paho delivers on its own thread; every message is decoded there (`BusClient.on`) and handed to the
event loop with `call_soon_threadsafe`, so the snapshot is only ever touched on the loop thread
and needs no lock. The messages of one controller burst arrive a few milliseconds apart (a call
moves `state/windows`, `state/services` and `state/queue`): subscribers are woken once per burst,
`settle_s` (5 ms) after its first message, so a page never shows the half-applied state in between (a
called ticket that is already out of the queue but not yet at its window would read "done").
"""

from __future__ import annotations

import asyncio
import logging
import threading
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any

from tideq.contract import (
    QUEUE_TOPIC,
    BusClient,
    CallEvent,
    CallsState,
    ControllerStatus,
    Health,
    Message,
    QueueState,
    Reply,
    ServicesState,
    SkippedItem,
    TidalEvent,
    TidalState,
    WindowItem,
    WindowsState,
)
from tideq.contract.wire import MAX_IMPORT_PAYLOAD, decode

log = logging.getLogger(__name__)

GROUPS = ("hall",)  # streams woken by every burst (ticket pages are woken by number)
TICK_S = 15.0  # streams wake at least this often: keep-alive comments, the stale check
SETTLE_S = 0.005  # one controller burst's messages arrive within this of each other (~1 ms apart)


@dataclass(frozen=True)
class Place:
    """Where a waiting ticket stands: its service, how many are ahead, its expected wait."""

    service: str
    ahead: int
    eta_s: int | None


@dataclass
class Snapshot:
    """The hall as the gateway last heard it. Replaced part by part, never edited in place, so a
    reader on the loop sees each part whole."""

    services: ServicesState | None = None
    windows: WindowsState | None = None
    calls: CallsState | None = None
    tidal: TidalState | None = None
    queue: QueueState | None = None
    controller: ControllerStatus | None = None
    health: dict[str, Health] = field(default_factory=dict)
    received_at: float | None = None  # monotonic time of the last state message
    # indexes, rebuilt when their part arrives
    places: dict[str, Place] = field(default_factory=dict)
    at_window: dict[str, WindowItem] = field(default_factory=dict)
    skipped: dict[str, SkippedItem] = field(default_factory=dict)

    @property
    def ready(self) -> bool:
        """Enough state to answer a ticket page."""
        return self.queue is not None and self.windows is not None and self.services is not None

    @property
    def day(self) -> date | None:
        """The hall day the controller is on (from `state/queue`), not this machine's date."""
        return self.queue.day if self.queue is not None else None

    @property
    def ts(self) -> datetime | None:
        stamps = [p.ts for p in (self.services, self.windows, self.queue) if p is not None]
        return max(stamps) if stamps else None

    def apply(self, msg: Message | ControllerStatus) -> None:
        if isinstance(msg, ControllerStatus):
            self.controller = msg
            return
        if isinstance(msg, Health):
            self.health = {**self.health, msg.device: msg}
            return
        self.received_at = time.monotonic()
        if isinstance(msg, QueueState):
            self.queue = msg
            places: dict[str, Place] = {}
            for svc in msg.services:
                for ahead, (number, eta) in enumerate(zip(svc.tickets, svc.eta_s, strict=True)):
                    places[number] = Place(svc.id, ahead, eta)
            self.places = places
            self.skipped = {s.number: s for s in msg.skipped}
        elif isinstance(msg, WindowsState):
            self.windows = msg
            self.at_window = {w.ticket: w for w in msg.windows if w.ticket}
        elif isinstance(msg, ServicesState):
            self.services = msg
        elif isinstance(msg, CallsState):
            self.calls = msg
        elif isinstance(msg, TidalState):
            self.tidal = msg


Listener = Callable[[Message | ControllerStatus], None]


def _moved(old: Mapping[str, object], new: Mapping[str, object]) -> set[str]:
    """Keys whose value differs between the two (added, removed or changed)."""
    if old is new:
        return set()
    return {k for k in old.keys() | new.keys() if old.get(k) != new.get(k)}


class GatewayBus:
    """One broker connection (login `gateway`), the snapshot, and the change fan-out.

    `changed(version)` is awaited by every stream: it returns the next version once a burst has
    settled. The publisher swaps in a fresh `asyncio.Event` per version and sets the old one, so
    waking N streams costs one `set()` and nothing is queued per subscriber."""

    def __init__(self, client: BusClient | None, *, settle_s: float = SETTLE_S, tick_s: float = TICK_S) -> None:
        self.client = client
        self.settle_s = settle_s
        self.tick_s = tick_s
        self._ticker: asyncio.Task[None] | None = None
        self.snapshot = Snapshot()
        self.version = 0
        # one wake-up per group, set in this order: the hall page's streams share one cached
        # rendering and go first; then the ticket pages, each rendering its own
        self._events: dict[str, asyncio.Event] = {}
        self._ticket_events: dict[str, asyncio.Event] = {}  # ticket number -> its pages' wake-up
        self._ticket_seq: dict[str, int] = {}  # ticket number -> wake-ups so far (today)
        self._all_seq = 0  # wake-ups of every ticket page (tick, controller status, new day)
        self._dirty: set[str] = set()  # numbers whose place, window or skip moved since the last wake
        self._dirty_all = False
        self._loop: asyncio.AbstractEventLoop | None = None
        self._pending: asyncio.TimerHandle | None = None
        self.listeners: list[Listener] = []  # called on the loop for every message (metrics)
        self.command_hooks: list[Callable[[str, float], None]] = []  # (command, seconds) after each send()
        self.link_up = False
        self.ready = threading.Event()  # set once the snapshot can answer a ticket page

    # lifecycle --------------------------------------------------------------------------
    async def start(self, connect_timeout: float = 10.0) -> None:
        """Attach to the running loop and connect (the subscriptions are registered first, so the
        retained state arrives as the connection comes up)."""
        self._loop = asyncio.get_running_loop()
        self._events = {g: asyncio.Event() for g in GROUPS}
        self._ticker = asyncio.create_task(self._tick())
        c = self.client
        if c is None:
            return
        t = c.topics
        for name, model in (
            ("services", ServicesState),
            ("windows", WindowsState),
            ("calls", CallsState),
            ("tidal", TidalState),
        ):
            c.on(t.state(name), model, self._from_thread)
        # state/queue grows with the queue: up to 2 MiB (tens of thousands of numbers)
        c.subscribe(t.state(QUEUE_TOPIC), self._queue_payload)
        c.on(t.event("call"), CallEvent, self._from_thread)
        c.on(t.event("tidal"), TidalEvent, self._from_thread)
        c.on(t.health("+"), Health, self._from_thread)
        c.subscribe(t.status_controller, self._status_payload)
        c.on_connection = self._link
        await asyncio.to_thread(c.connect, connect_timeout)

    async def aclose(self) -> None:
        """Stop the tick (on the loop) and close the broker connection (off it)."""
        if self._ticker is not None:
            self._ticker.cancel()
        await asyncio.to_thread(self.stop)

    def stop(self) -> None:
        if self.client is not None:
            self.client.close()

    def _link(self, up: bool) -> None:
        self.link_up = up

    # paho thread -> loop ----------------------------------------------------------------
    def _queue_payload(self, topic: str, payload: bytes) -> None:
        if not payload:
            return
        try:
            msg = decode(QueueState, payload, max_bytes=MAX_IMPORT_PAYLOAD)
        except Exception as err:  # a bad payload is the controller's bug; keep the last good one
            log.warning("dropped a state/queue payload that is not a QueueState: %s", err)
            return
        self._from_thread(topic, msg)

    def _status_payload(self, topic: str, payload: bytes) -> None:
        try:
            status = ControllerStatus(payload.decode("utf-8", "replace").strip())
        except ValueError:
            return
        self._from_thread(topic, status)

    def _from_thread(self, topic: str, msg: Message | ControllerStatus) -> None:
        loop = self._loop
        if loop is None or loop.is_closed():
            return
        loop.call_soon_threadsafe(self.apply, msg)

    # loop thread ------------------------------------------------------------------------
    def apply(self, msg: Message | ControllerStatus) -> None:
        """Fold one message (on the loop), note which tickets' pages it may change, and schedule
        the wake-up of the streams."""
        if not isinstance(msg, (CallEvent, TidalEvent)):
            snap = self.snapshot
            places, at_window, skipped, day = snap.places, snap.at_window, snap.skipped, snap.day
            snap.apply(msg)
            if isinstance(msg, QueueState):
                if msg.day != day:
                    self._dirty_all = True
                self._dirty |= _moved(places, snap.places) | _moved(skipped, snap.skipped)
            elif isinstance(msg, WindowsState):
                self._dirty |= _moved(
                    {n: w.id for n, w in at_window.items()}, {n: w.id for n, w in snap.at_window.items()}
                )
            elif isinstance(msg, ControllerStatus):
                self._dirty_all = True
            if snap.ready and not self.ready.is_set():
                self.ready.set()
        for fn in self.listeners:
            try:
                fn(msg)
            except Exception:
                log.exception("gateway listener failed on %s", type(msg).__name__)
        if self._pending is None and self._loop is not None:
            self._pending = self._loop.call_later(self.settle_s, self._notify)

    def _notify(self) -> None:
        self._pending = None
        self.version += 1
        self._wake(everyone=self._dirty_all)
        self._dirty, self._dirty_all = set(), False

    def _wake(self, everyone: bool) -> None:
        """The hall pages always; the ticket pages whose number moved, or all of them."""
        old, self._events = self._events, {g: asyncio.Event() for g in GROUPS}
        for g in GROUPS:
            if g in old:
                old[g].set()
        if everyone:
            self._all_seq += 1  # every mark is old now: the per-number counts can start again
            self._ticket_seq = {}
            waiting, self._ticket_events = self._ticket_events, {}
            for ev in waiting.values():
                ev.set()
            return
        for n in self._dirty:
            self._ticket_seq[n] = self._ticket_seq.get(n, 0) + 1
            if n in self._ticket_events:
                self._ticket_events.pop(n).set()

    async def changed(self, seen: int, group: str = "hall") -> int:
        """The version after `seen` (at once if it is already there), or `seen` again at the next
        tick (every `tick_s`: the streams' keep-alive and stale check). One shared tick instead of
        a timeout per stream: `asyncio.wait_for` costs each of 1,000 streams a task per wake."""
        if self.version != seen:
            return self.version
        ev = self._events.get(group)
        if ev is None:
            raise RuntimeError("GatewayBus.start() was not awaited")
        await ev.wait()
        return self.version

    def ticket_mark(self, number: str) -> tuple[int, int]:
        """Where ticket `number`'s page stands: take it before reading the view, hand it to
        `ticket_changed` after sending, and no change in between is missed."""
        return self._all_seq, self._ticket_seq.get(number, 0)

    async def ticket_changed(self, number: str, mark: tuple[int, int]) -> None:
        """Return once something that may change `number`'s page arrived after `mark` (its place,
        its window, its skip, the controller's status, a new day), or at the next tick. A burst
        that moves other tickets only wakes nobody here: 1,000 pages of other services cost nothing."""
        if self.ticket_mark(number) != mark:
            return
        if self._loop is None:
            raise RuntimeError("GatewayBus.start() was not awaited")
        ev = self._ticket_events.get(number)
        if ev is None:
            ev = self._ticket_events[number] = asyncio.Event()
        await ev.wait()

    async def _tick(self) -> None:
        while True:
            await asyncio.sleep(self.tick_s)  # a period, not a wait for something
            self._wake(everyone=True)

    # commands (for the booking platform's routers) --------------------------------------
    async def send(self, command: str, args: dict[str, Any], *, timeout: float = 5.0) -> Reply:
        """`cmd/gateway/{command}` and its typed reply, off the loop; timed into
        `tideq_gateway_command_seconds` by the metrics listener (`on_command`)."""
        if self.client is None:
            raise RuntimeError("the gateway has no broker connection")
        start = time.perf_counter()
        try:
            return await asyncio.to_thread(self.client.send, command, args, timeout=timeout)
        finally:
            for hook in self.command_hooks:
                hook(command, time.perf_counter() - start)
