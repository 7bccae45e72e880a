"""The kiosk's 绿色通道 · 补打 screen: call staff to the green channel, and reprint a ticket.

A kiosk never issues a green ticket itself (the controller refuses `priority: green` from a kiosk
login, and the broker drops its `cmd/green`): it calls staff (`cmd/help` action `request`); the
request shows on the manager console and the caller terminals (`state/help`); staff walk over,
confirm, and issue the ticket for this kiosk (`cmd/green` with `help`); the kiosk sees its request
`issued`, collects the ticket (`cmd/help` action `collect`) and prints it as any ticket (the
ticket screen, marked 绿色通道).

Reprint (补打): scan the ticket's QR code at the scanner, or type its number and the last 4
characters of the verify code printed under the QR code; the controller checks them
(`cmd/reprint`), records a `reprinted` event and answers the ticket, which prints marked
补打 / REPRINT. Kept apart from the other screens (a view in the window's stack without a `Screen`
of its own): the home screen only gets an entry button.
"""

from __future__ import annotations

import dataclasses
import re
import uuid
from enum import Enum
from functools import partial
from typing import TYPE_CHECKING

from PySide6.QtCore import QObject, Signal
from PySide6.QtWidgets import QGridLayout, QHBoxLayout, QLineEdit, QVBoxLayout, QWidget

from tideq.config.schema import HallConfig
from tideq.contract import BiText, ErrorCode, Lang, Reply
from tideq.contract.state import HELP_TOPIC, HelpState
from tideq.contract.ticket_page import VERIFY_TYPED
from tideq.contract.vocab import HelpStatus
from tideq.ui.qtbus import QtBus

from .model import KioskModel, Screen, TicketView
from .screens.base import View, button, label, set_role

if TYPE_CHECKING:
    from .printing import PrintService

TEXTS: dict[str, tuple[str, str]] = {
    "entry": ("绿色通道 · 补打小票", "Green channel · Reprint"),
    "title": ("绿色通道 · 补打小票", "Green channel · Reprint a ticket"),
    "green_intro": (
        "老年人、残障人士、孕妇、军人等可走绿色通道优先办理。请点击下方按钮，工作人员将前来为您确认并取号。",
        "Elderly, disabled, pregnant and military visitors may be served first. Press the button: "
        "a member of staff comes to confirm and takes the number for you.",
    ),
    "call": ("呼叫工作人员", "Call staff"),
    "calling": ("正在呼叫工作人员，请在此稍候…", "Staff have been called; please wait here…"),
    "issued": ("工作人员已为您取号，正在打印…", "Staff took your number; printing…"),
    "cancel": ("取消呼叫", "Cancel the call"),
    "reprint_intro": (
        "小票没打出来或丢失？请在扫码口扫描小票二维码，或输入号码和二维码下方校验码的后4位。",
        "Ticket not printed or lost? Scan its QR code at the scanner, or type its number and the "
        "last 4 characters of the verify code under the QR code.",
    ),
    "number": ("号码，如 B012", "Number, e.g. B012"),
    "digits": ("校验码后4位", "Last 4 of the code"),
    "reprint": ("补打", "Reprint"),
    "reprinting": ("正在补打…", "Reprinting…"),
    "reprinted": ("已补打 {n}（第{k}次），请取走小票", "{n} reprinted (#{k}); please take the ticket"),
    "no_printer": (
        "本机无法打印，请到综合咨询窗口补打 {n}",
        "This kiosk cannot print: ask at General Enquiries for {n}",
    ),
    "need_number": ("请输入号码和校验码后4位", "Type the number and the last 4 characters of the code"),
    "home": ("返回首页", "Back to home"),
}
_KEYS = "0123456789ABCDEF"
_VERIFY = re.compile(r"^tideq:[a-z0-9-]+:\d{4}-\d{2}-\d{2}:([A-Z0-9]{1,16}):([0-9a-f]{10})$")
_PAGE = re.compile(r"/t/([A-Za-z0-9_-]{20,64})(?:[?#].*)?$")


class Stage(str, Enum):
    IDLE = "idle"
    CALLING = "calling"  # help requested: waiting for staff (state/help `open`)
    ISSUED = "issued"  # staff issued the ticket: collecting and printing it
    REPRINTING = "reprinting"
    REPRINTED = "reprinted"
    REFUSED = "refused"  # the controller said no (its message and guide are shown)


