"""ManagerModel: the whole hall as the hall manager sees it, and the manager's `cmd/tidal` commands.

It folds the retained `state/services`, `state/windows`, `state/tidal`, `sensor/crowd/+` and
`health/+`, keeps the day's decisions from `event/tidal` (newest first, bounded), sends
open/close/confirm/decline through the Qt bus (off the GUI thread) and turns each reply into a
bilingual `Result` carrying the controller's message and guide. One command at a time, like the
caller terminal: a double tap on Confirm must not become confirm + `no_proposal`. Views
(manager.py, manager_panels.py) subscribe to `changed(Part)` and only render.
"""
from __future__ import annotations

import time
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from datetime import datetime
from enum import Enum
from typing import Any

from PySide6.QtCore import QObject, Signal

from tideq.config.schema import HallConfig

from .state import (CROWD_MAX_AGE_S, HEALTH_MAX_AGE_S, Bi, CrowdReading, DeviceHealth, LogEntry, Mode,
                            OpenTidal, Proposal, ServiceLine, Severity, TidalView, WindowTile, parse_crowd, parse_event,
                            parse_health, parse_services, parse_tidal, parse_windows)
from .texts import Names
from tideq.counter.terminal_model import Bus, Lang, Link, Outcome, now_local

LOG_SIZE = 200


class Part(str, Enum):
    """Which part of the picture changed (views re-render only that panel)."""

    SERVICES = "services"
    WINDOWS = "windows"
    TIDAL = "tidal"
    CROWD = "crowd"
    HEALTH = "health"
    LOG = "log"
    COMMAND = "command"   # pending command or last result
    LINK = "link"
    LANG = "lang"


class TidalAction(str, Enum):
    OPEN = "open"
    CLOSE = "close"
    CONFIRM = "confirm"
    DECLINE = "decline"


@dataclass(frozen=True)
class Command:
    action: TidalAction
    window: str
    service: str | None = None
    cid: str = ""


@dataclass(frozen=True)
class Result:
    """The controller's answer to one command (or the bus's `controller_unreachable`)."""

    outcome: Outcome
    command: Command
    text: Bi
    guide: Bi = field(default_factory=dict)
    code: str = ""

    def say(self, lang: Lang) -> tuple[str, str]:
        return self.text.get(lang.value, ""), self.guide.get(lang.value, "")


@dataclass(frozen=True)
class CrowdCell:
    """A service's zone as the services table shows it."""

    zone: str | None
    reading: CrowdReading | None
    age_s: float | None

    @property
    def fresh(self) -> bool:
        return self.age_s is not None and self.age_s <= CROWD_MAX_AGE_S


@dataclass(frozen=True)
class HealthCell:
    device: str
    kind: str
    health: DeviceHealth | None   # None: configured but never reported
    age_s: float | None

    @property
    def severity(self) -> Severity:
        if self.health is None:
            return Severity.UNKNOWN
        if self.age_s is not None and self.age_s > HEALTH_MAX_AGE_S and self.health.severity is Severity.OK:
            return Severity.WARN   # "ok" from long ago is not ok now
        return self.health.severity


_DONE = {
    TidalAction.OPEN: ("已开放{w}办理{s}", "{w} is open for {s}"),
    TidalAction.CLOSE: ("已关闭{w}", "{w} is closed"),
    TidalAction.CONFIRM: ("已确认：{w}", "Confirmed: {w}"),
    TidalAction.DECLINE: ("已拒绝建议：{w}", "Declined the proposal for {w}"),
}


