"""Drive one LED strip line from the MQTT contract (`state/windows`, `event/call`).

paho's callbacks only enqueue; one worker thread owns the serial line, so a slow or dead strip
never stalls the network thread, and commands to several strips go out one at a time. The worker
also reopens a lost port, probes offline strips and publishes the line's health, retained.
"""
from __future__ import annotations

import json
import logging
import queue
import threading
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from enum import Enum
from typing import Any

from tideq.contract import BusClient, now_iso
from tideq.config.schema import HallConfig, SerialBus, Window

from tideq.drivers.ledstrip.driver import Display, LedStripBus, StripState
from tideq.drivers.ledstrip.errors import LedStripError, PortUnavailable, StripNak, StripOffline, StripTimeout
from .render import LedTexts, WindowStatus, WindowView, call_display, parse_windows, state_display

log = logging.getLogger(__name__)


class Health(Enum):
    OK = "ok"
    DEGRADED = "degraded"
    OFFLINE = "offline"


@dataclass
class _Flash:
    ticket: str
    display: Display
    until: float


_STOP = object()


class LedStripController:
    def __init__(self, client: BusClient, bus: SerialBus, windows: Iterable[Window], *,
                 texts: LedTexts = LedTexts(), flash_s: float = 10.0, reopen_s: float = 2.0,
                 driver: LedStripBus | None = None, clock: Callable[[], float] = time.monotonic) -> None:
        if bus.kind != "led":
            raise LedStripError(f"serial bus {bus.id} is kind {bus.kind!r}, not 'led'")
        self.client = client
        self.bus_id = bus.id
        self.texts = texts
        self.flash_s = flash_s
        self.reopen_s = reopen_s
        self.clock = clock
        on_line = set(bus.addresses)  # empty: every window with a strip is on this line
        self.windows = {w.id: w for w in windows
                        if w.led_address is not None and (not on_line or w.led_address in on_line)}
        self.addr_of = {w.id: w.led_address for w in self.windows.values() if w.led_address is not None}
        self.driver = driver or LedStripBus(bus.url, sorted(set(self.addr_of.values())), baudrate=bus.baudrate,
                                            timeout_s=bus.timeout_ms / 1000, retries=bus.retries, clock=clock)
        self._views: dict[str, WindowView] = {}
        self._flash: dict[str, _Flash] = {}
        self._sent: dict[int, Display] = {}
        self._health: dict[str, Any] | None = None
        self._next_open = 0.0
        self._q: queue.Queue[object] = queue.Queue()
        self._thread = threading.Thread(target=self._run, name=f"ledstrip-{bus.id}", daemon=True)

    @classmethod
    def from_hall(cls, client: BusClient, hall: HallConfig, bus_id: str, **kw: Any) -> LedStripController:
        bus = next((b for b in hall.devices.serial_buses if b.id == bus_id), None)
        if bus is None:
            raise LedStripError(f"no serial bus {bus_id!r} in the hall config; add it under [[devices.serial_buses]]")
        return cls(client, bus, hall.windows, **kw)

    # lifecycle ---------------------------------------------------------------------------
    def start(self) -> LedStripController:
        self._thread.start()
        # calls first: once the retained state/windows arrives, the broker (which handles one
        # client's packets in order) has the call subscription too, so no call falls in between
        self.client.subscribe(self.client.topics.event("call"), self._enqueue("call"))
        self.client.subscribe(self.client.topics.state("windows"), self._enqueue("windows"))
        return self

    def stop(self) -> None:
        self._q.put(_STOP)
        self._thread.join(5)
        self.driver.close()

    def _enqueue(self, kind: str) -> Callable[[str, bytes], None]:
        def handler(topic: str, payload: bytes) -> None:
            try:
                body = json.loads(payload)
            except ValueError:
                log.warning("unreadable JSON on %s", topic)
                return
            if isinstance(body, dict):
                self._q.put((kind, body))
        return handler

    # worker ------------------------------------------------------------------------------
    def _run(self) -> None:
        self._sync()
        while True:
            try:
                item = self._q.get(timeout=self._wait_s())
            except queue.Empty:
                item = None
            if item is _STOP:
                return
            try:
                if item is not None:
                    kind, body = item  # type: ignore[misc]
                    self._apply_windows(body) if kind == "windows" else self._apply_call(body)
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

    def _apply_windows(self, body: dict[str, Any]) -> None:
        for v in parse_windows(body):
            if v.id not in self.addr_of:
                continue
            self._views[v.id] = v
            f = self._flash.get(v.id)
            if f and (v.status is not WindowStatus.SERVING or (v.ticket and v.ticket != f.ticket)):
                del self._flash[v.id]  # the call is over (paused, closed, next ticket)

    def _apply_call(self, body: dict[str, Any]) -> None:
        wid, ticket = str(body.get("window")), body.get("ticket")
        w = self.windows.get(wid)
        if w is None or not ticket:
            return
        self._flash[wid] = _Flash(str(ticket), call_display(str(ticket), w.name.zh, self.texts),
                                  self.clock() + self.flash_s)

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
            self.driver.probe_offline()
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
        except (StripOffline, StripTimeout) as err:
            log.info("%s", err)  # the driver remembers it and replays on recovery
        except StripNak as err:
            log.warning("%s", err)
        self._sent[addr] = want

    # health ------------------------------------------------------------------------------
    def health(self) -> dict[str, Any]:
        if self.driver.is_open:
            strips = {str(a): s.value for a, s in sorted(self.driver.states().items())}
        else:
            strips = {str(a): StripState.OFFLINE.value for a in sorted(self.driver.strips)}
        offline = sum(1 for s in strips.values() if s == StripState.OFFLINE.value)
        state = Health.OK if not offline else Health.OFFLINE if offline == len(strips) else Health.DEGRADED
        return {"v": 1, "device": self.bus_id, "kind": "ledstrip", "state": state.value, "strips": strips}

    def _publish_health(self) -> None:
        h = self.health()
        if h == self._health:
            return
        self._health = h
        self.client.publish(self.client.topics.health(self.bus_id), {**h, "ts": now_iso()}, qos=1, retain=True)