class KioskGreen(QObject):
    """The screen's model: one help request and one reprint at a time."""

    changed = Signal()

    def __init__(
        self, bus: QtBus, hall: HallConfig, kiosk_id: str, model: KioskModel, printing: PrintService | None
    ) -> None:
        super().__init__()
        self.bus, self.hall, self.kiosk_id, self.model, self.printing = bus, hall, kiosk_id, model, printing
        self.stage = Stage.IDLE
        self.help_id: str | None = None
        self.said: tuple[BiText, BiText | None] | None = None  # a refusal's message and guide
        self.reprinted: tuple[str, int] | None = None
        self._tags = {"help": f"green-help:{kiosk_id}", "reprint": f"green-reprint:{kiosk_id}"}
        bus.subscribe(bus.topics.state(HELP_TOPIC), HelpState)
        bus.message.connect(self._on_message)
        bus.answered.connect(self._on_reply)

    def t(self, key: str, **kw: object) -> str:
        text = TEXTS[key][0 if self.model.lang is Lang.ZH else 1]
        return text.format(**kw) if kw else text

    # ------------------------------------------------------------------ acting
    def call_staff(self) -> None:
        if self.stage is Stage.CALLING:
            return
        args: dict[str, str] = {"action": "request", "source": self.kiosk_id}
        self.stage, self.said = Stage.CALLING, None
        self.bus.request("help", args, self._tags["help"])
        self.changed.emit()

    def cancel(self) -> None:
        if self.help_id is not None:
            self.bus.request("help", {"action": "cancel", "help": self.help_id}, self._tags["help"])
        self.help_id, self.stage = None, Stage.IDLE
        self.changed.emit()

    def reprint(self, number: str, digits: str) -> None:
        n, d = number.strip().upper(), digits.strip().lower()
        if not n or len(d) != VERIFY_TYPED:
            self.stage, self.said = Stage.REFUSED, (BiText.of(*TEXTS["need_number"]), None)
            self.changed.emit()
            return
        self._send_reprint({"source": self.kiosk_id, "ticket": n, "verify": d})

    def scanned(self, text: str) -> bool:
        """A ticket's QR code at the scanner while this screen shows: reprint it."""
        text = text.strip()
        if m := _PAGE.search(text):
            self._send_reprint({"source": self.kiosk_id, "page": m.group(1)})
            return True
        if m := _VERIFY.match(text):
            self._send_reprint({"source": self.kiosk_id, "ticket": m.group(1), "verify": m.group(2)[-VERIFY_TYPED:]})
            return True
        return False

    def _send_reprint(self, args: dict[str, str]) -> None:
        self.stage, self.said = Stage.REPRINTING, None
        self.bus.request("reprint", args, self._tags["reprint"])
        self.changed.emit()

    # ------------------------------------------------------------------ answers
    def _view(self, reply: Reply) -> TicketView:
        assert reply.ticket is not None
        return TicketView.acknowledged(
            str(uuid.uuid4()), reply.ticket, None, self.hall.hall.id, self.hall.gateway.public_url
        )

    def _on_reply(self, tag: str, reply: Reply) -> None:
        if tag not in self._tags.values():
            return
        if not reply.ok:
            err = reply.error
            if err is not None and err.code is ErrorCode.HELP_UNKNOWN and self.stage is not Stage.CALLING:
                return  # a cancel of a request staff had already closed
            self.stage = Stage.REFUSED
            self.said = (err.message, err.guide) if err else (BiText.of("未应答", "no answer"), None)
            self.help_id = None if tag == self._tags["help"] else self.help_id
        elif tag == self._tags["help"] and reply.ticket is not None:  # collected: print it as any ticket
            self.help_id, self.stage = None, Stage.IDLE
            self.model._show_ticket(self._view(reply))  # the ticket screen and its print path
        elif tag == self._tags["help"] and reply.help is not None:
            if reply.help.status is HelpStatus.CLOSED:
                return
            self.help_id = reply.help.id
            if reply.help.status is HelpStatus.ISSUED:  # a repeated request staff answered meanwhile
                self._collect()
        elif tag == self._tags["reprint"] and reply.ticket is not None:
            view = self._view(reply)
            k = reply.ticket.reprints or 1
            self.reprinted, self.stage = (view.number, k), Stage.REPRINTED
            if self.printing is not None:
                from .printing import to_print

                self.printing.submit_job(view.cid, dataclasses.replace(to_print(self.hall, view), reprints=k))
        self.changed.emit()

    def _collect(self) -> None:
        if self.help_id is not None and self.stage is not Stage.ISSUED:
            self.stage = Stage.ISSUED
            self.bus.request("help", {"action": "collect", "help": self.help_id}, self._tags["help"])

    def _on_message(self, topic: str, msg: object) -> None:
        if topic != self.bus.topics.state(HELP_TOPIC) or not isinstance(msg, HelpState):
            return
        mine = next((h for h in msg.requests if h.id == self.help_id), None)
        if mine is not None and mine.status is HelpStatus.ISSUED and self.stage is Stage.CALLING:
            self._collect()
            self.changed.emit()
        elif mine is None and self.stage is Stage.CALLING and self.help_id is not None:
            self.help_id, self.stage = None, Stage.IDLE  # staff cancelled it
            self.changed.emit()


