"""24-hour self-service (issue 16 item 4): what a kiosk offers outside opening hours, as its hall
file's `after_hours` says: a number for the next opening (an appointment for its first slot,
checked in on arrival), a slot on a later day, a service's materials list on paper, and where a
ticket or an appointment stands.

`NightModel` holds the flow and does no I/O, like KioskModel: it emits `send` and
`print_requested` and is told `handle_reply` / `handle_print`. It lives beside the day model
(its lang, large mode, link and clock) on one screen, Screen.NIGHT, with pages of its own, so
the day flows stay as they are. No personal data: the printed code is the key."""

from __future__ import annotations

import re
import uuid
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from enum import Enum
from typing import TYPE_CHECKING, Any
from zoneinfo import ZoneInfo

from PySide6.QtCore import QObject, Signal

from tideq.config.schema import Service
from tideq.contract import AppointmentInfo, BookingInfo, ErrorCode, ErrorInfo, Reply, SlotInfo, TicketInfo
from tideq.drivers.printer.slip import SlipPrint

from .i18n import Lang, S, bitext, when

if TYPE_CHECKING:
    from .model import KioskModel

NIGHT_S: dict[str, tuple[str, str]] = {
    "night.notice": (
        "大厅已下班，{when}开放。24小时自助服务：",
        "The hall is closed and opens {when}. 24-hour self-service:",
    ),
    "night.next_opening": ("下次开放取号", "Next opening"),
    "night.next_opening_sub": ("预约{when}第一个时段，到厅签到", "A number for the first slot, {when}"),
    "night.book": ("预约其他时段", "Book a slot"),
    "night.book_sub": ("{days}天内，按时段预约", "Any slot in the next {days} days"),
    "night.materials": ("打印材料清单", "Materials list"),
    "night.materials_sub": ("办事所需材料，带回准备", "What to bring, printed"),
    "night.lookup": ("查询", "Look up"),
    "night.lookup_sub": ("预约或号票：输入预约码或扫码", "A booking or a ticket: code or scan"),
    "night.pick_next": ("请选择业务：预约{when}第一个时段", "Choose a service: first slot {when}"),
    "night.pick_book": ("请选择要预约的业务", "Choose the service to book"),
    "night.pick_materials": ("请选择业务，打印所需材料清单", "Choose a service to print its materials list"),
    "night.no_slots": ("不在自助机预约", "No kiosk bookings"),
    "night.slots_title": ("{service}：{day}的可约时段", "{service}: slots on {day}"),
    "night.slot_free": ("余{n}", "{n} left"),
    "night.slot_full": ("已满", "Full"),
    "night.no_slots_day": ("这一天没有可约时段，请看后一天", "No free slots this day; try the next day"),
    "night.prev_day": ("◀ 前一天", "◀ Previous day"),
    "night.next_day": ("后一天 ▶", "Next day ▶"),
    "night.back": ("返回", "Back"),
    "night.booked": ("预约成功", "Booked"),
    "night.booked_slot": ("{service}  {when}", "{service}  {when}"),
    "night.code": ("预约码", "Appointment code"),
    "night.checkin_hint": (
        "请于{opens}后到厅，在取号机输入预约码或扫描凭条二维码签到取号",
        "Come from {opens}; at a kiosk, enter the code or scan the slip's QR code to check in",
    ),
    "night.printing": ("正在打印预约凭条…", "Printing your slip…"),
    "night.printed": ("请取走凭条", "Please take your slip"),
    "night.print_failed": ("打印失败：请拍下本页的预约码", "Printing failed: take a photo of the code on this page"),
    "night.no_printer": ("请记下或拍下预约码", "Write down or photograph the code"),
    "night.materials_title": ("{service}：所需材料", "{service}: documents to bring"),
    "night.materials_printing": ("正在打印材料清单…", "Printing the list…"),
    "night.materials_printed": ("请取走材料清单", "Please take your list"),
    "night.materials_failed": ("打印失败：请拍下本页", "Printing failed: take a photo of this page"),
    "night.card": ("{service}需要刷身份证预约", "{service} needs your ID card to book"),
    "night.card_hint": (
        "请将身份证放在感应区；身份证号不会保存或打印",
        "Place your ID card on the reader; the number is neither kept nor printed",
    ),
    "night.card_bad": ("未能读取身份证，请重新放置", "The card could not be read; place it again"),
    "night.card_none": (
        "本机无法读卡：请于开放时间带身份证到厅取号",
        "No card reader here: take a number at the hall with your ID card",
    ),
    "night.where": ("办理地点：{where}", "Where: {where}"),
    "night.materials_none": ("本业务无需特别材料，请带身份证", "No special documents: bring your ID card"),
    "night.lookup_title": ("查询预约或号票", "Look up a booking or a ticket"),
    "night.lookup_enter": (
        "请输入预约码，或将号票二维码对准扫描口",
        "Enter the booking code, or scan the ticket's QR code",
    ),
    "night.lookup_ok": ("查询", "Look up"),
    "night.lookup_short": ("预约码为4到20位数字", "A code has 4 to 20 digits"),
    "night.sending": ("正在查询…", "Looking up…"),
    "night.status.pending": ("已预约，待签到", "Booked, not checked in yet"),
    "night.status.checked_in": ("已签到，号码 {ticket}", "Checked in: ticket {ticket}"),
    "night.status.no_show": ("预约时段已过，未签到", "The slot passed without a check-in"),
    "night.status.cancelled": ("预约已取消", "The booking was cancelled"),
    "night.ticket_status": ("号票 {number}：{status}", "Ticket {number}: {status}"),
    "night.ticket.waiting": ("等候中，前面{n}人", "waiting, {n} ahead"),
    "night.ticket.serving": ("正在{window}号窗口办理", "being served at window {window}"),
    "night.ticket.skipped": ("已过号，请到综合咨询窗口", "missed: go to General Enquiries"),
    "night.ticket.done": ("已办结", "done"),
    "night.book_free": ("预约{when}", "Book {when}"),
    "night.retry": ("重试", "Try again"),
    "night.home": ("返回首页", "Home"),
    "voice.night": (
        "大厅已下班，可预约明早取号、预约时段、打印材料清单或查询",
        "The hall is closed. You can book for the next opening, book a slot, print a materials list, or look up",
    ),
    # printed
    "slip.title": ("预约凭条", "Appointment slip"),
    "slip.materials": ("材料清单", "Materials list"),
    "slip.footer": ("凭预约码签到，无需提供个人信息", "The code is your key: no personal data kept"),
}
S.update(NIGHT_S)

