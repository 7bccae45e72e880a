"""CallerModel: what a caller terminal knows and does for its one window, without widgets.

It folds the controller's retained `state/windows` and `state/services` (typed messages of the
contract) into the window's view, sends `cmd/window/{id}` commands through the Qt bus (off the
GUI thread) and turns each typed reply into a bilingual status line. One command at a time: a
second F1 while the first is in flight would otherwise call two visitors. The view (terminal.py)
only renders these fields.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from PySide6.QtCore import QObject, Signal

from tideq.config.schema import HallConfig
from tideq.contract import (
    BiText,
    ControllerStatus,
    ErrorCode,
    Lang,
    Reply,
    ServiceItem,
    ServicesState,
    StaffRef,
    WindowAction,
    WindowItem,
    WindowsState,
    WindowStatus,
)
from tideq.contract.clock import ControllerClock
from tideq.contract.staff import PIN_PATTERN, StaffSecretError, card_hash, pin_proof
from tideq.ui.bus_protocol import Bus
from tideq.ui.link import UNHEARD, Link, Unheard
from tideq.ui.outcome import Outcome, outcome_of

from .errors import UnknownWindow
from .keymap import DEFAULT_KEYS


@dataclass(frozen=True)
class StatusLine:
    """A line for the status bar: the controller's message and guide, or the terminal's own."""

    outcome: Outcome
    action: WindowAction | None
    text: BiText
    guide: BiText | None = None
    code: ErrorCode | None = None  # the refusal's code (none for a success or a local hint)

    def say(self, lang: Lang) -> tuple[str, str]:
        return self.text.pick(lang), self.guide.pick(lang) if self.guide else ""


@dataclass(frozen=True)
class Pending:
    """The one command in flight."""

    action: WindowAction
    cid: str
    before: str | None  # the ticket at the window when sent (state may overtake the reply)
    reason: str = ""  # pause, transfer
    to: BiText | None = None  # transfer: the service or window it goes to


@dataclass(frozen=True)
class Current:
    """The ticket at the window; issued_at/called_at are known when this terminal called it."""

    number: str
    service: str | None = None
    issued_at: datetime | None = None
    called_at: datetime | None = None


@dataclass(frozen=True)
class Totals:
    """The window's day totals as the controller counts them (`state/windows`), so they are the
    same on every screen and survive a terminal restart."""

    served: int = 0
    skipped: int = 0
    transferred: int = 0
    rated: int = 0
    satisfied: int = 0  # rated 基本满意 or better

    @classmethod
    def of(cls, w: WindowItem) -> Totals:
        return cls(w.served, w.skipped, w.transferred, w.rated, w.satisfied)

    @property
    def satisfaction(self) -> float | None:
        """满意率: the share of ratings 基本满意 and better; None before the first rating."""
        return self.satisfied / self.rated if self.rated else None


_TICKET = re.compile(r"^([A-Z]?)\s*(\d{1,4})$")
_DONE = {
    WindowAction.NEXT: ("已呼叫 {n}", "Called {n}"),
    WindowAction.CALL: ("已呼叫 {n}", "Called {n}"),
    WindowAction.RECALL: ("已重呼 {n}", "Called {n} again"),
    WindowAction.SKIP: ("{n} 已过号", "{n} marked no-show"),
    WindowAction.FINISH: ("{n} 已办结", "{n} finished"),
    WindowAction.TRANSFER: ("{n} 已转至{to}", "{n} transferred to {to_en}"),
    WindowAction.PAUSE: ("窗口已暂停", "Window paused"),
    WindowAction.RESUME: ("窗口已恢复服务", "Window resumed"),
    WindowAction.SIGN_IN: ("{who} 已签到", "{who_en} signed in"),
    WindowAction.SIGN_OUT: ("已签退，窗口保持开放", "Signed out; the window stays open"),
}
_STAFF_ID = re.compile(r"^[0-9A-Za-z]{1,16}$")
_NO_ANSWER = BiText(zh="操作未完成", en="not done")


class CallerModel(QObject):
    changed = Signal()  # any displayed field changed
    result = Signal(object)  # StatusLine, after every action (acknowledged, refused, unreachable, local)
    finished = Signal(str)  # a ticket this window finished: the evaluator asks for a rating
    card_seen = Signal(str)  # a staff card's UID from the reader thread; signs in on the GUI thread

    def __init__(
        self,
        bus: Bus,
        hall: HallConfig,
        window: str,
        *,
        clock: Callable[[], datetime] | None = None,
        keymap: dict[WindowAction, str] | None = None,
        lang: Lang = Lang.ZH,
        secret: bytes | None = None,
        parent: QObject | None = None,
    ) -> None:
        super().__init__(parent)
        cfg = hall.window(window)
        if cfg is None:
            raise UnknownWindow(
                f"no window {window!r} in hall {hall.hall.id}; use one of {[w.id for w in hall.windows]}"
            )
        # waiting times compare the controller's `issued_at` with the controller's own clock
        self.bus, self.hall, self.window = bus, hall, window
        self.clock: Callable[[], datetime] = clock or ControllerClock(hall.hall.timezone)
        self.name = BiText(zh=cfg.name.zh, en=cfg.name.en)
        self.keymap = dict(keymap or DEFAULT_KEYS)
        self.lang = lang
        self.status: WindowStatus | Unheard = UNHEARD
        self.current: Current | None = None
        self.services: list[str] = list(cfg.services)
        self.pause_reason: str | None = None
        self.totals = Totals()
        self.queue: dict[str, ServiceItem] = {}
        self.link = Link.CONNECTING
        self.controller: ControllerStatus | Unheard = UNHEARD
        self.pending: Pending | None = None
        self.last: StatusLine | None = None
        self.staff: StaffRef | None = None  # the clerk signed in at the window, as the controller says
        self.secret = secret  # the hall secret: a PIN leaves this terminal only as its keyed proof
        self._tag = f"caller:{window}"
        bus.message.connect(self._on_message)
        bus.connection.connect(self._on_connection)
        bus.answered.connect(self._on_reply)
        self.card_seen.connect(self.sign_in_card)
        bus.subscribe(bus.topics.state("windows"), WindowsState)
        bus.subscribe(bus.topics.state("services"), ServicesState)
        bus.subscribe(bus.topics.status_controller)

    # ------------------------------------------------------------------ reading
    def queue_lines(self) -> list[ServiceItem]:
        """Waiting per service this window serves, in the window's order."""
        return [self.queue[s] for s in self.services if s in self.queue]

    def service_name(self, sid: str) -> BiText:
        svc = self.hall.service(sid)
        return BiText(zh=svc.name.zh, en=svc.name.en) if svc else BiText(zh=sid, en=sid)

    def window_name(self, wid: str) -> BiText:
        w = self.hall.window(wid)
        return BiText(zh=w.name.zh, en=w.name.en) if w else BiText(zh=f"{wid}号窗口", en=f"window {wid}")

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
    def act(
        self,
        action: WindowAction,
        *,
        ticket: str | None = None,
        to_service: str | None = None,
        to_window: str | None = None,
        reason: str = "",
        extra: dict[str, str] | None = None,
    ) -> bool:
        """Send one window command; False if another is still in flight (nothing sent)."""
        if self.pending is not None:
            return False
        body: dict[str, Any] = {"action": action.value, **(extra or {})}
        for key, value in (
            ("ticket", ticket),
            ("to_service", to_service),
            ("to_window", to_window),
            ("reason", reason),
        ):
            if value:
                body[key] = value
        to = None
        if action is WindowAction.TRANSFER:
            to = self.window_name(to_window) if to_window else self.service_name(to_service or "")
        cid = self.bus.request(f"window/{self.window}", body, self._tag)
        self.pending = Pending(action, cid, self.current.number if self.current else None, reason, to)
        self.changed.emit()
        return True

    def call_ticket(self, text: str) -> bool:
        """Call a given number out of order (green channel); `7` means the window's only letter."""
        number = self.normalise_ticket(text)
        if number is None:
            letters = "/".join(filter(None, (self._prefix(s) for s in self.services))) or "A"
            self._local(WindowAction.CALL, ("请输入号码，如 {l}007", "Type a number such as {l}007"), letters)
            return False
        return self.act(WindowAction.CALL, ticket=number)

    def transfer(self, to_service: str | None = None, to_window: str | None = None, note: str = "") -> bool:
        if not to_service and not to_window:
            self._local(
                WindowAction.TRANSFER, ("请选择转移到的业务或窗口", "Choose a service or a window to transfer to")
            )
            return False
        return self.act(WindowAction.TRANSFER, to_service=to_service, to_window=to_window, reason=note.strip()[:200])

    @property
    def staff_required(self) -> bool:
        """The hall lists clerks (`[[staff]]`): the terminal asks for a sign-in while nobody is."""
        return bool(self.hall.staff)

    def sign_in(self, staff: str, pin: str) -> bool:
        """Sign a clerk in with 工号 + PIN; the PIN is sent only as its keyed proof (contract.staff)."""
        staff, pin = staff.strip(), pin.strip()
        if not _STAFF_ID.match(staff):
            self._local(WindowAction.SIGN_IN, ("请输入工号", "Type your staff id (工号)"))
            return False
        if not PIN_PATTERN.match(pin):
            self._local(WindowAction.SIGN_IN, ("请输入4至8位数字密码", "Type your PIN, 4 to 8 digits"))
            return False
        if self.secret is None:
            self._local(
                WindowAction.SIGN_IN,
                ("本终端未设置大厅密钥，无法签到", "This terminal has no hall secret, so it cannot sign in"),
                guide=(
                    f"请在终端环境中设置 {self.hall.hall.secret_env}（与控制器相同）",
                    f"set {self.hall.hall.secret_env} for this terminal to the controller's hall secret",
                ),
            )
            return False
        return self.act(WindowAction.SIGN_IN, extra={"staff": staff, "pin_proof": pin_proof(self.secret, staff, pin)})

    def sign_in_card(self, uid: str) -> bool:
        """Sign in with a staff card read at the window: only its keyed hash is sent."""
        if self.secret is None:
            self._local(
                WindowAction.SIGN_IN,
                (
                    "本终端未设置大厅密钥，无法刷卡签到",
                    "This terminal has no hall secret, so it cannot read staff cards",
                ),
                guide=(
                    f"请在终端环境中设置 {self.hall.hall.secret_env}（与控制器相同）",
                    f"set {self.hall.hall.secret_env} for this terminal to the controller's hall secret",
                ),
            )
            return False
        try:
            digest = card_hash(self.secret, uid)
        except StaffSecretError:
            self._local(
                WindowAction.SIGN_IN, ("无法识别此卡，请重新刷卡", "Card not readable; hold it to the reader again")
            )
            return False
        return self.act(WindowAction.SIGN_IN, extra={"card": digest})

    def sign_out(self) -> bool:
        return self.act(WindowAction.SIGN_OUT)

    def pause(self, reason: str = "") -> bool:
        return self.act(WindowAction.PAUSE, reason=reason.strip()[:200])

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

    def _prefix(self, sid: str) -> str | None:
        svc = self.hall.service(sid)
        return svc.prefix if svc else None

    def _local(
        self, action: WindowAction, text: tuple[str, str], letters: str = "", guide: tuple[str, str] | None = None
    ) -> None:
        said = BiText(zh=text[0].format(l=letters), en=text[1].format(l=letters))
        self._emit(StatusLine(Outcome.LOCAL, action, said, BiText(zh=guide[0], en=guide[1]) if guide else None))

    def _emit(self, line: StatusLine) -> None:
        self.last = line
        self.changed.emit()
        self.result.emit(line)

    # ------------------------------------------------------------------ replies
    def _on_reply(self, tag: str, reply: Reply) -> None:
        pending = self.pending
        if tag != self._tag or pending is None or reply.id != pending.cid:
            return
        action = pending.action
        self.pending = None
        if not reply.ok:
            err = reply.error
            self._emit(
                StatusLine(
                    outcome_of(reply),
                    action,
                    err.message if err else _NO_ANSWER,
                    err.guide if err else None,
                    reply.code,
                )
            )
            return
        self._apply_reply(pending, reply)
        number = reply.ticket.number if reply.ticket else pending.before or ""
        self._emit(self._done(pending, number))
        if action is WindowAction.FINISH and number:
            self.finished.emit(number)
        elif action is WindowAction.NEXT and pending.before and pending.before != number:
            self.finished.emit(pending.before)  # next while serving finishes the current ticket first

    def _apply_reply(self, pending: Pending, reply: Reply) -> None:
        action, w, t = pending.action, reply.window, reply.ticket
        if w is not None:
            self.status = w.status
            self.staff = w.staff
        if action in (WindowAction.NEXT, WindowAction.CALL) and t is not None:
            self.current = Current(t.number, t.service, t.issued_at, self.clock())
        elif action is WindowAction.RECALL and t is not None and self.current and self.current.issued_at is None:
            self.current = Current(t.number, t.service, t.issued_at, self.current.called_at)
        elif w is None or w.ticket is None:
            self.current = None
        if action is WindowAction.PAUSE:
            self.pause_reason = pending.reason or None

    def _done(self, pending: Pending, number: str) -> StatusLine:
        action = pending.action
        zh, en = _DONE[action]
        to = pending.to or BiText(zh="", en="")
        guide = None
        if action is WindowAction.FINISH:
            guide = BiText(zh="请市民在评价器上评价", en="the visitor may now rate the service")
        if action is WindowAction.PAUSE and pending.reason:
            guide = BiText(zh=f"原因：{pending.reason}", en=f"reason: {pending.reason}")
        who = self.staff.name if self.staff else BiText(zh="", en="")
        said = BiText(zh=zh.format(n=number, to=to.zh, who=who.zh), en=en.format(n=number, to_en=to.en, who_en=who.en))
        return StatusLine(Outcome.OK, action, said, guide)

    # ------------------------------------------------------------------ retained state
    def _on_connection(self, up: bool) -> None:
        self.link = Link.ONLINE if up else Link.OFFLINE
        self.changed.emit()

    def _on_message(self, topic: str, msg: object) -> None:
        if topic == self.bus.topics.status_controller:
            if isinstance(msg, str) and msg in ControllerStatus._value2member_map_:
                self.controller = ControllerStatus(msg)
                self.changed.emit()
            return
        if isinstance(msg, WindowsState | ServicesState) and isinstance(self.clock, ControllerClock):
            self.clock.observe(msg.ts)
        if isinstance(msg, WindowsState) and topic == self.bus.topics.state("windows"):
            mine = next((w for w in msg.windows if w.id == self.window), None)
            if mine is None:
                return
            self._fold_window(mine)
        elif isinstance(msg, ServicesState) and topic == self.bus.topics.state("services"):
            self.queue = {s.id: s for s in msg.services}
        else:
            return
        self.changed.emit()

    def _fold_window(self, w: WindowItem) -> None:
        self.status = w.status
        self.services = list(w.services)
        self.pause_reason = w.pause_reason
        self.staff = w.staff
        if not w.ticket:
            self.current = None
        elif self.current is None or self.current.number != w.ticket:
            self.current = Current(w.ticket)  # called elsewhere (keypad, before a restart): times unknown
        self.totals = Totals.of(w)
