"""The staff side of the green channel (绿色通道), reprints (补打) and ticket checks, shared by the
caller terminal (`window-{id}`) and the manager console (`manager`).

`GreenDesk` is the model: it issues green tickets with a reason category (`cmd/green`), answers
kiosks' help requests (`state/help`, `cmd/green` with `help`), reprints by number (`cmd/reprint`)
and checks a scanned ticket code locally: the MAC under the hall secret (the secret the kiosks
already hold for the identity HMAC, from the hall file's `secret_env`) and the status from the
retained state it reads. `GreenPanel` only renders it. Network I/O runs on the bus's threads;
answers arrive as queued signals.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import Enum
from functools import partial

from PySide6.QtCore import QObject, Qt, Signal
from PySide6.QtGui import QFont
from PySide6.QtWidgets import (
    QButtonGroup,
    QComboBox,
    QFrame,
    QGridLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPushButton,
    QRadioButton,
    QVBoxLayout,
    QWidget,
)

from tideq.config.schema import HallConfig
from tideq.contract import BiText, Lang, QueueState, Reply, ServicesState, WindowsState
from tideq.contract.replies import HelpRef
from tideq.contract.state import HELP_TOPIC, HelpState
from tideq.contract.ticket_page import read_qr
from tideq.contract.vocab import GREEN_REASON_LABELS, GreenReason, HelpStatus

from .fonts import cjk_family
from .qtbus import QtBus

B = BiText.of


class Check(str, Enum):
    """What a scanned ticket code is."""

    GENUINE = "genuine"  # this hall's, today's
    OTHER_DAY = "other_day"  # this hall's, another day's: no longer valid
    FORGED = "forged"  # not this hall's, or altered
    NO_SECRET = "no_secret"  # this terminal cannot check (the hall secret is not set here)


@dataclass(frozen=True)
class DeskLine:
    """What the desk last said: ok or not, the text, what to do, and the ticket it concerns."""

    ok: bool
    text: BiText
    guide: BiText | None = None
    ticket: str | None = None
    check: Check | None = None


class GreenDesk(QObject):
    changed = Signal()
    result = Signal(object)  # DeskLine, after every issue, reprint and check

    def __init__(self, bus: QtBus, hall: HallConfig, services: list[str], secret: bytes | None) -> None:
        super().__init__()
        self.bus, self.hall, self.secret = bus, hall, secret
        self.services = list(services) or [s.id for s in hall.services]  # a tidal pool window: any
        self.help: list[HelpRef] = []
        self.queue: QueueState | None = None
        self.windows: WindowsState | None = None
        self.green_today: dict[str, int] = {}  # service -> green tickets issued today (state/services)
        self.last: DeskLine | None = None
        self._tag = f"green:{id(self)}"
        self._pending: dict[str, str] = {}  # command id -> what it was (green, reprint)
        bus.message.connect(self._on_message)
        bus.answered.connect(self._on_reply)
        parts = ((HELP_TOPIC, HelpState), ("queue", QueueState), ("windows", WindowsState), ("services", ServicesState))
        for name, model in parts:
            bus.subscribe(bus.topics.state(name), model)

    # ------------------------------------------------------------------ acting
    def issue(self, service: str, reason: GreenReason, help_id: str | None = None) -> None:
        """A green ticket for `service` (a reason category only); with `help_id`, for that kiosk."""
        body: dict[str, str] = {"service": service, "reason": reason.value}
        if help_id:
            body["help"] = help_id
        self._pending[self.bus.request("green", body, self._tag)] = "green"

    def reprint(self, number: str) -> None:
        n = number.strip().upper()
        if not n:
            self._say(DeskLine(False, B("请输入要补打的号码", "type the number to reprint"), None))
            return
        self._pending[self.bus.request("reprint", {"ticket": n}, self._tag)] = "reprint"

    def check(self, code: str) -> DeskLine:
        """Is the scanned code a genuine ticket of today, and where is it?"""
        if not self.secret:
            line = DeskLine(
                False,
                B("本终端无法验票", "this terminal cannot check tickets"),
                B(
                    f"请设置大厅密钥环境变量 {self.hall.hall.secret_env}，或用网关的验票页 /staff/verify",
                    f"set {self.hall.hall.secret_env} (the hall secret) here, or use the gateway's /staff/verify",
                ),
                check=Check.NO_SECRET,
            )
            return self._say(line)
        ref = read_qr(self.secret, self.hall.hall.id, code)
        if ref is None:
            return self._say(
                DeskLine(
                    False,
                    B("不是本大厅签发的票", "not a ticket of this hall"),
                    B("号码或校验码被改动，或为其他大厅的票；请核实身份后重新取号", "altered or another hall's"),
                    check=Check.FORGED,
                )
            )
        if self.queue is not None and ref.day != self.queue.day:
            return self._say(
                DeskLine(
                    False,
                    B(f"真票，但不是今天的（{ref.day}）", f"genuine, but not today's ({ref.day})"),
                    B("号码只在取号当日有效，请重新取号", "a number is valid on its day only: take a new one"),
                    ref.number,
                    Check.OTHER_DAY,
                )
            )
        return self._say(
            DeskLine(
                True,
                B(f"真票：{ref.number}", f"genuine: {ref.number}"),
                self.status_of(ref.number),
                ref.number,
                Check.GENUINE,
            )
        )

    def status_of(self, number: str) -> BiText:
        """Where a ticket of today stands, from the retained state."""
        for w in self.windows.windows if self.windows else []:
            if w.ticket == number:
                return B(f"正在{w.name.zh}办理", f"being served at {w.name.en}")
        for s in self.queue.services if self.queue else []:
            if number in s.tickets:
                k = s.tickets.index(number)
                return B(f"等候中，前面 {k} 人", f"waiting, {k} ahead")
        for sk in self.queue.skipped if self.queue else []:
            if sk.number == number:
                return B(
                    f"已过号，可于 {sk.rejoin_until:%H:%M} 前重新排队",
                    f"skipped, may rejoin until {sk.rejoin_until:%H:%M}",
                )
        return B("已办结或已失效", "served, or no longer valid")

    @property
    def open_help(self) -> list[HelpRef]:
        return [h for h in self.help if h.status is HelpStatus.OPEN]

    # ------------------------------------------------------------------ answers
    def _say(self, line: DeskLine) -> DeskLine:
        self.last = line
        self.changed.emit()
        self.result.emit(line)
        return line

    def _on_reply(self, tag: str, reply: Reply) -> None:
        what = self._pending.pop(reply.id or "", None) if tag == self._tag else None
        if what is None:
            return
        if not reply.ok:
            err = reply.error
            self._say(DeskLine(False, err.message if err else B("未应答", "no answer"), err.guide if err else None))
            return
        t = reply.ticket
        n = t.number if t else ""
        if what == "green":
            where = (
                B(f"已为自助机 {reply.help.kiosk} 取号，由其打印", f"the kiosk {reply.help.kiosk} prints it")
                if reply.help
                else B("请交给市民", "hand it to the visitor")
            )
            self._say(DeskLine(True, B(f"绿色通道号 {n}", f"green-channel ticket {n}"), where, n))
        else:
            count = t.reprints if t and t.reprints else 1
            self._say(
                DeskLine(True, B(f"{n} 已补打（第{count}次）", f"{n} reprinted (#{count})"), self.status_of(n), n)
            )

    def _on_message(self, topic: str, msg: object) -> None:
        t = self.bus.topics
        if topic == t.state(HELP_TOPIC) and isinstance(msg, HelpState):
            self.help = list(msg.requests)
        elif topic == t.state("queue") and isinstance(msg, QueueState):
            self.queue = msg
        elif topic == t.state("windows") and isinstance(msg, WindowsState):
            self.windows = msg
        elif topic == t.state("services") and isinstance(msg, ServicesState):
            green = {s.id: s.green for s in msg.services if s.green}
            if green == self.green_today:
                return
            self.green_today = green
        else:
            return
        self.changed.emit()


def _tr(lang: Lang, text: BiText) -> str:
    return text.zh if lang is Lang.ZH else text.en


class GreenPanel(QFrame):
    """绿色通道 · 补打 · 验票: a reason, a service, issue; the kiosks' help requests; reprint and check."""

    def __init__(self, desk: GreenDesk, lang: Lang = Lang.ZH, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.desk, self.lang = desk, lang
        self.setObjectName("green-panel")
        self.setStyleSheet(
            "QFrame#green-panel { background: #f3f8f3; }"
            "QPushButton { background: white; border: 1px solid #9cc79c; border-radius: 6px; padding: 4px 8px; }"
            "QPushButton#issue { background: #1e8e3e; color: white; border: none; }"
        )
        family = cjk_family()
        self.setFont(QFont(family, 10))
        root = QVBoxLayout(self)
        self.title = QLabel()
        self.title.setFont(QFont(family, 13, QFont.Weight.Bold))
        root.addWidget(self.title)
        grid = QGridLayout()
        self.reasons = QButtonGroup(self)
        self.reason_buttons: dict[GreenReason, QRadioButton] = {}
        for i, r in enumerate(GreenReason):
            b = QRadioButton()
            self.reasons.addButton(b, i)
            self.reason_buttons[r] = b
            grid.addWidget(b, i, 0)  # one column: a caller terminal is narrow, "Military / veteran" is long
        self.reason_buttons[GreenReason.ELDERLY].setChecked(True)
        root.addLayout(grid)
        self.service = QComboBox()
        # not as wide as the longest service name: the panel must fit a narrow caller terminal
        self.service.setSizeAdjustPolicy(QComboBox.SizeAdjustPolicy.AdjustToMinimumContentsLengthWithIcon)
        self.service.setMinimumContentsLength(8)
        for sid in desk.services:
            svc = desk.hall.service(sid)
            self.service.addItem(svc.name.zh if svc else sid, sid)
        self.issue_button = QPushButton()
        self.issue_button.setObjectName("issue")
        self.issue_button.clicked.connect(self._issue)
        root.addWidget(self.service)
        root.addWidget(self.issue_button)
        self.today = QLabel()
        self.today.setWordWrap(True)
        root.addWidget(self.today)
        self.help_title = QLabel()
        self.help_title.setFont(QFont(family, 10, QFont.Weight.Bold))
        root.addWidget(self.help_title)
        self.help_box = QVBoxLayout()
        root.addLayout(self.help_box)
        self.help_buttons: dict[str, QPushButton] = {}
        row = QHBoxLayout()
        self.reprint_number = QLineEdit()
        self.reprint_number.setMaxLength(8)
        self.reprint_number.setMinimumWidth(60)  # the field gives way, its button's label stays whole
        self.reprint_button = QPushButton()
        self.reprint_button.clicked.connect(lambda: desk.reprint(self.reprint_number.text()))
        row.addWidget(self.reprint_number, 1)
        row.addWidget(self.reprint_button)
        root.addLayout(row)
        row = QHBoxLayout()
        self.code = QLineEdit()
        self.code.setMaxLength(512)
        self.code.setMinimumWidth(60)
        self.code.returnPressed.connect(lambda: desk.check(self.code.text()))  # a scanner types and presses Enter
        self.check_button = QPushButton()
        self.check_button.clicked.connect(lambda: desk.check(self.code.text()))
        row.addWidget(self.code, 1)
        row.addWidget(self.check_button)
        root.addLayout(row)
        self.answer = QLabel()
        self.answer.setWordWrap(True)
        self.answer.setMinimumHeight(48)
        root.addWidget(self.answer)
        desk.changed.connect(self.refresh)
        self.refresh()

    @property
    def reason(self) -> GreenReason:
        return next(r for r, b in self.reason_buttons.items() if b.isChecked())

    def _issue(self) -> None:
        self.desk.issue(str(self.service.currentData()), self.reason)

    def _answer_help(self, help_id: str, service: str | None) -> None:
        self.desk.issue(service or str(self.service.currentData()), self.reason, help_id)

    def set_lang(self, lang: Lang) -> None:
        self.lang = lang
        self.refresh()

    def refresh(self) -> None:
        lg = self.lang
        z = lg is Lang.ZH
        self.title.setText("绿色通道 · 补打 · 验票" if z else "Green channel · Reprint · Check")
        for r, b in self.reason_buttons.items():
            b.setText(GREEN_REASON_LABELS[r][lg])
        for i in range(self.service.count()):
            svc = self.desk.hall.service(str(self.service.itemData(i)))
            if svc:
                self.service.setItemText(i, svc.name.zh if z else svc.name.en)
        self.issue_button.setText("发绿色通道号" if z else "Issue green ticket")
        counts = self.desk.green_today
        names = []
        for sid, n in counts.items():
            svc = self.desk.hall.service(sid)
            names.append(f"{(svc.name.zh if z else svc.name.en) if svc else sid} {n}")
        self.today.setText(("今日绿色通道：" if z else "Green tickets today: ") + (" · ".join(names) if names else "0"))
        open_help = self.desk.open_help
        self.help_title.setText(
            (f"自助机求助（{len(open_help)}）" if z else f"Kiosk help requests ({len(open_help)})")
            if open_help
            else ("暂无自助机求助" if z else "No kiosk is calling for help")
        )
        for hid in list(self.help_buttons):
            if hid not in {h.id for h in open_help}:
                gone = self.help_buttons.pop(hid)
                self.help_box.removeWidget(gone)
                gone.deleteLater()
        for h in open_help:
            hb = self.help_buttons.get(h.id)
            if hb is None:
                hb = self.help_buttons[h.id] = QPushButton()
                hb.clicked.connect(partial(self._answer_help, h.id, h.service))
                self.help_box.addWidget(hb)
            svc = self.desk.hall.service(h.service) if h.service else None
            name = (svc.name.zh if z else svc.name.en) if svc else ""
            hb.setText(
                f"{h.kiosk} {h.at:%H:%M} {name} → 确认并发号"
                if z
                else f"{h.kiosk} {h.at:%H:%M} {name} → confirm and issue"
            )
        self.reprint_number.setPlaceholderText("补打号码，如 B012" if z else "Number to reprint, e.g. B012")
        self.reprint_button.setText("补打" if z else "Reprint")
        self.code.setPlaceholderText("扫描票面二维码" if z else "Scan the ticket's QR code")
        self.check_button.setText("验票" if z else "Check")
        self._fit()
        line = self.desk.last
        if line is None:
            self.answer.setText("")
            return
        text = _tr(lg, line.text) + (f"\n{_tr(lg, line.guide)}" if line.guide else "")
        self.answer.setText(text)
        self.answer.setStyleSheet(
            "color: #137333; font-weight: bold;" if line.ok else "color: #b3261e; font-weight: bold;"
        )
        self.answer.setAlignment(Qt.AlignmentFlag.AlignLeft)

    def _fit(self) -> None:
        """Buttons beside a field keep their whole label in both languages."""
        for b in (self.reprint_button, self.check_button):
            b.setMinimumWidth(b.fontMetrics().horizontalAdvance(b.text()) + 24)
