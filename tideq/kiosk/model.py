"""KioskModel: everything a visitor's session is, and every flow, without widgets.

Views call the action methods (tap_service, key, submit_code, action...) and re-render on the
signals. The model never does I/O: it asks the app to send a command (`send`) or print
(`print_requested`) and is told the outcome (`handle_reply`, `handle_print`). That keeps the
flows testable and keeps network and printer work off the GUI thread.

No double issue: the command id is created when the visitor taps; taps while it is in flight
are ignored, and "Try again" after a timeout resends the same id, which the controller answers
with its first answer (idempotent by id).
"""

from __future__ import annotations

import re
import uuid
from dataclasses import dataclass, field
from datetime import datetime
from enum import Enum
from typing import Any, NamedTuple

from PySide6.QtCore import QObject, Signal

from tideq.config.schema import HallConfig, Kiosk, Service
from tideq.contract import BiText, ControllerStatus, ErrorCode, ErrorInfo, Priority, Reply, ServicesState, TicketInfo
from tideq.contract.ticket_page import qr_content

from .i18n import Lang, bitext, other, pick, tr
from .industry import CombinedList, combine
from .search import MAX_QUERY, build_index, normalise

CONSULT_SERVICE = "general-consult"
CODE_RE = re.compile(r"^[A-Za-z0-9-]{4,32}$")
MAX_CODE = 20


class Screen(str, Enum):
    ATTRACT = "attract"
    HOME = "home"
    SERVICES = "services"
    IDENTITY = "identity"
    TICKET = "ticket"
    REFUSAL = "refusal"
    CHECKIN = "checkin"
    GUIDE = "guide"
    GUIDE_DETAIL = "guide_detail"
    POLICY = "policy"
    INDUSTRIES = "industries"  # 一业一证: pick an industry
    INDUSTRY = "industry"  # its combined list of permits, materials, windows, online route
    NIGHT = "night"  # 24-hour self-service outside opening hours (night.py: its own pages)


class Link(str, Enum):
    CONNECTING = "connecting"
    ONLINE = "online"
    OFFLINE = "offline"  # broker down or controller says offline


class RequestState(str, Enum):
    SENDING = "sending"
    FAILED = "failed"  # unreachable: kept so "Try again" reuses the id
    ANSWERED = "answered"


class PrintState(str, Enum):
    PRINTING = "printing"
    PRINTED = "printed"
    FAILED = "failed"
    NO_PRINTER = "no_printer"


class Action(str, Enum):
    """What a refusal screen offers instead (窗口无否决权: never a dead end)."""

    RETRY = "retry"
    CHECKIN = "checkin"
    CONSULT = "consult"
    GUIDE = "guide"
    TAKE = "take"
    HOME = "home"


class CardPurpose(str, Enum):
    TICKET = "ticket"
    CHECKIN = "checkin"


@dataclass
class ServiceView:
    """Config facts of a service plus its live state from `state/services`."""

    cfg: Service
    open: bool = True
    waiting: int = 0
    eta_s: int = 0
    windows_open: int = 0
    quota_left: int | None = None
    next_open: datetime | None = None

    @property
    def id(self) -> str:
        return self.cfg.id

    @property
    def sold_out(self) -> bool:
        return self.quota_left is not None and self.quota_left <= 0


class GuideRow(NamedTuple):
    kind: str  # "service" or "elsewhere"
    title: Any  # Text
    item: Any  # ServiceView or Elsewhere
    via: Any = None  # the material (Text) the search matched, if that is why it is listed


@dataclass
class Pending:
    cid: str
    command: str
    args: dict[str, Any]
    service: str | None
    state: RequestState = RequestState.SENDING


