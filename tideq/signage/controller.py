"""Drive one LED strip line from the MQTT contract (`state/windows`, `event/call`).

paho's callbacks only enqueue; one worker thread owns the serial line, so a slow or dead strip
never stalls the network thread, and commands to several strips go out one at a time. The worker
also reopens a lost port, probes quiet strips and publishes the line's health, retained.
"""

from __future__ import annotations

import logging
import queue
import threading
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from tideq.config.schema import HallConfig, SerialBus, Window
from tideq.contract import BusClient, CallEvent, Health, Message, WindowsState, WindowStatus
from tideq.drivers.ledstrip.driver import Display, LedStripBus
from tideq.drivers.ledstrip.errors import PortUnavailable, StripNak, StripQuiet, StripTimeout

from .errors import SignageConfigError
from .health import health_report
from .render import LedTexts, WindowView, call_display, state_display, window_views

log = logging.getLogger(__name__)


def strip_windows(bus: SerialBus, windows: Iterable[Window]) -> dict[str, Window]:
    """The windows whose strip hangs on `bus`: those with a `led_address` the bus lists, or every
    window with one when the bus lists no addresses."""
    on_line = set(bus.addresses)
    return {w.id: w for w in windows if w.led_address is not None and (not on_line or w.led_address in on_line)}


def strip_addresses(bus: SerialBus, windows: Iterable[Window]) -> list[int]:
    return sorted({w.led_address for w in strip_windows(bus, windows).values() if w.led_address is not None})


@dataclass
class _Flash:
    ticket: str
    display: Display
    until: float


class _Stop:
    """Put on the worker's queue by stop()."""


_STOP = _Stop()
Item = WindowsState | CallEvent


