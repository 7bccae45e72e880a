"""The evaluator tablet at a window: after a ticket is finished it asks the visitor for a rating
(the five levels of the national 好差评 scale, the contract's `Rating`: 5 非常满意 … 1 非常不满意)
and sends it as `cmd/window/{id}` action `rate`; no answer within the timeout is sent as
"not_rated", so every finished ticket gets a record.

Two ways to learn that a ticket was finished:
- in the terminal's process: CallerModel.finished (exact, from the finish reply);
- on a tablet of its own: FinishWatcher, from `state/windows` (the ticket left the window and
  the window's `served` count went up; a skip or transfer leaves `served` unchanged).
"""

from __future__ import annotations

import math
import time
from enum import Enum
from functools import partial

from PySide6.QtCore import QObject, Qt, QTimer, Signal
from PySide6.QtGui import QFont
from PySide6.QtWidgets import QHBoxLayout, QLabel, QPushButton, QSizePolicy, QStackedLayout, QVBoxLayout, QWidget

from tideq.config.schema import HallConfig
from tideq.contract import NOT_RATED, ErrorCode, Lang, Rating, Reply, WindowAction, WindowsState
from tideq.ui.bus_protocol import Bus
from tideq.ui.fonts import cjk_family

Given = Rating | str
"""What the tablet records for a ticket: a Rating, or NOT_RATED (the visitor left without one)."""
BUTTONS: list[tuple[Rating, str]] = [  # left to right, best first, with the button colour
    (Rating.VERY_SATISFIED, "#137333"),
    (Rating.SATISFIED, "#34a853"),
    (Rating.FAIR, "#f9ab00"),
    (Rating.DISSATISFIED, "#e8710a"),
    (Rating.VERY_DISSATISFIED, "#c5221f"),
]
SEND_ATTEMPTS = 3


class EvalState(str, Enum):
    IDLE = "idle"
    ASKING = "asking"
    THANKS = "thanks"


class EvaluatorModel(QObject):
    """Asks, counts down, sends. One ticket at a time: a new ask sends "not_rated" for the old."""

    changed = Signal()
    rated = Signal(str, object, bool)  # ticket, Given (a Rating or NOT_RATED), acknowledged

    def __init__(
        self, bus: Bus, window: str, *, timeout_s: float = 30.0, thanks_s: float = 3.0, parent: QObject | None = None
    ) -> None:
        super().__init__(parent)
        self.bus, self.window = bus, window
        self.timeout_s, self.thanks_s = timeout_s, thanks_s
        self.state = EvalState.IDLE
        self.ticket: str | None = None
        self.deadline = 0.0
        self.results: list[tuple[str, Given, Reply]] = []
        self._sending: dict[str, tuple[str, Given, int]] = {}  # cid -> (ticket, rating, attempt)
        self._tag = f"rate:{window}"
        self._timeout = QTimer(self, singleShot=True)
        self._timeout.timeout.connect(self._expire)
        self._thanks = QTimer(self, singleShot=True)
        self._thanks.timeout.connect(self._idle)
        bus.answered.connect(self._on_reply)

    def remaining_s(self) -> int:
        return max(0, math.ceil(self.deadline - time.monotonic())) if self.state is EvalState.ASKING else 0

    def ask(self, ticket: str) -> None:
        if self.state is EvalState.ASKING and self.ticket and self.ticket != ticket:
            self._send(self.ticket, NOT_RATED)
        self._thanks.stop()
        self.state, self.ticket = EvalState.ASKING, ticket
        self.deadline = time.monotonic() + self.timeout_s
        self._timeout.start(int(self.timeout_s * 1000))
        self.changed.emit()

    def choose(self, rating: Rating) -> None:
        if self.state is not EvalState.ASKING or self.ticket is None:
            return
        self._timeout.stop()
        self._send(self.ticket, rating)
        self.state = EvalState.THANKS
        self._thanks.start(int(self.thanks_s * 1000))
        self.changed.emit()

    def _expire(self) -> None:
        if self.state is EvalState.ASKING and self.ticket:
            self._send(self.ticket, NOT_RATED)
        self._idle()

    def _idle(self) -> None:
        self.state, self.ticket = EvalState.IDLE, None
        self.changed.emit()

    def _send(self, ticket: str, rating: Given, cid: str | None = None, attempt: int = 1) -> None:
        value = int(rating) if isinstance(rating, Rating) else NOT_RATED
        args = {"action": WindowAction.RATE.value, "ticket": ticket, "rating": value}
        cid = self.bus.request(f"window/{self.window}", args, self._tag, command_id=cid)
        self._sending[cid] = (ticket, rating, attempt)

    def _on_reply(self, tag: str, reply: Reply) -> None:
        if tag != self._tag or reply.id is None:
            return
        sent = self._sending.pop(reply.id, None)
        if sent is None:
            return
        ticket, rating, attempt = sent
        if reply.code is ErrorCode.CONTROLLER_UNREACHABLE and attempt < SEND_ATTEMPTS:
            self._send(ticket, rating, reply.id, attempt + 1)  # same id: the controller records it once
            return
        self.results.append((ticket, rating, reply))
        self.rated.emit(ticket, rating, reply.ok)