@dataclass
class TicketView:
    """A ticket the controller acknowledged, as the screen shows and the printer prints it."""

    cid: str
    number: str
    service: str
    priority: Priority
    ahead: int
    eta_s: int
    issued_at: datetime
    verify: str
    note: BiText | None = None
    qr: str = ""  # what the QR code carries: the ticket page's address with a gateway, else `verify`
    print_state: PrintState = PrintState.PRINTING
    print_guide: dict[str, str] | None = None  # the printer driver's advice when printing failed

    @classmethod
    def acknowledged(
        cls, cid: str, t: TicketInfo, note: BiText | None, hall_id: str, public_url: str | None = None
    ) -> TicketView:
        verify = t.verify or f"tideq:{hall_id}:{t.number}"
        return cls(
            cid,
            t.number,
            t.service,
            t.priority,
            t.ahead,
            t.eta_s or 0,
            t.issued_at,
            verify,
            note,
            qr_content(public_url, t.page, verify),
        )


@dataclass
class RefusalView:
    """The controller's refusal (or the kiosk's own when it cannot reach it) and what to offer."""

    error: ErrorInfo
    service: str | None = None
    actions: list[Action] = field(default_factory=list)

    @property
    def code(self) -> ErrorCode:
        return self.error.code

    @property
    def message(self) -> BiText:
        return self.error.message

    @property
    def guide(self) -> BiText:
        return self.error.guide

    def extra(self, key: str) -> Any:
        """One of the code's extra fields (`next_open`, `checkin_opens`, ...), None if absent."""
        return self.error.extra(key)


@dataclass(frozen=True)
class PrinterNotice:
    """After a print: whether the kiosk must flag its printer to staff (its `health/{kiosk}`)."""

    ok: bool
    reason: str = ""
    ticket: str | None = None


def unreachable_error() -> ErrorInfo:
    """The refusal shown when the controller cannot be reached: "Try again" is safe."""
    return ErrorInfo(
        code=ErrorCode.CONTROLLER_UNREACHABLE,
        message=bitext("refusal.offline_msg"),
        guide=bitext("refusal.offline_guide"),
    )


def unexpected_error() -> ErrorInfo:
    """A reply that is neither a ticket nor a refusal (a contract violation): still not a dead end."""
    return ErrorInfo(
        code=ErrorCode.INTERNAL_ERROR,
        message=bitext("refusal.unexpected_msg"),
        guide=bitext("refusal.unexpected_guide"),
    )


ACTIONS: dict[ErrorCode, list[Action]] = {
    ErrorCode.CONTROLLER_UNREACHABLE: [Action.RETRY, Action.HOME],
    ErrorCode.QUOTA_REACHED: [Action.CHECKIN, Action.CONSULT, Action.GUIDE, Action.HOME],
    ErrorCode.HALL_CLOSED: [Action.GUIDE, Action.HOME],
    ErrorCode.SERVICE_CLOSED: [Action.GUIDE, Action.HOME],
    ErrorCode.IDENTITY_LIMIT: [Action.CONSULT, Action.HOME],
    ErrorCode.IDENTITY_REQUIRED: [Action.CONSULT, Action.HOME],
    ErrorCode.APPOINTMENT_UNKNOWN: [Action.TAKE, Action.CONSULT, Action.HOME],
    ErrorCode.APPOINTMENT_OTHER_DAY: [Action.TAKE, Action.HOME],
    ErrorCode.APPOINTMENT_EARLY: [Action.GUIDE, Action.HOME],
}