class ManagerModel(QObject):
    changed = Signal(object)   # Part
    result = Signal(object)    # Result, after every command
    logged = Signal(object)    # LogEntry, for each decision as it arrives

    def __init__(self, bus: Bus, hall: HallConfig, *, now: Callable[[], datetime] = now_local,
                 lang: Lang = Lang.ZH, log_size: int = LOG_SIZE, parent: QObject | None = None) -> None:
        """`now` is the wall clock: crowd and health `ts` come from devices' own clocks, not the hall's."""
        super().__init__(parent)
        self.bus, self.hall, self.now, self.lang = bus, hall, now, lang
        self.names = Names(hall)
        self._zones = {s.id: s.zone for s in hall.services}
        self._pool = {w.id for w in hall.windows if w.tidal_pool}
        self.services: list[ServiceLine] = []
        self.windows: list[WindowTile] = []
        self.tidal = TidalView(Mode(hall.tidal.mode) if hall.tidal.mode in Mode._value2member_map_ else Mode.UNKNOWN,
                               (), (), (), frozenset())
        self.crowd: dict[str, CrowdReading] = {}
        self.health: dict[str, DeviceHealth] = {}
        self.log: deque[LogEntry] = deque(maxlen=log_size)
        self.link = Link.CONNECTING
        self.controller_online: bool | None = None
        self.last_state = 0.0   # monotonic time of the last state message
        self.pending: Command | None = None
        self.last: Result | None = None
        self._tag = "manager"
        bus.message.connect(self._on_message)
        bus.connection.connect(self._on_connection)
        bus.reply.connect(self._on_reply)
        t = bus.topics
        for topic in (t.state("services"), t.state("windows"), t.state("tidal"), t.status_controller, t.event("tidal"),
                      t.sensor_crowd("+"), t.health("+")):
            bus.subscribe(topic)

    # ------------------------------------------------------------------ reading
    @property
    def mode(self) -> Mode:
        return self.tidal.mode

    @property
    def proposals(self) -> tuple[Proposal, ...]:
        return self.tidal.proposals

    @property
    def open_tidal(self) -> tuple[OpenTidal, ...]:
        return self.tidal.open

    def crowd_for(self, service: str) -> CrowdCell:
        zone = self._zones.get(service)
        reading = self.crowd.get(zone) if zone else None
        return CrowdCell(zone, reading, self._age(reading.ts) if reading else None)

    def device_cells(self) -> list[HealthCell]:
        """Every device the hall file names (printers, kiosks, serial buses, cameras), then any other
        that reported, so a device that never said a word shows up as unknown rather than not at all."""
        d = self.hall.devices
        expected = [(p.id, "printer") for p in d.printers] + [(k.id, "kiosk") for k in d.kiosks]
        expected += [(b.id, {"led": "ledstrip", "keypad": "keypad-bus", "evaluator": "evaluator-bus"}.get(b.kind, b.kind))
                     for b in d.serial_buses]
        expected += [(c.id, "camera") for c in d.cameras]
        seen = {dev for dev, _ in expected}
        expected += [(dev, h.kind) for dev, h in sorted(self.health.items()) if dev not in seen]
        out = []
        for dev, kind in expected:
            h = self.health.get(dev)
            out.append(HealthCell(dev, h.kind if h and h.kind else kind, h, self._age(h.ts) if h and h.ts else None))
        return out

    def pool_windows(self) -> list[str]:
        return [w.id for w in self.hall.windows if w.tidal_pool]

    def free_pool_windows(self) -> list[str]:
        opened = {o.window for o in self.tidal.open}
        return [w for w in self.pool_windows() if w not in opened]

    def stale_s(self, monotonic: Callable[[], float] = time.monotonic) -> float | None:
        """Seconds since the last state message (the controller republishes every 10 s)."""
        return monotonic() - self.last_state if self.last_state else None

    def set_lang(self, lang: Lang) -> None:
        self.lang = lang
        self.changed.emit(Part.LANG)

    def _age(self, ts: datetime) -> float:
        return max(0.0, (self.now() - ts).total_seconds())

    # ------------------------------------------------------------------ acting
    def confirm(self, window: str) -> bool:
        return self._send(Command(TidalAction.CONFIRM, window))

    def decline(self, window: str) -> bool:
        return self._send(Command(TidalAction.DECLINE, window))

    def close(self, window: str) -> bool:
        return self._send(Command(TidalAction.CLOSE, window))

    def open(self, window: str, service: str, reason: str = "") -> bool:
        return self._send(Command(TidalAction.OPEN, window, service), reason.strip()[:200])

    def _send(self, cmd: Command, reason: str = "") -> bool:
        """Send one `cmd/tidal`; False (nothing sent) while another is in flight."""
        if self.pending is not None:
            return False
        body: dict[str, Any] = {"action": cmd.action.value, "window": cmd.window}
        if cmd.service:
            body["service"] = cmd.service
        if reason:
            body["reason"] = reason
        cid = self.bus.request("tidal", body, self._tag)
        self.pending = Command(cmd.action, cmd.window, cmd.service, cid)
        self.changed.emit(Part.COMMAND)
        return True

    def _on_reply(self, tag: str, reply: dict[str, Any]) -> None:
        cmd = self.pending
        if tag != self._tag or cmd is None or reply.get("id") != cmd.cid:
            return
        self.pending = None
        if reply.get("ok"):
            service = (reply.get("tidal") or {}).get("service") or cmd.service
            w = {lang: self.names.short_window(cmd.window, lang) for lang in Lang}
            s = {lang: self.names.short_service(service, lang) for lang in Lang}
            zh, en = _DONE[cmd.action]
            msg = Result(Outcome.OK, cmd, {"zh": zh.format(w=w[Lang.ZH], s=s[Lang.ZH]),
                                           "en": en.format(w=w[Lang.EN], s=s[Lang.EN])}, {}, "ok")
        else:
            err = reply.get("error") or {}
            code = str(err.get("code", ""))
            outcome = Outcome.UNREACHABLE if code == "controller_unreachable" else Outcome.REFUSED
            msg = Result(outcome, cmd, dict(err.get("message") or {}), dict(err.get("guide") or {}), code)
        self.last = msg
        self.changed.emit(Part.COMMAND)
        self.result.emit(msg)

    # ------------------------------------------------------------------ subscriptions
    def _on_connection(self, up: bool) -> None:
        self.link = Link.ONLINE if up else Link.OFFLINE
        self.changed.emit(Part.LINK)

    def _on_message(self, topic: str, data: object) -> None:
        t = self.bus.topics
        if topic == t.status_controller:
            self.controller_online = data == "online" if data else None
            self.changed.emit(Part.LINK)
            return
        part = self._fold(topic, data, t.sensor_crowd(""), t.health(""))
        if part is not None:
            self.changed.emit(part)

    def _fold(self, topic: str, data: object, crowd_prefix: str, health_prefix: str) -> Part | None:
        t = self.bus.topics
        if topic.startswith(crowd_prefix):
            zone = topic.removeprefix(crowd_prefix)
            reading = parse_crowd(zone, data) if isinstance(data, dict) else None
            if reading is None:
                self.crowd.pop(zone, None)   # cleared retained reading, or not the contract's shape
            else:
                self.crowd[zone] = reading
            return Part.CROWD
        if topic.startswith(health_prefix):
            device = topic.removeprefix(health_prefix)
            if isinstance(data, dict):
                self.health[device] = parse_health(device, data)
            else:
                self.health.pop(device, None)
            return Part.HEALTH
        if topic == t.event("tidal"):
            if not isinstance(data, dict):
                return None
            entry = parse_event(data)
            self.log.appendleft(entry)
            self.logged.emit(entry)
            return Part.LOG
        if not isinstance(data, dict):
            return None   # a cleared retained state topic
        self.last_state = time.monotonic()
        if topic == t.state("services"):
            self.services = parse_services(data, self._zones)
            return Part.SERVICES
        if topic == t.state("windows"):
            self.windows = parse_windows(data, self._pool)
            return Part.WINDOWS
        if topic == t.state("tidal"):
            view = parse_tidal(data)
            if "mode" not in data:   # a controller older than `mode`: keep what the hall file says
                view = replace(view, mode=self.tidal.mode)
            self.tidal = view
            if not self.log and isinstance(data.get("decisions"), list):   # started mid-day: seed the log
                self.log.extend(parse_event(d) for d in data["decisions"] if isinstance(d, dict))
            return Part.TIDAL
        return None
