"""CallerModel: what a caller terminal knows and does for its one window, without widgets.

It folds the controller's retained `state/windows` and `state/services` into the window's view,
sends `cmd/window/{id}` commands through the Qt bus (off the GUI thread) and turns each reply
into a bilingual result message. One command at a time: a second F1 while the first is in
flight would otherwise call two visitors. The view (terminal.py) only renders these fields.
"""
from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from enum import Enum
from typing import Any, Protocol

from PySide6.QtCore import QObject, Signal

from tideq.contract import Topics
from tideq.contract.clock import ControllerClock
from tideq.config.schema import HallConfig


class Action(str, Enum):
    """The contract's window actions a terminal offers (rate belongs to the evaluator)."""

    NEXT = "next"
    RECALL = "recall"
    SKIP = "skip"
    FINISH = "finish"
    CALL = "call"
    TRANSFER = "transfer"
    PAUSE = "pause"
    RESUME = "resume"


LABELS: dict[Action, tuple[str, str]] = {
    Action.NEXT: ("顺呼", "Next"), Action.RECALL: ("重呼", "Recall"), Action.SKIP: ("过号", "No-show"),
    Action.FINISH: ("办结", "Finish"), Action.CALL: ("指定呼叫", "Call No."), Action.TRANSFER: ("转移", "Transfer"),
    Action.PAUSE: ("暂停", "Pause"), Action.RESUME: ("恢复", "Resume"),
}
DEFAULT_KEYS: dict[Action, str] = {
    Action.NEXT: "F1", Action.RECALL: "F2", Action.SKIP: "F3", Action.FINISH: "F4",
    Action.CALL: "F5", Action.TRANSFER: "F6", Action.PAUSE: "F7", Action.RESUME: "F8",
}


class Lang(str, Enum):
    ZH = "zh"
    EN = "en"


class Status(str, Enum):
    """The window's status as the contract names it; UNKNOWN until state/windows arrives."""

    UNKNOWN = "unknown"
    IDLE = "idle"
    SERVING = "serving"
    PAUSED = "paused"
    CLOSED = "closed"


class Outcome(str, Enum):
    OK = "ok"
    REFUSED = "refused"          # the controller said no, with what to do instead
    UNREACHABLE = "unreachable"  # no answer in time
    LOCAL = "local"              # never sent: the input cannot be a command


class Link(str, Enum):
    CONNECTING = "connecting"
    ONLINE = "online"
    OFFLINE = "offline"


class KeymapError(ValueError):
    """A --keys entry names no action or no key."""


def parse_keymap(text: str, base: dict[Action, str] | None = None) -> dict[Action, str]:
    """`"next=F9, recall=F10"` over the defaults; keys are Qt key sequence strings."""
    keys = dict(base or DEFAULT_KEYS)
    for item in filter(None, (x.strip() for x in text.split(","))):
        name, sep, key = item.partition("=")
        try:
            action = Action(name.strip().lower())
        except ValueError as err:
            raise KeymapError(f"{name!r} is not an action; use one of {', '.join(a.value for a in Action)}") from err
        if not sep or not key.strip():
            raise KeymapError(f"write {name.strip()}=KEY, e.g. {name.strip()}=F9")
        keys[action] = key.strip()
    clash = {k for k in keys.values() if list(keys.values()).count(k) > 1}
    if clash:
        raise KeymapError(f"key(s) {', '.join(sorted(clash))} bound to more than one action")
    return keys


@dataclass(frozen=True)
class Message:
    """A line for the status bar: the controller's message and guide, in both languages."""

    outcome: Outcome
    action: Action | None
    text: dict[str, str]
    guide: dict[str, str] = field(default_factory=dict)
    code: str = ""

    def say(self, lang: Lang) -> tuple[str, str]:
        return self.text.get(lang.value, ""), self.guide.get(lang.value, "")


@dataclass(frozen=True)
class Pending:
    """The one command in flight."""

    action: Action
    cid: str
    args: dict[str, Any]
    before: str | None   # the ticket at the window when sent (state may overtake the reply)


@dataclass(frozen=True)
class QueueLine:
    service: str
    name: dict[str, str]
    waiting: int
    eta_s: int | None
    open: bool


