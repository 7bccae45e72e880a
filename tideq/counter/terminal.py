"""The caller terminal window: compact, always on top, big buttons with their F-keys.

Only renders CallerModel and forwards presses; all decisions are the controller's, so no button
is greyed out by local guesswork: a refused press shows the controller's reason and what to do.
"""

from __future__ import annotations

import html
from functools import partial

from PySide6.QtCore import Qt, QTimer
from PySide6.QtGui import QFont, QKeyEvent, QKeySequence
from PySide6.QtWidgets import (
    QFrame,
    QGridLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPushButton,
    QSizePolicy,
    QStackedWidget,
    QVBoxLayout,
    QWidget,
)

from tideq.contract import ControllerStatus, Lang, WindowAction, WindowStatus
from tideq.ui.fonts import cjk_family
from tideq.ui.green import GreenDesk, GreenPanel
from tideq.ui.link import UNHEARD, Link, Unheard
from tideq.ui.outcome import Outcome

from .terminal_dialogs import PauseDialog, TransferDialog
from .terminal_model import CallerModel
from .terminal_signin import SignInPanel

LABELS: dict[WindowAction, tuple[str, str]] = {
    WindowAction.NEXT: ("顺呼", "Next"),
    WindowAction.RECALL: ("重呼", "Recall"),
    WindowAction.SKIP: ("过号", "No-show"),
    WindowAction.FINISH: ("办结", "Finish"),
    WindowAction.CALL: ("指定呼叫", "Call No."),
    WindowAction.TRANSFER: ("转移", "Transfer"),
    WindowAction.PAUSE: ("暂停", "Pause"),
    WindowAction.RESUME: ("恢复", "Resume"),
    WindowAction.SIGN_IN: ("签到", "Sign in"),
    WindowAction.SIGN_OUT: ("签退", "Sign out"),
}
STATUS_TEXT: dict[WindowStatus | Unheard, tuple[str, str]] = {
    UNHEARD: ("连接中", "Connecting"),
    WindowStatus.IDLE: ("空闲", "Idle"),
    WindowStatus.SERVING: ("办理中", "Serving"),
    WindowStatus.PAUSED: ("暂停", "Paused"),
    WindowStatus.CLOSED: ("未开放", "Closed"),
}
STATUS_COLOR: dict[WindowStatus | Unheard, str] = {
    UNHEARD: "#8a8f98",
    WindowStatus.IDLE: "#2f6fdf",
    WindowStatus.SERVING: "#1e8e3e",
    WindowStatus.PAUSED: "#d97706",
    WindowStatus.CLOSED: "#5f6368",
}
OUTCOME_STYLE = {
    Outcome.OK: ("#e6f4ea", "#0d652d"),
    Outcome.REFUSED: ("#fce8e6", "#a50e0e"),
    Outcome.UNREACHABLE: ("#fef7e0", "#8a4b00"),
    Outcome.LOCAL: ("#fef7e0", "#8a4b00"),
}
GRID = [
    WindowAction.NEXT,
    WindowAction.RECALL,
    WindowAction.SKIP,
    WindowAction.FINISH,
    WindowAction.TRANSFER,
    WindowAction.PAUSE,
    WindowAction.RESUME,
]
STYLE = """
QWidget#terminal { background: #f4f6f9; }
QFrame#card { background: white; border: 1px solid #dde1e7; border-radius: 8px; }
QPushButton#act { background: white; border: 1px solid #c5cbd3; border-radius: 8px; padding: 4px; }
QPushButton#act:pressed { background: #e8eefc; }
QPushButton#primary { background: #2f6fdf; color: white; border: none; border-radius: 8px; padding: 4px; }
QPushButton#primary:pressed { background: #2257b8; }
QPushButton#lang { background: transparent; border: 1px solid #c5cbd3; border-radius: 4px; padding: 1px 6px; }
QLineEdit { border: 1px solid #c5cbd3; border-radius: 6px; padding: 4px 6px; background: white; }
"""