class FinishWatcher(QObject):
    """`finished(ticket)` for one window, inferred from retained state/windows."""

    finished = Signal(str)

    def __init__(self, bus: Bus, window: str, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.bus, self.window = bus, window
        self._last: tuple[str | None, int] | None = None
        bus.message.connect(self._on_message)
        bus.subscribe(bus.topics.state("windows"), WindowsState)

    def _on_message(self, topic: str, msg: object) -> None:
        if topic != self.bus.topics.state("windows") or not isinstance(msg, WindowsState):
            return
        mine = next((w for w in msg.windows if w.id == self.window), None)
        if mine is None:
            return
        now = (mine.ticket, mine.served)
        last, self._last = self._last, now
        if last is not None and last[0] and last[0] != now[0] and now[1] > last[1]:
            self.finished.emit(last[0])


class EvaluatorScreen(QWidget):
    """Full-screen on the tablet: idle welcome, the five ratings with a countdown, thanks."""

    def __init__(self, model: EvaluatorModel, hall: HallConfig, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.model = model
        w = hall.window(model.window)
        self.window_name = (w.name.zh, w.name.en) if w else (f"{model.window}号窗口", f"Window {model.window}")
        self.family = cjk_family()
        self.setStyleSheet("EvaluatorScreen, QWidget#page { background: #f4f6f9; }")
        self.setWindowTitle(f"tideq · {self.window_name[0]} 评价")
        self._stack = QStackedLayout(self)
        self._stack.addWidget(self._idle_page())
        self._stack.addWidget(self._ask_page())
        self._stack.addWidget(self._thanks_page())
        model.changed.connect(self.refresh)
        self._tick = QTimer(self)
        self._tick.timeout.connect(self._render_countdown)
        self._tick.start(250)
        self.refresh()

    def _label(self, text: str, size: int, bold: bool = False, color: str = "#202124") -> QLabel:
        label = QLabel(text)
        f = QFont(self.family, size)
        f.setBold(bold)
        label.setFont(f)
        label.setAlignment(Qt.AlignmentFlag.AlignCenter)
        label.setWordWrap(True)
        label.setStyleSheet(f"color: {color};")
        return label

    def _page(self) -> tuple[QWidget, QVBoxLayout]:
        page = QWidget()
        page.setObjectName("page")
        lay = QVBoxLayout(page)
        lay.setContentsMargins(32, 24, 32, 24)
        return page, lay

    def _idle_page(self) -> QWidget:
        page, lay = self._page()
        lay.addStretch(2)
        lay.addWidget(self._label(self.window_name[0], 40, True))
        lay.addWidget(self._label(self.window_name[1], 20, color="#5f6368"))
        lay.addSpacing(24)
        lay.addWidget(self._label("欢迎办理业务 · 办完请为我们评价", 22))
        lay.addWidget(self._label("Welcome · please rate us when you are done", 14, color="#5f6368"))
        lay.addStretch(3)
        return page

    def _ask_page(self) -> QWidget:
        page, lay = self._page()
        self.ask_title = self._label("", 26, True)
        lay.addWidget(self.ask_title)
        lay.addWidget(self._label("Please rate the service you just received", 14, color="#5f6368"))
        lay.addSpacing(16)
        row = QHBoxLayout()
        row.setSpacing(12)
        self.buttons: dict[Rating, QPushButton] = {}
        for value, color in BUTTONS:
            zh, en = value.label[Lang.ZH], value.label[Lang.EN]
            b = QPushButton()
            b.setAccessibleName(f"{zh} {en}")
            b.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Expanding)
            b.setMinimumHeight(150)
            b.setStyleSheet(
                f"QPushButton {{ background: {color}; border: none; border-radius: 14px; }}"
                f"QPushButton:pressed {{ background: #3c4043; }}"
            )
            inner = QVBoxLayout(b)
            inner.setContentsMargins(6, 8, 6, 8)
            inner.addStretch(1)
            for text, size, bold in ((zh, 24, True), (en, 12, False)):
                label = self._label(text, size, bold, "white")
                label.setAttribute(Qt.WidgetAttribute.WA_TransparentForMouseEvents)
                inner.addWidget(label)
            inner.addStretch(1)
            b.clicked.connect(partial(self.model.choose, value))
            row.addWidget(b)
            self.buttons[value] = b
        lay.addLayout(row, 1)
        lay.addSpacing(12)
        self.countdown = self._label("", 13, color="#5f6368")
        lay.addWidget(self.countdown)
        return page

    def _thanks_page(self) -> QWidget:
        page, lay = self._page()
        lay.addStretch(1)
        lay.addWidget(self._label("感谢您的评价！", 40, True, "#137333"))
        lay.addWidget(self._label("Thank you for your feedback", 20, color="#5f6368"))
        lay.addStretch(1)
        return page

    def refresh(self) -> None:
        m = self.model
        self._stack.setCurrentIndex({EvalState.IDLE: 0, EvalState.ASKING: 1, EvalState.THANKS: 2}[m.state])
        if m.state is EvalState.ASKING:
            self.ask_title.setText(f"{m.ticket} 号，请对本次服务进行评价")
        self._render_countdown()

    def _render_countdown(self) -> None:
        if self.model.state is EvalState.ASKING:
            s = self.model.remaining_s()
            self.countdown.setText(f"{s} 秒后自动结束，视为未评价 · closes in {s} s (not rated)")