@dataclass(frozen=True)
class Current:
    """The ticket at the window; issued_at/called_at are known when this terminal called it."""

    number: str
    service: str | None = None
    issued_at: datetime | None = None
    called_at: datetime | None = None


@dataclass
class Totals:
    """Day totals: served from state/windows; the rest from state when the controller publishes
    them, else counted from this terminal's own acknowledged actions since it started."""

    served: int = 0
    skipped: int = 0
    transferred: int = 0
    ratings: list[int] = field(default_factory=list)
    from_state: set[str] = field(default_factory=set)

    @property
    def satisfaction(self) -> float | None:
        """Share of ratings 1..3 (非常满意/满意/基本满意); None before the first rating."""
        return sum(r <= 3 for r in self.ratings) / len(self.ratings) if self.ratings else None

    @property
    def average(self) -> float | None:
        return sum(self.ratings) / len(self.ratings) if self.ratings else None


class Bus(Protocol):
    """What the model needs of QtBus (tests and screenshots may pass any such object)."""

    message: Any
    connection: Any
    reply: Any
    topics: Topics

    def subscribe(self, topic: str) -> None: ...
    def request(self, command: str, args: dict[str, Any], tag: str, *, command_id: str | None = None) -> str: ...


_TICKET = re.compile(r"^([A-Z]?)\s*(\d{1,4})$")
_DONE = {
    Action.NEXT: ("已呼叫 {n}", "Called {n}"), Action.CALL: ("已呼叫 {n}", "Called {n}"),
    Action.RECALL: ("已重呼 {n}", "Called {n} again"), Action.SKIP: ("{n} 已过号", "{n} marked no-show"),
    Action.FINISH: ("{n} 已办结", "{n} finished"), Action.TRANSFER: ("{n} 已转至{to}", "{n} transferred to {to_en}"),
    Action.PAUSE: ("窗口已暂停", "Window paused"), Action.RESUME: ("窗口已恢复服务", "Window resumed"),
}


def now_local() -> datetime:
    return datetime.now().astimezone()


