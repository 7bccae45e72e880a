"""ManagerModel: the whole hall as the hall manager sees it, and the manager's `cmd/tidal` commands.

It folds the retained `state/services`, `state/windows`, `state/tidal`, `sensor/crowd/+` and
`health/+` (typed messages of the contract), keeps the day's decisions from `event/tidal`
(newest first, bounded), sends open/close/confirm/decline through the Qt bus (off the GUI thread)
and turns each typed reply into a bilingual `Result` carrying the controller's message and guide.
One command at a time, like the caller terminal: a double tap on Confirm must not become
confirm + `no_proposal`. Views (console.py, panels.py) subscribe to `changed(Part)` and only render.
"""

from __future__ import annotations

import time
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from enum import Enum
from typing import Any

from PySide6.QtCore import QObject, Signal

from tideq.config.schema import HallConfig
from tideq.contract import (
    BiText,
    ControllerStatus,
    CrowdReading,
    DeviceKind,
    ErrorCode,
    Health,
    HealthState,
    Lang,
    OpenTidal,
    ProposalItem,
    Reply,
    ServiceItem,
    ServicesState,
    StaffItem,
    TidalCommand,
    TidalEvent,
    TidalKind,
    TidalMode,
    TidalState,
    WindowItem,
    WindowsState,
)
from tideq.ui.bus_protocol import Bus
from tideq.ui.link import UNHEARD, Link, Unheard
from tideq.ui.outcome import Outcome, outcome_of
from tideq.ui.presence import wall_now

from .state import CROWD_MAX_AGE_S, HEALTH_MAX_AGE_S, LogEntry, Severity, log_entry, severity_of
from .texts import Names

LOG_SIZE = 200
STAFF_KINDS = (DeviceKind.COUNTER, DeviceKind.EVALUATOR)  # one per window: the healthy ones are counted
BUS_KINDS = {"led": DeviceKind.LEDSTRIP, "keypad": DeviceKind.KEYPAD_BUS, "evaluator": DeviceKind.EVALUATOR_BUS}


class Part(str, Enum):
    """Which part of the picture changed (views re-render only that panel)."""

    SERVICES = "services"
    WINDOWS = "windows"
    TIDAL = "tidal"
    CROWD = "crowd"
    HEALTH = "health"
    LOG = "log"
    COMMAND = "command"  # pending command or last result
    LINK = "link"
    LANG = "lang"


@dataclass(frozen=True)
class Command:
    action: TidalCommand
    window: str
    service: str | None = None
    cid: str = ""


@dataclass(frozen=True)
class Result:
    """The controller's answer to one command (or the bus's `controller_unreachable`)."""

    outcome: Outcome
    command: Command
    text: BiText
    guide: BiText | None = None
    code: ErrorCode | None = None  # the refusal's code

    def say(self, lang: Lang) -> tuple[str, str]:
        return self.text.pick(lang), self.guide.pick(lang) if self.guide else ""


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
    kind: DeviceKind
    health: Health | None  # None: configured but never reported
    age_s: float | None

    @property
    def severity(self) -> Severity:
        if self.health is None:
            return Severity.UNKNOWN
        if self.age_s is not None and self.age_s > HEALTH_MAX_AGE_S and severity_of(self.health) is Severity.OK:
            return Severity.WARN  # "ok" from long ago is not ok now
        return severity_of(self.health)


@dataclass(frozen=True)
class Unattended:
    """An open window nobody is serving at (`unattended_since` in state/windows): the controller no
    longer counts it in the announced waits; the manager should staff it or pause it."""

    window: WindowItem
    away_s: float  # since when nobody has called, by the controller's clock (the state's `ts`)
    waiting: int  # visitors of its services waiting


@dataclass(frozen=True)
class DeviceGroup:
    """Staff devices of one kind that are all fine, shown as one count rather than a chip each."""

    kind: DeviceKind
    devices: tuple[str, ...]


_DONE = {
    TidalCommand.OPEN: ("已开放{w}办理{s}", "{w} is open for {s}"),
    TidalCommand.CLOSE: ("已关闭{w}", "{w} is closed"),
    TidalCommand.CONFIRM: ("已确认：{w}", "Confirmed: {w}"),
    TidalCommand.DECLINE: ("已拒绝建议：{w}", "Declined the proposal for {w}"),
}
_NO_ANSWER = BiText(zh="操作未完成", en="not done")
_DECIDED = (TidalKind.OPENED, TidalKind.CLOSED)  # what state/tidal.decisions lists


def _key(e: LogEntry) -> tuple[datetime, TidalKind, str | None]:
    return e.at, e.kind, e.window