CODE_DIGITS = re.compile(r"^[0-9]{4,20}$")
VERIFY_RE = re.compile(r"^tideq:[a-z0-9-]+:\d{4}-\d{2}-\d{2}:([A-Z][0-9]{3,}):[0-9a-f]{10}$")


class Page(str, Enum):
    SERVICES = "services"  # choose a service (for next_opening, book or materials)
    SLOTS = "slots"  # choose a slot of a day
    SLIP = "slip"  # booked: the code, large, and the slip printing
    MATERIALS = "materials"  # the materials list, printing
    LOOKUP = "lookup"  # the code keypad, or a scanned ticket
    RESULT = "result"  # where the booking or ticket stands
    REFUSAL = "refusal"  # the controller's refusal, with the next free slot in one tap
    CARD = "card"  # an identity service: the ID card's HMAC goes with the booking (one per person)


class Purpose(str, Enum):
    NEXT_OPENING = "next_opening"
    BOOK = "book"
    MATERIALS = "materials"


class PrintState(str, Enum):
    PRINTING = "printing"
    PRINTED = "printed"
    FAILED = "failed"
    NO_PRINTER = "no_printer"


@dataclass
class NightRequest:
    cid: str
    command: str
    args: dict[str, Any]
    sending: bool = True


class NightModel(QObject):
    changed = Signal()
    send = Signal(str, object, str)  # command, args, command id (as KioskModel.send)
    print_requested = Signal(str, object)  # job id, SlipPrint

    def __init__(self, day: KioskModel) -> None:
        super().__init__()
        self.day = day
        self.functions = list(day.kiosk.after_hours)
        self.tz = ZoneInfo(day.hall.hall.timezone)
        self.clear()

    # ---------------------------------------------------------------- state
    def clear(self) -> None:
        """Forget the visitor's flow (idle reset, home)."""
        self.page = Page.SERVICES
        self.purpose: Purpose | None = None
        self.service: str | None = None
        self.slot_day: date | None = None
        self.slots: list[SlotInfo] = []
        self.booked: AppointmentInfo | None = None
        self.code = ""
        self.notice = ""
        self.booking: BookingInfo | None = None
        self.found_ticket: TicketInfo | None = None
        self.error: ErrorInfo | None = None
        self.request: NightRequest | None = None
        self._card: str | None = None  # an identity service's card HMAC, until its slot is booked
        self.print_job: str | None = None
        self.print_state = PrintState.NO_PRINTER

    @property
    def active(self) -> bool:
        """The hall is closed (as `state/services` says) and the kiosk offers something at night."""
        m = self.day
        return bool(self.functions) and m.state_ts is not None and not m.hall_open

    @property
    def busy(self) -> bool:
        return (self.request is not None and self.request.sending) or self.print_state is PrintState.PRINTING

    def t(self, key: str, **kw: Any) -> str:
        return self.day.t(key, **kw)

    def now(self) -> datetime | None:
        return self.day.state_ts

    def when(self, at: datetime | None) -> str:
        return when(at.astimezone(self.tz) if at else None, self.day.lang, self.day.state_ts)

    def offered(self) -> list[Service]:
        """The services this kiosk offers, and for booking only those with slots."""
        out = [v.cfg for v in self.day.services.values()]
        if self.purpose in (Purpose.NEXT_OPENING, Purpose.BOOK):
            return [s for s in out if self.bookable(s)]
        return out

    def bookable(self, svc: Service) -> bool:
        return self.day.hall.slot_capacity(svc) > 0

    # ---------------------------------------------------------------- actions
    def start(self, purpose: Purpose) -> None:
        self.clear()
        self.purpose = purpose
        self._show(Page.SERVICES)

    def start_lookup(self) -> None:
        self.clear()
        self._show(Page.LOOKUP)

    def pick_service(self, sid: str) -> None:
        if self.busy:
            return
        svc = self.day.hall.service(sid)
        if svc is None:
            return
        self.service = sid
        if self.purpose is not Purpose.MATERIALS and svc.identity_required:
            self.notice = "" if self.day.has_card_reader else self.t("night.card_none")
            self._show(Page.CARD)
        elif self.purpose is Purpose.MATERIALS:
            self._show(Page.MATERIALS)
            self._print(self.materials_slip(svc))
        elif self.purpose is Purpose.NEXT_OPENING:
            self._send("book", {"service": sid, "source": self.day.kiosk.id})
        else:
            self._send("slots", {"service": sid})

    def card_read(self, identity: str) -> None:
        """The ID card's HMAC (never the number) for an identity service's booking; dropped
        anywhere else, and once the request is sent (the pending args keep it only in flight)."""
        from .model import Screen

        if self.day.screen is not Screen.NIGHT or self.page is not Page.CARD or self.busy or not self.service:
            return
        args: dict[str, Any] = {"service": self.service, "source": self.day.kiosk.id, "identity": identity}
        if self.purpose is Purpose.BOOK:
            self._card = identity  # the slot comes next: held until the visitor picks one
            self._send("slots", {"service": self.service})
            return
        self._send("book", args)

    def card_failed(self, reason: str = "") -> None:
        if self.page is Page.CARD:
            self.notice = self.t("night.card_bad")
            self.changed.emit()

    def shift_day(self, days: int) -> None:
        if self.busy or self.service is None or self.slot_day is None:
            return
        now = self.now()
        today = now.astimezone(self.tz).date() if now else self.slot_day
        day = self.slot_day + timedelta(days=days)
        if day < today or (day - today).days > self.day.hall.rules.book_days:
            return
        self._send("slots", {"service": self.service, "day": day.isoformat()})

    def pick_slot(self, start: datetime) -> None:
        if self.busy or self.service is None:
            return
        args: dict[str, Any] = {"service": self.service, "source": self.day.kiosk.id, "start": start.isoformat()}
        if self._card:
            args["identity"] = self._card
        self._send("book", args)

    def book_next_free(self) -> None:
        """The refusal's next free slot, in one tap (窗口无否决权)."""
        nxt = self.error.extra("next_free") if self.error else None
        if isinstance(nxt, dict) and self.service:
            self.pick_slot(datetime.fromisoformat(nxt["start"]))

    def retry(self) -> None:
        r = self.request
        if r is not None and not r.sending:
            r.sending = True
            self._dispatch()

    def key(self, ch: str) -> None:
        if len(self.code) < 20:
            self.code += ch
            self.changed.emit()

    def backspace(self) -> None:
        self.code = self.code[:-1]
        self.changed.emit()

    def clear_code(self) -> None:
        self.code = ""
        self.changed.emit()

    def submit_code(self) -> bool:
        if not CODE_DIGITS.match(self.code):
            self.notice = self.t("night.lookup_short")
            self.changed.emit()
            return False
        self.notice = self.t("night.sending")
        self._send("lookup", {"code": self.code, "source": self.day.kiosk.id})
        return True

    def scanned(self, text: str) -> bool:
        """A ticket's QR (its `verify` string) or a slip's (`tideq-appt:CODE`) on the lookup page."""
        from .model import Screen

        if self.day.screen is not Screen.NIGHT or self.page is not Page.LOOKUP or self.busy:
            return False
        text = text.strip()
        m = VERIFY_RE.match(text)
        if m:
            self._send("lookup", {"ticket": m.group(1), "verify": text, "source": self.day.kiosk.id})
            return True
        code = text.removeprefix("tideq-appt:")
        if CODE_DIGITS.match(code):
            self.code = code
            return self.submit_code()
        return False

    # ---------------------------------------------------------------- bus
    def _send(self, command: str, args: dict[str, Any]) -> None:
        self.request = NightRequest(str(uuid.uuid4()), command, args)
        self._dispatch()

    def _dispatch(self) -> None:
        r = self.request
        assert r is not None
        self.changed.emit()
        from .model import Link, unreachable_error

        if self.day.link is not Link.ONLINE:  # refuse now rather than wait for a timeout
            self.handle_reply(r.cid, Reply(id=r.cid, ok=False, error=unreachable_error()))
            return
        self.send.emit(r.command, r.args, r.cid)

    def handle_reply(self, tag: str, reply: Reply) -> None:
        r = self.request
        if r is None or tag != r.cid or not r.sending:
            return  # another flow's answer (the day model's), or stale
        r.sending = False
        if reply.ok and r.command == "slots" and reply.slots is not None:
            self.slots, self.slot_day = reply.slots, reply.day
            self._show(Page.SLOTS)
        elif reply.ok and r.command == "book" and reply.appointment is not None:
            self.booked = reply.appointment
            self._card = None
            r.args.pop("identity", None)  # nothing of the card outlives the booking
            self._show(Page.SLIP)
            svc = self.day.hall.service(reply.appointment.service)
            if svc is not None:
                self._print(self.appointment_slip(svc, reply.appointment))
        elif reply.ok and r.command == "lookup" and (reply.booking or reply.ticket):
            self.booking, self.found_ticket = reply.booking, reply.ticket
            self.notice = ""
            self._show(Page.RESULT)
        else:
            from .model import unexpected_error

            self.error = reply.error or unexpected_error()
            if self.error.code is not ErrorCode.CONTROLLER_UNREACHABLE:
                self.request = None
            else:
                self.error = self.error.model_copy(
                    update={"message": bitext("refusal.offline_msg"), "guide": bitext("refusal.offline_guide")}
                )
            self.notice = ""
            self._show(Page.REFUSAL)

    # ---------------------------------------------------------------- printing
    def _print(self, slip: SlipPrint) -> None:
        if not self.day.has_printer:
            self.print_state = PrintState.NO_PRINTER
            self.changed.emit()
            return
        self.print_job = f"night-{uuid.uuid4()}"
        self.print_state = PrintState.PRINTING
        self.changed.emit()
        self.print_requested.emit(self.print_job, slip)

    def handle_print(self, job: str, printed: bool, code: str = "", guide: object = None) -> None:
        if job != self.print_job:
            return
        self.print_state = PrintState.PRINTED if printed else PrintState.FAILED
        self.changed.emit()

    def appointment_slip(self, svc: Service, a: AppointmentInfo) -> SlipPrint:
        """The slip: service, slot, the code large with its QR; no personal data."""
        h = self.day.hall
        start = a.start.astimezone(self.tz)
        opens = start - timedelta(minutes=h.rules.checkin_early_min)
        zh_when, en_when = when(start, Lang.ZH), when(start, Lang.EN)
        return SlipPrint(
            hall_zh=h.hall.name.zh,
            hall_en=h.hall.name.en,
            title_zh=S["slip.title"][0],
            title_en=S["slip.title"][1],
            heading_zh=f"{svc.name.zh}  {zh_when}",
            heading_en=f"{svc.name.en}  {en_when}",
            number=a.code,
            printed_at=self.now() or start,
            code=a.code,
            qr=f"tideq-appt:{a.code}",
            lines=(
                S["night.checkin_hint"][0].format(opens=f"{opens:%H:%M}"),
                S["night.checkin_hint"][1].format(opens=f"{opens:%H:%M}"),
                *([f"办理地点：{svc.guide.where.zh}", f"Where: {svc.guide.where.en}"] if svc.guide.where else []),
            ),
            footer=S["slip.footer"],
        )

    def materials_slip(self, svc: Service) -> SlipPrint:
        """A service's guide on paper: materials, conditions, where, whom to ask, online."""
        h, g = self.day.hall, svc.guide
        lines: list[str] = []
        for i, item in enumerate(g.materials, 1):
            lines += [f"{i}. {item.zh}", f"   {item.en}"]
        if not g.materials:
            lines += list(S["night.materials_none"])
        if g.conditions:
            lines += ["办理条件 Conditions:"] + [f"- {c.zh} / {c.en}" for c in g.conditions]
        for label_zh, label_en, text in (
            ("办理地点", "Where", g.where),
            ("咨询", "Ask", g.contact),
            ("网上办理", "Online", g.online),
        ):
            if text is not None:
                lines += [f"{label_zh}：{text.zh}", f"{label_en}: {text.en}"]
        return SlipPrint(
            hall_zh=h.hall.name.zh,
            hall_en=h.hall.name.en,
            title_zh=S["slip.materials"][0],
            title_en=S["slip.materials"][1],
            heading_zh=svc.name.zh,
            heading_en=svc.name.en,
            number=f"materials-{svc.id}",
            printed_at=self.now() or datetime.now().astimezone(self.tz),
            lines=tuple(lines),
        )

    def _show(self, page: Page) -> None:
        self.page = page
        self.changed.emit()
        from .model import Screen

        if self.day.screen is not Screen.NIGHT:
            self.day.go(Screen.NIGHT)