class KioskModel(QObject):
    screen_changed = Signal(object)  # Screen
    lang_changed = Signal(object)  # Lang
    large_changed = Signal(bool)
    link_changed = Signal(object)  # Link
    services_changed = Signal()
    pending_changed = Signal()
    ticket_changed = Signal()
    refusal_changed = Signal()
    code_changed = Signal(str)
    card_changed = Signal(str)  # a notice on the identity/check-in screens ("" = none)
    guide_changed = Signal()
    industry_changed = Signal()  # the chosen industry or the state of its list's print
    list_print_requested = Signal(str, object)  # print tag, CombinedList
    send = Signal(str, object, str)  # command, args, command id
    print_requested = Signal(object)  # TicketView
    attention = Signal(object)  # PrinterNotice, for the kiosk's health topic (flag to staff)
    prompt = Signal(str)  # text to speak (large mode)

    def __init__(
        self, hall: HallConfig, kiosk: Kiosk, *, has_printer: bool = True, has_card_reader: bool = True
    ) -> None:
        super().__init__()
        self.hall = hall
        self.kiosk = kiosk
        self.has_printer = has_printer
        self.has_card_reader = has_card_reader
        offered = set(kiosk.services) or {s.id for s in hall.services}
        self.services: dict[str, ServiceView] = {s.id: ServiceView(s) for s in hall.services if s.id in offered}
        self.state_ts: datetime | None = None
        self.screen = Screen.HOME
        self.lang = Lang.ZH
        self.large = False
        self.link = Link.CONNECTING
        self._broker_up = False
        self._controller_up: bool | None = None
        self.pending: Pending | None = None
        self.ticket: TicketView | None = None
        self.refusal: RefusalView | None = None
        self.code = ""
        self.card_notice = ""
        self.card_purpose: CardPurpose | None = None
        self.card_service: str | None = None
        self.guide_filter = ""
        self.guide_group: str | None = None  # group zh name, "elsewhere", or None (all)
        self.guide_service: str | None = None
        self.guide_keyboard = False  # the on-screen A-Z keyboard is open
        self.search_index = build_index(hall, self.services)  # pinyin/English, once at startup
        self._printed: set[str] = set()
        self.tickets_shown = 0
        self.industry_id: str | None = None
        self.list_print: PrintState | None = None  # the 一业一证 list on paper: None = not asked
        self.list_print_guide: dict[str, str] | None = None
        self._list_tag = ""
        from .night import NightModel  # night.py builds on this module

        self.night = NightModel(self)

    # ---------------------------------------------------------------- derived
    def t(self, key: str, **kw: Any) -> str:
        return tr(key, self.lang, **kw)

    def p(self, text: Any) -> str:
        return pick(text, self.lang)

    @property
    def busy(self) -> bool:
        """A request in flight or a ticket printing: the idle reset waits for it."""
        return (
            (self.pending is not None and self.pending.state is RequestState.SENDING)
            or (self.ticket is not None and self.ticket.print_state is PrintState.PRINTING)
            or self.night.busy
        )

    @property
    def hall_open(self) -> bool:
        return any(s.open for s in self.services.values())

    @property
    def next_open(self) -> datetime | None:
        times = [s.next_open for s in self.services.values() if s.next_open]
        return min(times) if times else None

    def groups(self) -> list[tuple[Any, list[ServiceView]]]:
        """Services grouped as the hall configures them, groups in first-seen order."""
        out: dict[str, tuple[Any, list[ServiceView]]] = {}
        for s in self.services.values():
            key = s.cfg.group.zh if s.cfg.group else ""
            out.setdefault(key, (s.cfg.group, []))[1].append(s)
        return list(out.values())

    def guide_rows(self) -> list[GuideRow]:
        """The guide list after the group chip and the search text. Without a search: every
        service then every matter handled elsewhere, in config order. With one: the search
        index's hits, best first (pinyin initials/full pinyin in Chinese, English words always;
        see search.py)."""
        group = self.guide_group

        def in_group(s: ServiceView) -> bool:
            return group in (None, s.cfg.group.zh if s.cfg.group else "")

        if not normalise(self.guide_filter):
            rows = [GuideRow("service", s.cfg.name, s) for s in self.services.values() if in_group(s)]
            if group in (None, "elsewhere"):
                rows += [GuideRow("elsewhere", e.matter, e) for e in self.hall.elsewhere]
            return rows
        rows = []
        for h in self.search_index.search(self.guide_filter, self.lang.value):
            if h.kind == "service":
                s = self.services[h.key]
                if in_group(s):
                    rows.append(GuideRow("service", s.cfg.name, s, h.via))
            elif group in (None, "elsewhere"):
                e = self.hall.elsewhere[int(h.key)]
                rows.append(GuideRow("elsewhere", e.matter, e))
        return rows

    def guide_items(self) -> list[tuple[str, Any, Any]]:
        """(kind, title, item) rows of the guide list after the touch filters and the search text."""
        return [(r.kind, r.title, r.item) for r in self.guide_rows()]

    @property
    def guide_searching(self) -> bool:
        return bool(normalise(self.guide_filter))

    def consult_service(self) -> Service | None:
        """综合咨询, offered when a search finds nothing (never a dead end)."""
        return self.hall.service(CONSULT_SERVICE)

    # ---------------------------------------------------------------- navigation
    def go(self, screen: Screen) -> None:
        if screen is Screen.CHECKIN:
            self.card_purpose, self.card_notice = CardPurpose.CHECKIN, ""
        elif screen is not Screen.IDENTITY:
            self.card_purpose = None if screen is not Screen.REFUSAL else self.card_purpose
        if screen is Screen.GUIDE:
            self.guide_service = None
        self.screen = screen
        self.screen_changed.emit(screen)
        if self.large:
            self._speak_screen()

    def go_home(self) -> None:
        self.refusal = None
        if self.pending and self.pending.state is not RequestState.SENDING:
            self.pending = None
            self.pending_changed.emit()
        self.go(Screen.HOME)

    def reset(self) -> bool:
        """Idle reset: clear everything the visitor entered and return home in standard Chinese.
        Refused (False) while a request is in flight or a ticket prints, so no ticket is lost."""
        if self.busy:
            return False
        self.code, self.card_notice, self.guide_filter = "", "", ""
        self.guide_group = self.guide_service = None
        self.guide_keyboard = False
        self.card_purpose = self.card_service = None
        self.industry_id, self.list_print, self.list_print_guide = None, None, None
        self.pending, self.ticket, self.refusal = None, None, None
        self.night.clear()
        self.code_changed.emit("")
        self.guide_changed.emit()
        self.pending_changed.emit()
        if self.lang is not Lang.ZH:
            self.set_lang(Lang.ZH)
        if self.large:
            self.set_large(False)
        self.go(Screen.HOME)
        return True

    def attract(self) -> None:
        if self.screen is Screen.HOME and not self.busy:
            self.go(Screen.ATTRACT)

    def set_lang(self, lang: Lang) -> None:
        if lang is not self.lang:
            self.lang = lang
            self.lang_changed.emit(lang)

    def toggle_lang(self) -> None:
        self.set_lang(other(self.lang))

    def set_large(self, on: bool) -> None:
        if on != self.large:
            self.large = on
            self.large_changed.emit(on)
            if on:
                self._speak_screen()

    def toggle_large(self) -> None:
        self.set_large(not self.large)

    def _speak_screen(self) -> None:
        key = {
            Screen.HOME: "voice.home",
            Screen.SERVICES: "voice.services",
            Screen.IDENTITY: "voice.identity",
            Screen.CHECKIN: "voice.checkin",
            Screen.GUIDE: "voice.guide",
            Screen.POLICY: "voice.policy",
            Screen.INDUSTRIES: "voice.industries",
            Screen.INDUSTRY: "voice.industry",
            Screen.NIGHT: "voice.night",
        }.get(self.screen)
        if key == "voice.identity" and not self.has_card_reader:
            self.prompt.emit(self.t("identity.no_reader_title"))  # never "place your card" without a reader
        elif key:
            self.prompt.emit(self.t(key))
        elif self.screen is Screen.TICKET and self.ticket:
            self.prompt.emit(self.t("voice.ticket", number=self.ticket.number, n=self.ticket.ahead))
        elif self.screen is Screen.REFUSAL and self.refusal:
            self.prompt.emit(f"{self.p(self.refusal.message)}。{self.p(self.refusal.guide)}")

    # ---------------------------------------------------------------- take a number
    def tap_service(self, sid: str, *, identity: str | None = None) -> bool:
        """The visitor tapped a service. Returns False when the tap is ignored (one in flight)."""
        if self.pending and self.pending.state is RequestState.SENDING:
            return False
        cfg = self.hall.service(sid)
        svc = self.services.get(sid) or (ServiceView(cfg) if cfg else None)
        if svc is None:
            return False
        if svc.cfg.identity_required and identity is None:
            self.card_purpose, self.card_service = CardPurpose.TICKET, sid
            self.card_notice = ""  # without a reader the screen says what to do instead (IdentityView)
            self.card_changed.emit(self.card_notice)
            self.go(Screen.IDENTITY)
            return True
        args: dict[str, Any] = {"service": sid, "source": self.kiosk.id, "priority": Priority.NORMAL.value}
        if identity:
            args["identity"] = identity
        self._request("ticket", args, sid)
        return True

    def card_read(self, identity: str) -> None:
        """An ID card was read (the HMAC only). Outside a flow that asks for it, it is dropped."""
        if self.pending and self.pending.state is RequestState.SENDING:
            return
        if self.screen is Screen.IDENTITY and self.card_purpose is CardPurpose.TICKET and self.card_service:
            self.card_notice = self.t("identity.sending")
            self.card_changed.emit(self.card_notice)
            self.tap_service(self.card_service, identity=identity)
        elif self.screen is Screen.CHECKIN:
            self.card_notice = self.t("checkin.sending")
            self.card_changed.emit(self.card_notice)
            self._request("checkin", {"identity": identity, "source": self.kiosk.id}, None)

    def card_failed(self, reason: str = "") -> None:
        if self.screen in (Screen.IDENTITY, Screen.CHECKIN):
            self.card_notice = self.t("identity.bad")
            self.card_changed.emit(self.card_notice)

    # ---------------------------------------------------------------- check-in
    def key(self, ch: str) -> None:
        if len(self.code) < MAX_CODE:
            self.code += ch
            self.code_changed.emit(self.code)

    def backspace(self) -> None:
        self.code = self.code[:-1]
        self.code_changed.emit(self.code)

    def clear_code(self) -> None:
        self.code = ""
        self.code_changed.emit(self.code)

    def submit_code(self) -> bool:
        code = self.code.strip().upper()
        if not CODE_RE.match(code):
            self.card_notice = self.t("checkin.short")
            self.card_changed.emit(self.card_notice)
            return False
        if self.pending and self.pending.state is RequestState.SENDING:
            return False
        self.card_notice = self.t("checkin.sending")
        self.card_changed.emit(self.card_notice)
        self._request("checkin", {"code": code, "source": self.kiosk.id}, None)
        return True

    def scanned(self, text: str) -> bool:
        """A QR/barcode from the camera or the serial scanner: an appointment code, bare or in a
        booking link (…?code=XXXX). Scanning works from home too: it goes straight to check-in."""
        code = parse_scan(text)
        if code is None or self.screen not in (Screen.ATTRACT, Screen.HOME, Screen.CHECKIN):
            return False
        if self.screen is not Screen.CHECKIN:
            self.go(Screen.CHECKIN)
        self.code = code
        self.code_changed.emit(code)
        return self.submit_code()

    # ---------------------------------------------------------------- requests and replies
    def _request(self, command: str, args: dict[str, Any], service: str | None) -> None:
        self.pending = Pending(str(uuid.uuid4()), command, args, service)
        self._dispatch()

    def retry(self) -> bool:
        """Resend the failed request with the same command id (never a second ticket)."""
        p = self.pending
        if p is None or p.state is not RequestState.FAILED:
            return False
        p.state = RequestState.SENDING
        self._dispatch()
        return True

    def _dispatch(self) -> None:
        p = self.pending
        assert p is not None
        self.pending_changed.emit()
        if self.link is not Link.ONLINE:  # refuse politely now rather than wait for a timeout
            self.handle_reply(p.cid, Reply(id=p.cid, ok=False, error=unreachable_error()))
            return
        self.send.emit(p.command, p.args, p.cid)

    def handle_reply(self, tag: str, reply: Reply) -> None:
        """The controller's typed answer (QtBus `answered`) to the request in flight."""
        p = self.pending
        if p is None or tag != p.cid or p.state is not RequestState.SENDING:
            return  # stale, or a repeat of an answer already shown
        if reply.ok and reply.ticket is not None:
            p.state = RequestState.ANSWERED
            p.args.pop("identity", None)  # nothing of the card outlives the request
            self.pending_changed.emit()
            self._show_ticket(
                TicketView.acknowledged(
                    p.cid, reply.ticket, reply.note, self.hall.hall.id, self.hall.gateway.public_url
                )
            )
            return
        err = reply.error or unexpected_error()
        if err.code is ErrorCode.CONTROLLER_UNREACHABLE:
            p.state = RequestState.FAILED  # kept, so "Try again" resends the same id
            err = err.model_copy(
                update={"message": bitext("refusal.offline_msg"), "guide": bitext("refusal.offline_guide")}
            )
        else:
            p.state = RequestState.ANSWERED
        self.pending_changed.emit()
        self.refusal = RefusalView(err, p.service, ACTIONS.get(err.code, [Action.CONSULT, Action.HOME]))
        self.refusal_changed.emit()
        self.go(Screen.REFUSAL)

    def _show_ticket(self, ticket: TicketView) -> None:
        self.ticket, cid = ticket, ticket.cid
        if not self.has_printer:
            self.ticket.print_state = PrintState.NO_PRINTER
        self.tickets_shown += 1
        self.ticket_changed.emit()
        self.go(Screen.TICKET)
        if self.has_printer and cid not in self._printed:
            self._printed.add(cid)
            self.print_requested.emit(self.ticket)

    def handle_print(self, cid: str, printed: bool, code: str = "", guide: dict[str, str] | None = None) -> None:
        t = self.ticket
        if printed:
            self.attention.emit(PrinterNotice(True))
        else:
            self.attention.emit(PrinterNotice(False, code or "printer_error", t.number if t and t.cid == cid else None))
        if t is None or t.cid != cid:
            return
        t.print_state = PrintState.PRINTED if printed else PrintState.FAILED
        t.print_guide = guide
        self.ticket_changed.emit()

    # ---------------------------------------------------------------- refusal actions
    def action(self, act: Action) -> None:
        r = self.refusal
        if act is Action.RETRY:
            self.retry()
        elif act is Action.CHECKIN:
            self.refusal = None
            self.go(Screen.CHECKIN)
        elif act is Action.CONSULT:
            self.refusal = None
            self.tap_service(CONSULT_SERVICE)
        elif act is Action.GUIDE:
            sid = r.service if r else None
            self.refusal = None
            self.open_guide(sid) if sid else self.go(Screen.GUIDE)
        elif act is Action.TAKE:
            self.refusal = None
            self.go(Screen.SERVICES)
        else:
            self.go_home()

    # ---------------------------------------------------------------- guide
    def set_guide_filter(self, text: str) -> None:
        text = text[:MAX_QUERY]
        if text != self.guide_filter:
            self.guide_filter = text
            self.guide_changed.emit()

    def set_guide_group(self, group: str | None) -> None:
        self.guide_group = group
        self.guide_changed.emit()

    def set_guide_keyboard(self, on: bool) -> None:
        """Open/close the on-screen A-Z keyboard. Opening it searches every group."""
        if on == self.guide_keyboard:
            return
        self.guide_keyboard = on
        if on:
            self.guide_group = None
            if self.large:
                self.prompt.emit(self.t("voice.guide_search"))
        self.guide_changed.emit()

    def guide_key(self, ch: str) -> None:
        """A letter from the on-screen keyboard: the list filters as it is typed."""
        if len(self.guide_filter) < MAX_QUERY:
            self.set_guide_filter(self.guide_filter + ch.upper())

    def guide_backspace(self) -> None:
        self.set_guide_filter(self.guide_filter[:-1])

    def guide_clear(self) -> None:
        self.set_guide_filter("")

    def open_guide(self, sid: str) -> None:
        if sid in self.services or self.hall.service(sid):
            self.guide_service = sid
            self.guide_changed.emit()
            self.screen = Screen.GUIDE_DETAIL
            self.screen_changed.emit(self.screen)

    def guide_service_cfg(self) -> Service | None:
        return self.hall.service(self.guide_service) if self.guide_service else None

    # ---------------------------------------------------------------- 一业一证
    def open_industry(self, iid: str) -> None:
        """An industry tile: show its combined list (a fresh print state)."""
        if next((i for i in self.hall.industries if i.id == iid), None) is None:
            return
        self.industry_id, self.list_print, self.list_print_guide = iid, None, None
        self.industry_changed.emit()
        self.go(Screen.INDUSTRY)

    def combined(self) -> CombinedList | None:
        ind = next((i for i in self.hall.industries if i.id == self.industry_id), None)
        return combine(self.hall, ind) if ind is not None else None

    def print_industry(self) -> bool:
        """ "Print list": the combined list on the ticket printer. Ignored while one prints."""
        c = self.combined()
        if c is None or self.list_print is PrintState.PRINTING:
            return False
        if not self.has_printer:
            self.list_print = PrintState.NO_PRINTER
            self.industry_changed.emit()
            return False
        self._list_tag = str(uuid.uuid4())
        self.list_print, self.list_print_guide = PrintState.PRINTING, None
        self.industry_changed.emit()
        self.list_print_requested.emit(self._list_tag, c)
        return True

    def handle_list_print(self, tag: str, printed: bool, code: str = "", guide: dict[str, str] | None = None) -> None:
        if not printed:
            self.attention.emit(PrinterNotice(False, code or "printer_error"))
        else:
            self.attention.emit(PrinterNotice(True))
        if tag != self._list_tag:
            return  # a list the visitor has left
        self.list_print = PrintState.PRINTED if printed else PrintState.FAILED
        self.list_print_guide = guide
        self.industry_changed.emit()

    def take_for_industry(self) -> bool:
        """ "Take a number": a ticket for the first permit's service."""
        c = self.combined()
        return self.tap_service(c.first_service) if c is not None else False

    # ---------------------------------------------------------------- bus
    def handle_connection(self, up: bool) -> None:
        self._broker_up = up
        if not up:
            self._controller_up = None  # the retained status comes again on reconnect
        self._update_link()

    def handle_message(self, topic: str, message: object) -> None:
        """A typed `state/services`, or the plain-text retained `status/controller`."""
        if isinstance(message, ServicesState):
            self._apply_services(message)
        elif topic.endswith("/status/controller"):
            self._controller_up = message == ControllerStatus.ONLINE.value
            self._update_link()

    def _update_link(self) -> None:
        if self._broker_up and self._controller_up:
            link = Link.ONLINE
        elif self.link is Link.CONNECTING and self._controller_up is None:
            link = Link.CONNECTING  # first connection: wait for the retained status
        else:
            link = Link.OFFLINE
        if link is not self.link:
            self.link = link
            self.link_changed.emit(link)

    def broker_unreachable(self) -> None:
        """The first connection did not come up in time: show the offline banner."""
        if self.link is Link.CONNECTING:
            self.link = Link.OFFLINE
            self.link_changed.emit(self.link)

    def _apply_services(self, state: ServicesState) -> None:
        self.state_ts = state.ts
        for item in state.services:
            view = self.services.get(item.id)
            if view is None:
                continue  # a service this kiosk does not offer
            view.open = item.open
            view.waiting = item.waiting
            view.eta_s = item.eta_s or 0
            view.windows_open = item.windows_open
            view.quota_left = item.quota_left
            view.next_open = item.next_open
        self.services_changed.emit()


def parse_scan(text: str) -> str | None:
    """`A1B2C3`, `tideq-appt:A1B2C3` or a link with `code=A1B2C3` -> the code; None otherwise."""
    text = text.strip()
    m = re.search(r"[?&]code=([A-Za-z0-9-]{4,32})", text)
    if m:
        return m.group(1).upper()
    tail = text.rsplit(":", 1)[-1]
    return tail.upper() if CODE_RE.match(tail) else None