class GreenView(View):
    """Renders KioskGreen; the kiosk's own theme (standard or large) styles it by role."""

    def __init__(self, model: KioskModel, green: KioskGreen) -> None:
        super().__init__(model)
        self.green = green
        self.entry: QWidget | None = None  # its button on the home screen (install)
        box = QVBoxLayout(self)
        box.setContentsMargins(60, 24, 60, 24)
        box.setSpacing(18)
        self.title = label("", "title")
        box.addWidget(self.title)
        cards = QHBoxLayout()  # side by side: stacked, the page is taller than the screen at 1.5x type
        cards.setSpacing(24)
        box.addLayout(cards, 1)
        card = QWidget()
        set_role(card, "card")
        col = QVBoxLayout(card)
        self.green_intro = label("", "body")
        self.call = button("", "primary", green.call_staff)
        self.cancel = button("", "", green.cancel)
        self.green_state = label("", "notice")
        col.addWidget(self.green_intro)
        col.addWidget(self.call)
        col.addWidget(self.cancel)
        col.addWidget(self.green_state)
        col.addStretch(1)
        cards.addWidget(card, 2)
        card = QWidget()
        set_role(card, "card")
        col = QVBoxLayout(card)
        self.reprint_intro = label("", "body")
        col.addWidget(self.reprint_intro)
        row = QHBoxLayout()
        self.number = QLineEdit()
        self.number.setMaxLength(8)
        self.digits = QLineEdit()
        self.digits.setMaxLength(VERIFY_TYPED)
        self.reprint_button = button("", "primary", lambda: green.reprint(self.number.text(), self.digits.text()))
        row.addWidget(self.number, 2)
        row.addWidget(self.digits, 2)
        row.addWidget(self.reprint_button, 1)
        col.addLayout(row)
        keys = QGridLayout()
        prefixes = sorted({s.prefix for s in model.hall.services} - set(_KEYS))
        per_row = 10  # two rows of ten at most: one row of 19 keys is wider than the card
        self.keys: list[QWidget] = []
        for i, k in enumerate([*_KEYS, *prefixes, "⌫"]):
            key = button(k, "key", partial(self._key, k))
            self.keys.append(key)
            keys.addWidget(key, i // per_row, i % per_row)
        col.addLayout(keys)
        self.reprint_state = label("", "notice")
        col.addWidget(self.reprint_state)
        col.addStretch(1)
        cards.addWidget(card, 3)
        self.home = button("", "", model.go_home)
        box.addWidget(self.home)
        self._field = self.number
        self.number.selectionChanged.connect(lambda: setattr(self, "_field", self.number))
        self.digits.selectionChanged.connect(lambda: setattr(self, "_field", self.digits))
        green.changed.connect(self.refresh)
        model.lang_changed.connect(self.refresh)
        model.large_changed.connect(self.refresh)

    def _key(self, k: str) -> None:
        """The on-screen keys type into the number until it looks complete, then into the digits."""
        f = self.digits if self.digits.hasFocus() else self.number
        if f is self.number and re.fullmatch(r"[A-Z][0-9]{3,}", self.number.text()) and k != "⌫":
            f = self.digits
        if k == "⌫":
            f = self.digits if self.digits.text() else self.number
            f.setText(f.text()[:-1])
        else:
            f.setText(f.text() + k)

    def refresh(self) -> None:
        for key in self.keys:  # whole touch targets in both modes (the theme's height follows the mode)
            key.setMinimumHeight(self.theme.button_h)
        g, m = self.green, self.model
        self.title.setText(g.t("title"))
        self.green_intro.setText(g.t("green_intro"))
        self.call.setText(g.t("call"))
        self.cancel.setText(g.t("cancel"))
        self.cancel.setVisible(g.stage is Stage.CALLING)
        self.call.setEnabled(g.stage is not Stage.CALLING)
        self.reprint_intro.setText(g.t("reprint_intro"))
        self.number.setPlaceholderText(g.t("number"))
        self.digits.setPlaceholderText(g.t("digits"))
        self.reprint_button.setText(g.t("reprint"))
        self.home.setText(g.t("home"))
        green_text = {Stage.CALLING: g.t("calling"), Stage.ISSUED: g.t("issued")}.get(g.stage, "")
        self.green_state.setText(green_text)
        self.green_state.setVisible(bool(green_text))
        text, role = "", "notice"
        if g.stage is Stage.REPRINTING:
            text = g.t("reprinting")
        elif g.stage is Stage.REPRINTED and g.reprinted:
            n, k = g.reprinted
            text, role = (g.t("reprinted", n=n, k=k) if g.printing else g.t("no_printer", n=n)), "good"
        elif g.stage is Stage.REFUSED and g.said:
            msg, guide = g.said
            text, role = m.p(msg) + (f"\n{m.p(guide)}" if guide else ""), "error"
        set_role(self.reprint_state, role)
        self.reprint_state.setText(text)
        self.reprint_state.setVisible(bool(text))


def install(window: QWidget, model: KioskModel, green: KioskGreen) -> GreenView:
    """Add the screen to the kiosk window's stack and its entry to the home screen."""
    from .window import KioskWindow

    assert isinstance(window, KioskWindow)
    view = GreenView(model, green)
    window.stack.addWidget(view)

    def show() -> None:
        window.stack.setCurrentWidget(view)
        view.refresh()

    home = window.views[Screen.HOME].layout()
    assert home is not None  # HomeView lays itself out in __init__
    entry = button("", "", show)
    entry.setObjectName("green-entry")
    home.addWidget(entry)
    model.lang_changed.connect(lambda *_: entry.setText(green.t("entry")))
    entry.setText(green.t("entry"))
    view.entry = entry
    return view