class LedStripController:
    def __init__(
        self,
        client: BusClient,
        bus: SerialBus,
        windows: Iterable[Window],
        *,
        texts: LedTexts = LedTexts(),
        flash_s: float = 10.0,
        reopen_s: float = 2.0,
        driver: LedStripBus | None = None,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        if bus.kind != "led":
            raise SignageConfigError(f"serial bus {bus.id} is kind {bus.kind!r}, not 'led'")
        self.client = client
        self.bus_id = bus.id
        self.texts = texts
        self.flash_s = flash_s
        self.reopen_s = reopen_s
        self.clock = clock
        self.windows = strip_windows(bus, windows)
        self.addr_of = {w.id: w.led_address for w in self.windows.values() if w.led_address is not None}
        self.driver = driver or LedStripBus(
            bus.url,
            strip_addresses(bus, windows),
            baudrate=bus.baudrate,
            timeout_s=bus.timeout_ms / 1000,
            retries=bus.retries,
            clock=clock,
        )
        self._views: dict[str, WindowView] = {}
        self._flash: dict[str, _Flash] = {}
        self._sent: dict[int, Display] = {}
        self._health: Health | None = None
        self._next_open = 0.0
        self._q: queue.Queue[Item | _Stop] = queue.Queue()
        self._thread = threading.Thread(target=self._run, name=f"ledstrip-{bus.id}", daemon=True)

    @classmethod
    def from_hall(cls, client: BusClient, hall: HallConfig, bus_id: str, **kw: Any) -> LedStripController:
        bus = next((b for b in hall.devices.serial_buses if b.id == bus_id), None)
        if bus is None:
            raise SignageConfigError(
                f"no serial bus {bus_id!r} in the hall config; add it under [[devices.serial_buses]]"
            )
        return cls(client, bus, hall.windows, **kw)

    # lifecycle ---------------------------------------------------------------------------
    def start(self) -> LedStripController:
        self._thread.start()
        # calls first: once the retained state/windows arrives, the broker (which handles one
        # client's packets in order) has the call subscription too, so no call falls in between
        self.client.on(self.client.topics.event("call"), CallEvent, self._enqueue)
        self.client.on(self.client.topics.state("windows"), WindowsState, self._enqueue)
        return self

    def stop(self) -> None:
        """Stop the worker, close the port and say so: the retained health turns `offline`."""
        self._q.put(_STOP)
        self._thread.join(5)
        self.driver.close()
        self._publish_health()

    def _enqueue(self, topic: str, message: Message) -> None:
        if isinstance(message, WindowsState | CallEvent):
            self._q.put(message)

    # worker ------------------------------------------------------------------------------
    def _run(self) -> None:
        self._sync()
        while True:
            item: Item | _Stop | None
            try:
                item = self._q.get(timeout=self._wait_s())
            except queue.Empty:
                item = None  # a flash ended or a probe is due
            if isinstance(item, _Stop):
                return
            try:
                if isinstance(item, WindowsState):
                    self._apply_windows(item)
                elif isinstance(item, CallEvent):
                    self._apply_call(item)
                self._sync()
            except Exception:  # the line must survive a bad message or a driver bug
                log.exception("LED strip worker step failed")

    def _wait_s(self) -> float:
        now = self.clock()
        waits = [f.until - now for f in self._flash.values()]
        probe = self.driver.next_probe_in()
        if probe is not None:
            waits.append(probe)
        if not self.driver.is_open:
            waits.append(self._next_open - now)
        return max(0.01, min(waits, default=1.0))

    def _apply_windows(self, state: WindowsState) -> None:
        for v in window_views(state):
            if v.id not in self.addr_of:
                continue
            self._views[v.id] = v
            f = self._flash.get(v.id)
            if f and (v.status is not WindowStatus.SERVING or (v.ticket and v.ticket != f.ticket)):
                del self._flash[v.id]  # the call is over (paused, closed, next ticket)

    def _apply_call(self, call: CallEvent) -> None:
        w = self.windows.get(call.window)
        if w is None:
            return
        self._flash[call.window] = _Flash(
            call.ticket, call_display(call.ticket, w.name.zh, self.texts), self.clock() + self.flash_s
        )

    def target(self, wid: str) -> Display | None:
        f = self._flash.get(wid)
        if f:
            return f.display
        v = self._views.get(wid)
        return state_display(v, self.texts) if v else None

    def _sync(self) -> None:
        now = self.clock()
        for wid in [w for w, f in self._flash.items() if f.until <= now]:
            del self._flash[wid]
        if not self._ensure_port(now):
            self._publish_health()
            return
        try:
            self.driver.probe_quiet()
            for wid, addr in self.addr_of.items():
                want = self.target(wid)
                if want is None or self._sent.get(addr) == want:
                    continue
                self._send(addr, want)
        except PortUnavailable as err:
            log.warning("%s", err)
            self._sent.clear()
            self._next_open = self.clock() + self.reopen_s
        self._publish_health()

    def _ensure_port(self, now: float) -> bool:
        if self.driver.is_open:
            return True
        if now < self._next_open:
            return False
        try:
            self.driver.open()
        except PortUnavailable as err:
            log.warning("%s; retrying in %.0fs", err, self.reopen_s)
            self._next_open = now + self.reopen_s
            return False
        self._sent.clear()
        return True

    def _send(self, addr: int, want: Display) -> None:
        try:
            if want.text is None:
                self.driver.clear(addr)
            else:
                self.driver.show(addr, want.text, want.mode)
        except (StripQuiet, StripTimeout) as err:
            log.info("%s", err)  # the driver remembers it and replays on recovery
        except StripNak as err:
            log.warning("%s", err)
        self._sent[addr] = want

    # health ------------------------------------------------------------------------------
    def health(self) -> Health:
        """The line's health report: strips ok / quiet (not answering) / offline (port down)."""
        return health_report(self.bus_id, self.driver.health(), datetime.now().astimezone())

    def _publish_health(self) -> None:
        h = self.health()
        if self._health is not None and h.model_copy(update={"ts": self._health.ts}) == self._health:
            return  # the same report: only news goes out
        self._health = h
        self.client.publish(self.client.topics.health(self.bus_id), h, qos=1, retain=True)