def _fmt_min(seconds: int | None, lang: Lang) -> str:
    if seconds is None:
        return ""
    m = round(seconds / 60)
    return f"{m} 分钟" if lang is Lang.ZH else f"{m} min"


def _fmt_clock(seconds: int | None) -> str:
    if seconds is None:
        return ""
    return f"{seconds // 60}:{seconds % 60:02d}"


class CallerTerminal(QWidget):
    def __init__(self, model: CallerModel, parent: QWidget | None = None, *, green: GreenDesk | None = None) -> None:
        super().__init__(parent, Qt.WindowType.Window | Qt.WindowType.WindowStaysOnTopHint)
        self.model = model
        self.green = green
        self.setObjectName("terminal")
        self.setStyleSheet(STYLE)
        self.family = cjk_family()
        self.setFont(QFont(self.family, 10))
        self.transfer_dialog: TransferDialog | None = None
        self.pause_dialog: PauseDialog | None = None
        self._build()
        self._keys = {QKeySequence(k).toString(): a for a, k in model.keymap.items()}
        model.changed.connect(self.refresh)
        self._tick = QTimer(self)
        self._tick.timeout.connect(self._render_times)
        self._tick.start(1000)
        self.refresh()

    # ------------------------------------------------------------------ layout
    def _font(self, size: int, bold: bool = False) -> QFont:
        f = QFont(self.family, size)
        f.setBold(bold)
        return f

    def _card(self) -> tuple[QFrame, QVBoxLayout]:
        frame = QFrame()
        frame.setObjectName("card")
        lay = QVBoxLayout(frame)
        lay.setContentsMargins(10, 8, 10, 8)
        lay.setSpacing(2)
        return frame, lay

    def _build(self) -> None:
        root = QVBoxLayout(self)
        root.setContentsMargins(10, 8, 10, 8)
        root.setSpacing(8)

        head = QHBoxLayout()
        self.title = QLabel()
        self.title.setFont(self._font(13, True))
        self.chip = QLabel()
        self.chip.setFont(self._font(10, True))
        self.link = QLabel()
        self.link.setFont(self._font(9))
        self.lang_button = QPushButton()
        self.lang_button.setObjectName("lang")
        self.lang_button.setFocusPolicy(Qt.FocusPolicy.NoFocus)
        self.lang_button.clicked.connect(self._toggle_lang)
        head.addWidget(self.title, 1)
        head.addWidget(self.link)
        head.addWidget(self.chip)
        head.addWidget(self.lang_button)
        root.addLayout(head)

        staff_row = QHBoxLayout()
        self.staff_label = QLabel()
        self.staff_label.setFont(self._font(11, True))
        self.sign_button = QPushButton()
        self.sign_button.setObjectName("act")
        self.sign_button.setFont(self._font(10, True))
        self.sign_button.setMinimumHeight(32)
        self.sign_button.setFocusPolicy(Qt.FocusPolicy.NoFocus)
        self.sign_button.clicked.connect(self._sign_button)
        staff_row.addWidget(self.staff_label, 1)
        staff_row.addWidget(self.sign_button)
        root.addLayout(staff_row)

        self.stack = QStackedWidget()
        page = QWidget()
        outer, root = root, QVBoxLayout(page)
        root.setContentsMargins(0, 0, 0, 0)
        root.setSpacing(8)
        self.stack.addWidget(page)
        self.signin = SignInPanel(self.model, self._font, self._later)
        self.stack.addWidget(self.signin)
        outer.addWidget(self.stack, 1)
        self._later_chosen = False

        card, lay = self._card()
        self.ticket = QLabel()
        self.ticket.setFont(self._font(34, True))
        self.ticket.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.ticket_info = QLabel()
        self.ticket_info.setFont(self._font(10))
        self.ticket_info.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.ticket_info.setStyleSheet("color: #5f6368;")
        lay.addWidget(self.ticket)
        lay.addWidget(self.ticket_info)
        root.addWidget(card)

        card, lay = self._card()
        self.queue_title = QLabel()
        self.queue_title.setFont(self._font(9, True))
        self.queue_title.setStyleSheet("color: #5f6368;")
        self.queue = QLabel()
        self.queue.setFont(self._font(10))
        self.queue.setTextFormat(Qt.TextFormat.RichText)
        self.totals = QLabel()
        self.totals.setFont(self._font(9))
        self.totals.setStyleSheet("color: #3c4043;")
        self.totals.setWordWrap(True)
        lay.addWidget(self.queue_title)
        lay.addWidget(self.queue)
        lay.addWidget(self.totals)
        root.addWidget(card)

        row = QHBoxLayout()
        self.number = QLineEdit()
        self.number.setFont(self._font(12))
        self.number.setMaxLength(6)
        self.number.returnPressed.connect(partial(self.trigger, WindowAction.CALL))
        self.call_button = QPushButton()
        self.call_button.setObjectName("act")
        self.call_button.setFont(self._font(11, True))
        self.call_button.setMinimumHeight(38)
        self.call_button.clicked.connect(partial(self.trigger, WindowAction.CALL))
        row.addWidget(self.number, 1)
        row.addWidget(self.call_button, 1)
        root.addLayout(row)

        grid = QGridLayout()
        grid.setSpacing(6)
        self.buttons: dict[WindowAction, QPushButton] = {WindowAction.CALL: self.call_button}
        for i, action in enumerate(GRID):
            b = QPushButton()
            b.setObjectName("primary" if action is WindowAction.NEXT else "act")
            b.setFont(self._font(12, True))
            b.setMinimumHeight(54)
            b.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Fixed)
            b.setFocusPolicy(Qt.FocusPolicy.NoFocus)  # F-keys and Enter stay with the window
            b.clicked.connect(partial(self.trigger, action))
            if action is WindowAction.NEXT:
                grid.addWidget(b, 0, 0, 1, 2)
            else:
                grid.addWidget(b, 1 + (i - 1) // 2, (i - 1) % 2)
            self.buttons[action] = b
        root.addLayout(grid)
        root = outer

        self.status = QLabel()
        self.status.setWordWrap(True)
        self.status.setFont(self._font(10))
        self.status.setMinimumHeight(52)
        self.status.setAlignment(Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignVCenter)
        root.addWidget(self.status)

        # 绿色通道 · 补打 · 验票 (tideq.ui.green), opened from the header; kiosks' help requests light it up
        self.green_panel: GreenPanel | None = None
        if self.green is not None:
            self.green_button = QPushButton()
            self.green_button.setObjectName("lang")
            self.green_button.setFocusPolicy(Qt.FocusPolicy.NoFocus)
            self.green_button.clicked.connect(self.toggle_green)
            head.insertWidget(1, self.green_button)
            self.green_panel = GreenPanel(self.green, self.model.lang)
            self.green_panel.setVisible(False)
            root.addWidget(self.green_panel)
            self.green.changed.connect(self.refresh)

    def toggle_green(self) -> None:
        if self.green_panel is not None:
            self.green_panel.setVisible(not self.green_panel.isVisible())
            self.adjustSize()

    # ------------------------------------------------------------------ input
    def keyPressEvent(self, event: QKeyEvent) -> None:
        action = self._keys.get(QKeySequence(event.keyCombination()).toString())
        if action is None:
            super().keyPressEvent(event)
            return
        self.trigger(action)

    def trigger(self, action: WindowAction) -> None:
        """A button or its key: send, or first ask for what the action needs."""
        m = self.model
        if action is WindowAction.CALL:
            if not self.number.text().strip():
                self.number.setFocus()
                return
            if m.call_ticket(self.number.text()):
                self.number.clear()
        elif action is WindowAction.TRANSFER:
            self.transfer_dialog = TransferDialog(m.hall, m.window, m.lang, self)
            self.transfer_dialog.accepted.connect(self._transfer)
            self.transfer_dialog.open()
        elif action is WindowAction.PAUSE:
            self.pause_dialog = PauseDialog(m.lang, self)
            self.pause_dialog.accepted.connect(lambda: m.pause(self.pause_dialog.text() if self.pause_dialog else ""))
            self.pause_dialog.open()
        else:
            m.act(action)

    def _sign_button(self) -> None:
        if self.model.staff is not None:
            self.model.sign_out()
        else:
            self._later_chosen = False
            self.stack.setCurrentWidget(self.signin)
            self.signin.staff.setFocus()

    def _later(self) -> None:
        self._later_chosen = True
        self.stack.setCurrentIndex(0)

    def _transfer(self) -> None:
        if self.transfer_dialog is not None:
            to_service, to_window, note = self.transfer_dialog.values()
            self.model.transfer(to_service, to_window, note)

    def _toggle_lang(self) -> None:
        self.model.set_lang(Lang.EN if self.model.lang is Lang.ZH else Lang.ZH)

    # ------------------------------------------------------------------ render
    def refresh(self) -> None:
        m, lang = self.model, self.model.lang
        zh = lang is Lang.ZH
        self.setWindowTitle(f"tideq · {m.name.pick(lang)}")
        self.title.setText(m.name.pick(lang))
        self.lang_button.setText("EN" if zh else "中文")
        color = STATUS_COLOR[m.status]
        self.chip.setText(f" {STATUS_TEXT[m.status][0 if zh else 1]} ")
        self.chip.setStyleSheet(f"background: {color}; color: white; border-radius: 4px; padding: 2px 6px;")
        offline = m.link is Link.OFFLINE or m.controller is ControllerStatus.OFFLINE
        self.link.setText(("● 离线" if zh else "● offline") if offline else "")
        self.link.setStyleSheet("color: #c5221f;")
        for action, b in self.buttons.items():
            zh_label, en_label = LABELS[action]
            b.setText(f"{zh_label if zh else en_label}  {m.keymap[action]}")
        self.number.setPlaceholderText("号码，如 B007" if zh else "number, e.g. B007")
        self.queue_title.setText("本窗口队列" if zh else "Queue of this window")
        self.queue.setText(self._queue_html())
        self.totals.setText(self._totals_text())
        self._render_staff()
        self._render_times()
        self._render_status()
        if self.green is not None and self.green_panel is not None:
            calls = len(self.green.open_help)
            self.green_button.setText(("绿色通道" if zh else "Green") + (f" ({calls})" if calls else ""))
            self.green_button.setStyleSheet("background: #fbbc04;" if calls else "")
            self.green_panel.set_lang(lang)

    def _render_staff(self) -> None:
        m, zh = self.model, self.model.lang is Lang.ZH
        if m.staff is not None:
            name = m.staff.name.pick(m.lang)
            self.staff_label.setText(f"经办人：{name}（工号 {m.staff.id}）" if zh else f"Clerk: {name} ({m.staff.id})")
            self.staff_label.setStyleSheet("color: #0d652d;")
            self.sign_button.setText("签退" if zh else "Sign out")
            self._later_chosen = False
            self.stack.setCurrentIndex(0)
        else:
            self.staff_label.setText("未签到" if zh else "Nobody signed in")
            self.staff_label.setStyleSheet("color: #a50e0e;")
            self.sign_button.setText("签到" if zh else "Sign in")
            if m.staff_required and not self._later_chosen and m.status is not UNHEARD:
                self.stack.setCurrentWidget(self.signin)
        self.staff_label.setVisible(m.staff_required or m.staff is not None)
        self.sign_button.setVisible(m.staff_required or m.staff is not None)
        self.signin.refresh()

    def _render_times(self) -> None:
        m, zh = self.model, self.model.lang is Lang.ZH
        if m.status is WindowStatus.PAUSED:
            self.ticket.setText("暂停" if zh else "Paused")
            self.ticket.setStyleSheet("color: #d97706;")
            reason = m.pause_reason or ""
            self.ticket_info.setText((f"原因：{reason}" if zh else f"reason: {reason}") if reason else "")
            return
        self.ticket.setStyleSheet("color: #202124;" if m.current else "color: #bdc1c6;")
        if m.current is None:
            self.ticket.setText("—")
            self.ticket_info.setText("当前无在办号" if zh else "no ticket at the window")
            return
        self.ticket.setText(m.current.number)
        parts = []
        waited, serving = m.waited_s(), m.serving_s()
        if m.current.issued_at is not None:
            parts.append(f"取号 {m.current.issued_at:%H:%M}" if zh else f"issued {m.current.issued_at:%H:%M}")
        if waited is not None:
            parts.append(f"已等 {_fmt_min(waited, Lang.ZH)}" if zh else f"waited {_fmt_min(waited, Lang.EN)}")
        if serving is not None:
            parts.append(f"办理 {_fmt_clock(serving)}" if zh else f"serving {_fmt_clock(serving)}")
        self.ticket_info.setText(" · ".join(parts))

    def _queue_html(self) -> str:
        m, zh = self.model, self.model.lang is Lang.ZH
        rows = []
        for q in m.queue_lines():
            name = html.escape(q.name.pick(m.lang) or q.id)
            if not q.open:
                tail = "暂停取号" if zh else "not open now"
            else:
                tail = f"等候 <b>{q.waiting}</b> 人" if zh else f"<b>{q.waiting}</b> waiting"
                if q.waiting and q.eta_s is not None:
                    tail += f" · 约 {_fmt_min(q.eta_s, Lang.ZH)}" if zh else f" · ~{_fmt_min(q.eta_s, Lang.EN)}"
            rows.append(f"<tr><td>{name}</td><td align='right'>&nbsp;&nbsp;{tail}</td></tr>")
        if not rows:
            return "—"
        return f"<table width='100%'>{''.join(rows)}</table>"

    def _totals_text(self) -> str:
        t, zh = self.model.totals, self.model.lang is Lang.ZH
        rate = t.satisfaction
        if zh:
            text = f"今日 办结 {t.served} · 过号 {t.skipped} · 转移 {t.transferred}"
            return text + (f" · 满意率 {rate:.0%}（{t.rated}评）" if rate is not None else "")
        text = f"Today: served {t.served} · no-show {t.skipped} · transferred {t.transferred}"
        return text + (f" · satisfied {rate:.0%} of {t.rated}" if rate is not None else "")

    def _render_status(self) -> None:
        m, zh = self.model, self.model.lang is Lang.ZH
        if m.pending is not None:
            label = LABELS[m.pending.action][0 if zh else 1]
            self._status(f"{label}：发送中…" if zh else f"{label}: sending…", "", "#f1f3f4", "#3c4043")
            return
        if m.last is None:
            keys = " · ".join(
                f"{m.keymap[a]} {LABELS[a][0 if zh else 1]}"
                for a in (WindowAction.NEXT, WindowAction.RECALL, WindowAction.FINISH)
            )
            self._status("快捷键" if zh else "Shortcuts", keys, "#f1f3f4", "#5f6368")
            return
        text, guide = m.last.say(m.lang)
        bg, fg = OUTCOME_STYLE[m.last.outcome]
        self._status(text, guide, bg, fg)

    def _status(self, text: str, guide: str, bg: str, fg: str) -> None:
        self.status.setText(f"<b>{html.escape(text)}</b>" + (f"<br>{html.escape(guide)}" if guide else ""))
        self.status.setStyleSheet(f"background: {bg}; color: {fg}; border-radius: 6px; padding: 6px 8px;")