class CallerModel(QObject):
    changed = Signal()              # any displayed field changed
    result = Signal(object)         # Message, after every action (acknowledged, refused, unreachable, local)
    finished = Signal(str)          # a ticket this window finished: the evaluator asks for a rating

    def __init__(self, bus: Bus, hall: HallConfig, window: str, *, clock: Callable[[], datetime] | None = None,
                 keymap: dict[Action, str] | None = None, lang: Lang = Lang.ZH, parent: QObject | None = None) -> None:
        super().__init__(parent)
        cfg = hall.window(window)
        if cfg is None:
            raise KeyError(f"no window {window!r} in hall {hall.hall.id}; use one of {[w.id for w in hall.windows]}")
        # waiting times compare the controller's `issued_at` with the controller's own clock
        self.bus, self.hall, self.window = bus, hall, window
        self.clock: Callable[[], datetime] = clock or ControllerClock(hall.hall.timezone)
        self.name = {"zh": cfg.name.zh, "en": cfg.name.en}
        self.keymap = dict(keymap or DEFAULT_KEYS)
        self.lang = lang
        self.status = Status.UNKNOWN
        self.current: Current | None = None
        self.services: list[str] = list(cfg.services)
        self.pause_reason: str | None = None
        self.totals = Totals()
        self.queue: dict[str, QueueLine] = {}
        self.link = Link.CONNECTING
        self.controller_online: bool | None = None
        self.pending: Pending | None = None
        self.last: Message | None = None
        self._tag = f"caller:{window}"
        bus.message.connect(self._on_message)
        bus.connection.connect(self._on_connection)
        bus.reply.connect(self._on_reply)
        for name in ("windows", "services"):
            bus.subscribe(bus.topics.state(name))
        bus.subscribe(bus.topics.status_controller)

    # ------------------------------------------------------------------ reading
    def queue_lines(self) -> list[QueueLine]:
        """Waiting per service this window serves, in the window's order."""
        return [self.queue[s] for s in self.services if s in self.queue]

    def service_name(self, sid: str) -> dict[str, str]:
        svc = self.hall.service(sid)
        return {"zh": svc.name.zh, "en": svc.name.en} if svc else {"zh": sid, "en": sid}

    def window_name(self, wid: str) -> dict[str, str]:
        w = self.hall.window(wid)
        return {"zh": w.name.zh, "en": w.name.en} if w else {"zh": f"{wid}号窗口", "en": f"window {wid}"}

    def waited_s(self) -> int | None:
        """How long the visitor waited: issue to call (to now while the call time is unknown)."""
        if self.current is None or self.current.issued_at is None:
            return None
        until = self.current.called_at or self.clock()
        return max(0, int((until - self.current.issued_at).total_seconds()))

    def serving_s(self) -> int | None:
        if self.current is None or self.current.called_at is None:
            return None
        return max(0, int((self.clock() - self.current.called_at).total_seconds()))

    def set_lang(self, lang: Lang) -> None:
        self.lang = lang
        self.changed.emit()

    # ------------------------------------------------------------------ acting
    def act(self, action: Action, **args: Any) -> bool:
        """Send one window command; False if another is still in flight (nothing sent)."""
        if self.pending is not None:
            return False
        body = {"action": action.value, **{k: v for k, v in args.items() if v not in (None, "")}}
        cid = self.bus.request(f"window/{self.window}", body, self._tag)
        self.pending = Pending(action, cid, body, self.current.number if self.current else None)
        self.changed.emit()
        return True

    def call_ticket(self, text: str) -> bool:
        """Call a given number out of order (green channel); `7` means the window's only letter."""
        number = self.normalise_ticket(text)
        if number is None:
            letters = "/".join(filter(None, (self._prefix(s) for s in self.services))) or "A"
            self._local(Action.CALL, ("请输入号码，如 {l}007", "Type a number such as {l}007"), letters)
            return False
        return self.act(Action.CALL, ticket=number)

    def transfer(self, to_service: str | None = None, to_window: str | None = None, note: str = "") -> bool:
        if not to_service and not to_window:
            self._local(Action.TRANSFER, ("请选择转移到的业务或窗口", "Choose a service or a window to transfer to"))
            return False
        return self.act(Action.TRANSFER, to_service=to_service, to_window=to_window, reason=note.strip()[:200])

    def pause(self, reason: str = "") -> bool:
        return self.act(Action.PAUSE, reason=reason.strip()[:200])

    def normalise_ticket(self, text: str) -> str | None:
        m = _TICKET.match(text.strip().upper())
        if not m:
            return None
        prefix, digits = m.groups()
        if not prefix:
            letters = {self._prefix(s) for s in self.services} - {None}
            if len(letters) != 1:
                return None
            prefix = letters.pop()
        return f"{prefix}{int(digits):03d}"

    def note_rating(self, ticket: str, rating: object, ok: bool) -> None:
        """From the evaluator in this process: count the rating in the day totals."""
        if ok and isinstance(rating, int) and "ratings" not in self.totals.from_state:
            self.totals.ratings.append(rating)
            self.changed.emit()

    def _prefix(self, sid: str) -> str | None:
        svc = self.hall.service(sid)
        return svc.prefix if svc else None

    def _local(self, action: Action, text: tuple[str, str], letters: str = "") -> None:
        self._emit(Message(Outcome.LOCAL, action, {"zh": text[0].format(l=letters), "en": text[1].format(l=letters)},
                           code="bad_input"))

    def _emit(self, msg: Message) -> None:
        self.last = msg
        self.changed.emit()
        self.result.emit(msg)

    # ------------------------------------------------------------------ replies
    def _on_reply(self, tag: str, reply: dict[str, Any]) -> None:
        pending = self.pending
        if tag != self._tag or pending is None or reply.get("id") != pending.cid:
            return
        action = pending.action
        self.pending = None
        if not reply.get("ok"):
            err = reply.get("error") or {}
            code = str(err.get("code", ""))
            outcome = Outcome.UNREACHABLE if code == "controller_unreachable" else Outcome.REFUSED
            self._emit(Message(outcome, action, dict(err.get("message") or {}), dict(err.get("guide") or {}), code))
            return
        self._apply_reply(pending, reply)
        number = (reply.get("ticket") or {}).get("number") or pending.before or ""
        self._emit(self._done(action, number, pending.args))
        if action is Action.FINISH and number:
            self.finished.emit(number)
        elif action is Action.NEXT and pending.before and pending.before != number:
            self.finished.emit(pending.before)   # next while serving finishes the current ticket first

    def _apply_reply(self, pending: Pending, reply: dict[str, Any]) -> None:
        action = pending.action
        w = reply.get("window") or {}
        if w.get("status") in Status._value2member_map_:
            self.status = Status(w["status"])
        t = reply.get("ticket") or {}
        if action in (Action.NEXT, Action.CALL) and t.get("number"):
            self.current = Current(t["number"], t.get("service"), _dt(t.get("issued_at")), self.clock())
        elif action is Action.RECALL and t.get("number") and self.current and self.current.issued_at is None:
            self.current = Current(t["number"], t.get("service"), _dt(t.get("issued_at")), self.current.called_at)
        elif not w.get("ticket"):
            self.current = None
        if action is Action.PAUSE:
            self.pause_reason = pending.args.get("reason")
        if action is Action.SKIP and "skipped" not in self.totals.from_state:
            self.totals.skipped += 1
        if action is Action.TRANSFER and "transferred" not in self.totals.from_state:
            self.totals.transferred += 1

    def _done(self, action: Action, number: str, args: dict[str, Any]) -> Message:
        zh, en = _DONE[action]
        to = {"zh": "", "en": ""}
        if action is Action.TRANSFER:
            to = self.window_name(args["to_window"]) if args.get("to_window") else self.service_name(args["to_service"])
        guide: dict[str, str] = {}
        if action is Action.FINISH:
            guide = {"zh": "请市民在评价器上评价", "en": "the visitor may now rate the service"}
        if action is Action.PAUSE and args.get("reason"):
            guide = {"zh": f"原因：{args['reason']}", "en": f"reason: {args['reason']}"}
        return Message(Outcome.OK, action, {"zh": zh.format(n=number, to=to["zh"]), "en": en.format(n=number, to_en=to["en"])},
                       guide, "ok")

    # ------------------------------------------------------------------ retained state
    def _on_connection(self, up: bool) -> None:
        self.link = Link.ONLINE if up else Link.OFFLINE
        self.changed.emit()

    def _on_message(self, topic: str, data: object) -> None:
        topics = self.bus.topics
        if topic == topics.status_controller:
            self.controller_online = data == "online"
        elif not isinstance(data, dict):
            return  # a cleared retained topic
        if "ts" in data and isinstance(self.clock, ControllerClock):
            self.clock.observe(data["ts"])
        if topic == topics.state("windows"):
            mine = next((w for w in data.get("windows", []) if str(w.get("id")) == self.window), None)
            if mine is None:
                return
            self._fold_window(mine)
        elif topic == topics.state("services"):
            self.queue = {s["id"]: QueueLine(s["id"], dict(s.get("name") or {}), int(s.get("waiting", 0)),
                                             s.get("eta_s"), bool(s.get("open", True)))
                          for s in data.get("services", []) if "id" in s}
        else:
            return
        self.changed.emit()

    def _fold_window(self, w: dict[str, Any]) -> None:
        status = w.get("status")
        self.status = Status(status) if status in Status._value2member_map_ else Status.UNKNOWN
        self.services = [str(s) for s in w.get("services", self.services)]
        self.pause_reason = w.get("pause_reason")
        number = w.get("ticket")
        if not number:
            self.current = None
        elif self.current is None or self.current.number != number:
            self.current = Current(number)   # called elsewhere (keypad, before a restart): times unknown
        t = self.totals
        t.served = int(w.get("served", t.served))
        for key in ("skipped", "transferred"):   # forward compatible: used once the controller sends them
            if isinstance(w.get(key), int):
                setattr(t, key, w[key])
                t.from_state.add(key)
        if isinstance(w.get("ratings"), list):
            t.ratings = [r for r in w["ratings"] if isinstance(r, int)]
            t.from_state.add("ratings")


def _dt(value: object) -> datetime | None:
    try:
        return datetime.fromisoformat(value) if isinstance(value, str) else None
    except ValueError:
        return None