class ManagerModel(QObject):
    changed = Signal(object)  # Part
    result = Signal(object)  # Result, after every command
    logged = Signal(object)  # LogEntry, for each decision as it arrives

    def __init__(
        self,
        bus: Bus,
        hall: HallConfig,
        *,
        now: Callable[[], datetime] = wall_now,
        lang: Lang = Lang.ZH,
        log_size: int = LOG_SIZE,
        parent: QObject | None = None,
    ) -> None:
        """`now` is the wall clock: crowd and health `ts` come from devices' own clocks, not the hall's."""
        super().__init__(parent)
        self.bus, self.hall, self.now, self.lang = bus, hall, now, lang
        self.names = Names(hall)
        self._zones = {s.id: s.zone for s in hall.services}
        self._pool = {w.id for w in hall.windows if w.tidal_pool}
        self.services: list[ServiceItem] = []
        self.windows: list[WindowItem] = []
        self.staff: list[StaffItem] = []  # today's clerks and their figures (state/windows `staff`)
        self.windows_ts: datetime | None = None  # the controller's clock when it published them
        self.tidal = TidalState(ts=now(), mode=TidalMode(hall.tidal.mode))  # the hall file's mode until state/tidal
        self.crowd: dict[str, CrowdReading] = {}
        self.health: dict[str, Health] = {}
        self.log: deque[LogEntry] = deque(maxlen=log_size)
        self.link = Link.CONNECTING
        self.controller: ControllerStatus | Unheard = UNHEARD
        self.last_state = 0.0  # monotonic time of the last state message
        self.pending: Command | None = None
        self.last: Result | None = None
        self._tag = "manager"
        bus.message.connect(self._on_message)
        bus.cleared.connect(self._on_cleared)
        bus.connection.connect(self._on_connection)
        bus.answered.connect(self._on_reply)
        t = bus.topics
        for topic, model in (
            (t.state("services"), ServicesState),
            (t.state("windows"), WindowsState),
            (t.state("tidal"), TidalState),
            (t.event("tidal"), TidalEvent),
            (t.sensor_crowd("+"), CrowdReading),
            (t.health("+"), Health),
        ):
            bus.subscribe(topic, model)
        bus.subscribe(t.status_controller)

    # ------------------------------------------------------------------ reading
    @property
    def mode(self) -> TidalMode:
        return self.tidal.mode

    @property
    def proposals(self) -> list[ProposalItem]:
        return self.tidal.proposals

    @property
    def open_tidal(self) -> list[OpenTidal]:
        return self.tidal.open

    def is_pool(self, window: str) -> bool:
        return window in self._pool

    def crowd_for(self, service: str) -> CrowdCell:
        zone = self._zones.get(service)
        reading = self.crowd.get(zone) if zone else None
        return CrowdCell(zone, reading, self._age(reading.ts) if reading else None)

    def device_cells(self) -> list[HealthCell]:
        """Every device the hall file names (printers, kiosks, boards, serial buses, cameras), then any
        other that reported (caller terminals, tablets, consoles), so a device that never said a word
        shows up as unknown rather than not at all."""
        d = self.hall.devices
        expected = [(p.id, DeviceKind.PRINTER) for p in d.printers] + [(k.id, DeviceKind.KIOSK) for k in d.kiosks]
        expected += [(b.id, DeviceKind.BOARD) for b in d.boards]
        expected += [(b.id, BUS_KINDS[b.kind]) for b in d.serial_buses]
        expected += [(c.id, DeviceKind.CAMERA) for c in d.cameras]
        seen = {dev for dev, _ in expected}
        expected += [(dev, h.kind) for dev, h in sorted(self.health.items()) if dev not in seen]
        out = []
        for dev, kind in expected:
            h = self.health.get(dev)
            out.append(HealthCell(dev, h.kind if h else kind, h, self._age(h.ts) if h else None))
        return out

    def device_state(self, device: str) -> HealthState | Unheard:
        """The last health `device` reported (UNHEARD if none)."""
        h = self.health.get(device)
        return h.state if h else UNHEARD

    def devices_shown(self) -> tuple[list[HealthCell], list[DeviceGroup]]:
        """What the devices strip shows: each device on its own, except the many staff screens (a
        terminal and a tablet per window) that are fine, which are counted per kind, so the one
        that went offline stands out."""
        cells: list[HealthCell] = []
        fine: dict[DeviceKind, list[str]] = {kind: [] for kind in STAFF_KINDS}
        for c in self.device_cells():
            if c.kind in fine and c.severity is Severity.OK:
                fine[c.kind].append(c.device)
            else:
                cells.append(c)
        return cells, [DeviceGroup(kind, tuple(devs)) for kind, devs in fine.items() if devs]

    def unattended(self) -> list[Unattended]:
        """Open windows nobody serves at, longest first (tidal windows nobody walked over to, clerks
        who left without pausing)."""
        waiting = {s.id: s.waiting for s in self.services}
        out = [
            Unattended(
                w,
                max(0.0, ((self.windows_ts or w.unattended_since) - w.unattended_since).total_seconds()),
                sum(waiting.get(s, 0) for s in w.services),
            )
            for w in self.windows
            if w.unattended_since is not None
        ]
        return sorted(out, key=lambda u: -u.away_s)

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
        return self._send(Command(TidalCommand.CONFIRM, window))

    def decline(self, window: str) -> bool:
        return self._send(Command(TidalCommand.DECLINE, window))

    def close(self, window: str) -> bool:
        return self._send(Command(TidalCommand.CLOSE, window))

    def open(self, window: str, service: str, reason: str = "") -> bool:
        return self._send(Command(TidalCommand.OPEN, window, service), reason.strip()[:200])

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

    def _on_reply(self, tag: str, reply: Reply) -> None:
        cmd = self.pending
        if tag != self._tag or cmd is None or reply.id != cmd.cid:
            return
        self.pending = None
        if reply.ok:
            service = reply.tidal.service if reply.tidal and reply.tidal.service else cmd.service
            w = {lang: self.names.short_window(cmd.window, lang) for lang in Lang}
            s = {lang: self.names.short_service(service, lang) for lang in Lang}
            zh, en = _DONE[cmd.action]
            msg = Result(
                Outcome.OK,
                cmd,
                BiText(zh=zh.format(w=w[Lang.ZH], s=s[Lang.ZH]), en=en.format(w=w[Lang.EN], s=s[Lang.EN])),
            )
        else:
            err = reply.error
            msg = Result(
                outcome_of(reply), cmd, err.message if err else _NO_ANSWER, err.guide if err else None, reply.code
            )
        self.last = msg
        self.changed.emit(Part.COMMAND)
        self.result.emit(msg)

    # ------------------------------------------------------------------ subscriptions
    def _on_connection(self, up: bool) -> None:
        self.link = Link.ONLINE if up else Link.OFFLINE
        self.changed.emit(Part.LINK)

    def _on_message(self, topic: str, msg: object) -> None:
        t = self.bus.topics
        if topic == t.status_controller:
            if isinstance(msg, str) and msg in ControllerStatus._value2member_map_:
                self.controller = ControllerStatus(msg)
                self.changed.emit(Part.LINK)
            return
        part = self._fold(topic, msg)
        if part is not None:
            self.changed.emit(part)

    def _fold(self, topic: str, msg: object) -> Part | None:
        t = self.bus.topics
        if isinstance(msg, CrowdReading) and topic.startswith(t.sensor_crowd("")):
            self.crowd[topic.removeprefix(t.sensor_crowd(""))] = msg
            return Part.CROWD
        if isinstance(msg, Health) and topic.startswith(t.health("")):
            self.health[topic.removeprefix(t.health(""))] = msg  # the topic is what the ACL binds to a login
            return Part.HEALTH
        if isinstance(msg, TidalEvent) and topic == t.event("tidal"):
            entry = log_entry(msg)
            self.log.appendleft(entry)
            self.logged.emit(entry)
            return Part.LOG
        if isinstance(msg, ServicesState) and topic == t.state("services"):
            self.services = msg.services
            part = Part.SERVICES
        elif isinstance(msg, WindowsState) and topic == t.state("windows"):
            self.windows, self.windows_ts, self.staff = msg.windows, msg.ts, msg.staff
            part = Part.WINDOWS
        elif isinstance(msg, TidalState) and topic == t.state("tidal"):
            self.tidal = msg
            if self._merge_decisions(msg):
                self.changed.emit(Part.LOG)
            part = Part.TIDAL
        else:
            return None
        self.last_state = time.monotonic()
        return part

    def _merge_decisions(self, msg: TidalState) -> bool:
        """Fold `state/tidal.decisions` (the controller's own fold of today's openings and closings,
        newest first) into the log; True if the log changed.

        The state is the truth for the day's openings and closings up to its `ts`, whenever the
        console started: a console that first saw an older retained snapshot (published before the
        last decision, or by an earlier controller) takes every later one too, instead of keeping the
        first it saw. A live event of the same decision is kept in its place (it carries the policy's
        inputs, the state only who decided). Live events the state does not list stay: warnings,
        proposals and declines, an opening newer than the snapshot, or one older than the decisions
        the state still lists (it keeps the latest 50). Entries of another hall day are dropped."""
        day = msg.ts.date()
        shown = [log_entry(d) for d in msg.decisions]
        live = {_key(e): e for e in self.log}
        keys = {_key(e) for e in shown}
        oldest = shown[-1].at if shown else None

        def keep(e: LogEntry) -> bool:
            if _key(e) in keys or e.at.astimezone(msg.ts.tzinfo).date() != day:
                return False
            if e.kind not in _DECIDED:
                return True
            return e.at > msg.ts or (oldest is not None and e.at < oldest)

        merged = [live.get(_key(e), e) for e in shown] + [e for e in self.log if keep(e)]
        merged.sort(key=lambda e: e.at, reverse=True)  # stable: equal times keep the state's order
        merged = merged[: self.log.maxlen]
        if merged == list(self.log):
            return False
        self.log.clear()
        self.log.extend(merged)
        return True

    def _on_cleared(self, topic: str) -> None:
        """A retained reading was cleared (a camera or device taken out of service): forget it."""
        crowd, health = self.bus.topics.sensor_crowd(""), self.bus.topics.health("")
        if topic.startswith(crowd) and topic.removeprefix(crowd) in self.crowd:
            del self.crowd[topic.removeprefix(crowd)]
            self.changed.emit(Part.CROWD)
        elif topic.startswith(health) and topic.removeprefix(health) in self.health:
            del self.health[topic.removeprefix(health)]
            self.changed.emit(Part.HEALTH)
