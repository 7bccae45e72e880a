"""The hall manager console (`tideq manager`): the whole hall on one 1920x1080 screen.

Left: load per service and every window. Right: what needs the manager (warnings, proposals
with Confirm / Decline), the open tidal windows with a Close each and a manual open, and the
day's decisions. Bottom: device health. It renders `ManagerModel` and forwards taps; the
controller decides, and its answer (with the guide on a refusal) shows in the result bar.
"""

from __future__ import annotations

import html

from PySide6.QtCore import QTimer
from PySide6.QtGui import QFont
from PySide6.QtWidgets import QHBoxLayout, QLabel, QPushButton, QVBoxLayout, QWidget

from tideq.contract import ControllerStatus, Lang, TidalCommand, TidalMode
from tideq.ui.fonts import cjk_family
from tideq.ui.green import GreenDesk, GreenPanel
from tideq.ui.link import Link
from tideq.ui.outcome import Outcome

from .model import ManagerModel, Part
from .panels import (
    AlertsPanel,
    HealthStrip,
    LogPanel,
    ServicesPanel,
    StaffPanel,
    TidalPanel,
    WindowGrid,
    font,
    label,
)
from .texts import MODE_HINT, MODE_TEXT, pick
from .today import TodayReport

SIZE = (1920, 1080)
RIGHT_W = 760  # the decision column; the hall picture takes the rest
STALE_S = 30.0  # no state for this long (the controller republishes every 10 s): say so
MODE_COLOR = {TidalMode.AUTO: "#1e8e3e", TidalMode.CONFIRM: "#2f6fdf", TidalMode.OFF: "#5f6368"}
OUTCOME_STYLE = {
    Outcome.OK: ("#e6f4ea", "#0d652d"),
    Outcome.REFUSED: ("#fce8e6", "#a50e0e"),
    Outcome.UNREACHABLE: ("#fef7e0", "#8a4b00"),
    Outcome.LOCAL: ("#fef7e0", "#8a4b00"),
}
VERB = {
    TidalCommand.OPEN: ("开放", "Open"),
    TidalCommand.CLOSE: ("关闭", "Close"),
    TidalCommand.CONFIRM: ("确认", "Confirm"),
    TidalCommand.DECLINE: ("拒绝", "Decline"),
}
IDLE_HINT = {  # the result bar before the first command: what the manager can do in this mode
    TidalMode.CONFIRM: (
        "点按建议上的按钮确认或拒绝；潮汐窗口可随时手动开关",
        "Tap a proposal's buttons to confirm or decline; open or close tidal windows by hand any time",
    ),
    TidalMode.AUTO: (
        "策略自动开关潮汐窗口；如需干预，可随时手动开关",
        "The policy opens and closes tidal windows itself; open or close one by hand to override",
    ),
    TidalMode.OFF: (
        "潮汐策略已关闭：需要时手动开放潮汐窗口",
        "The tidal policy is off: open a tidal window by hand when a service needs one",
    ),
}
STYLE = """
QWidget#manager { background: #eef1f5; }
QFrame#card { background: white; border: 1px solid #dde1e7; border-radius: 8px; }
QFrame#proposal { background: #fff8e1; border: 2px solid #f2a600; border-radius: 8px; }
QFrame#tidalrow { background: #f5f0ff; border: 1px solid #d7c6fb; border-radius: 6px; }
QPushButton#confirm { background: #1e8e3e; color: white; border: none; border-radius: 8px; }
QPushButton#confirm:pressed { background: #136c2e; }
QPushButton#decline { background: white; color: #a50e0e; border: 2px solid #d93025; border-radius: 8px; }
QPushButton#decline:pressed { background: #fce8e6; }
QPushButton#close { background: white; color: #7b3fe4; border: 2px solid #7b3fe4; border-radius: 8px; }
QPushButton#close:pressed { background: #ede4fd; }
QPushButton#open { background: #7b3fe4; color: white; border: none; border-radius: 8px; padding: 0 16px; }
QPushButton#lang { background: transparent; border: 1px solid #c5cbd3; border-radius: 4px; padding: 2px 10px; }
QTableWidget { border: none; alternate-background-color: #f8f9fb; }
QHeaderView::section { background: #f1f3f4; border: none; padding: 6px; }
QListWidget { border: none; }
QListWidget::item { padding: 3px 0; border-bottom: 1px solid #f1f3f4; }
"""


class ManagerConsole(QWidget):
    def __init__(
        self,
        model: ManagerModel,
        parent: QWidget | None = None,
        today: TodayReport | None = None,
        green: GreenDesk | None = None,
    ) -> None:
        super().__init__(parent)
        self.model = model
        self.green = green  # 绿色通道 · 补打 · 验票 (tideq.ui.green): kiosks' help requests, green tickets
        self.today = today  # "Today's report" (only where the event log is on this box)
        self.setObjectName("manager")
        self.setStyleSheet(STYLE)
        self.family = cjk_family()
        self.setFont(QFont(self.family, 11))
        self._build()
        self._renderers = {
            Part.SERVICES: [self.services.refresh, self.alerts.refresh],
            Part.WINDOWS: [self.windows.refresh, self.alerts.refresh, self.staff.refresh],
            Part.TIDAL: [
                self.alerts.refresh,
                self.tidal.refresh,
                self.windows.refresh,
                self.services.refresh,
                self._render_head,
                self._render_result,  # the idle hint depends on the mode
            ],
            Part.CROWD: [self.services.refresh],
            Part.HEALTH: [self.health.refresh],
            Part.LOG: [self.log.refresh],
            Part.COMMAND: [self._render_result],
            Part.LINK: [self._render_head],
        }
        model.changed.connect(self._changed)
        self._tick = QTimer(self)
        self._tick.timeout.connect(self._tick_ages)
        self._tick.start(1000)
        self.refresh()

    def _build(self) -> None:
        root = QVBoxLayout(self)
        root.setContentsMargins(16, 10, 16, 12)
        root.setSpacing(10)
        head = QHBoxLayout()
        self.title = label(self.family, 20, True, "#202124")
        self.mode = label(self.family, 13, True)
        self.mode_hint = label(self.family, 11, color="#5f6368")
        self.link = label(self.family, 11, True)
        self.lang_button = QPushButton()
        self.lang_button.setObjectName("lang")
        self.lang_button.setFont(font(self.family, 11))
        self.lang_button.clicked.connect(self._toggle_lang)
        head.addWidget(self.title)
        head.addSpacing(16)
        head.addWidget(self.mode)
        head.addWidget(self.mode_hint)
        head.addStretch(1)
        head.addWidget(self.link)
        self.report_button = QPushButton()
        self.report_button.setObjectName("lang")
        self.report_button.setFont(font(self.family, 11))
        self.report_button.setVisible(self.today is not None)
        if self.today is not None:
            self.report_button.clicked.connect(self.today.run)
            self.today.failed.connect(lambda why: self._result(why, "", "#fce8e6", "#a50e0e"))
        head.addWidget(self.report_button)
        head.addWidget(self.lang_button)
        root.addLayout(head)

        body = QHBoxLayout()
        body.setSpacing(12)
        left = QVBoxLayout()
        left.setSpacing(10)
        self.services = ServicesPanel(self.model, self.family)
        self.windows = WindowGrid(self.model, self.family)
        self.log = LogPanel(self.model, self.family)
        left.addWidget(self.services)
        left.addWidget(self.windows)
        left.addWidget(self.log, 1)
        right_panel = QWidget()
        right_panel.setFixedWidth(RIGHT_W)
        right = QVBoxLayout(right_panel)
        right.setContentsMargins(0, 0, 0, 0)
        right.setSpacing(10)
        self.result = QLabel()
        self.result.setFont(font(self.family, 12))
        self.result.setWordWrap(True)
        self.result.setMinimumHeight(56)
        self.alerts = AlertsPanel(self.model, self.family)
        self.tidal = TidalPanel(self.model, self.family)
        right.addWidget(self.result)
        right.addWidget(self.alerts)
        right.addWidget(self.tidal)
        self.staff = StaffPanel(self.model, self.family)
        right.addWidget(self.staff)
        self.green_panel = GreenPanel(self.green, self.model.lang) if self.green is not None else None
        if self.green_panel is not None:
            right.addWidget(self.green_panel)
        right.addStretch(1)
        body.addLayout(left, 1)
        body.addWidget(right_panel)
        root.addLayout(body, 1)
        self.health = HealthStrip(self.model, self.family)
        root.addWidget(self.health)

    # ------------------------------------------------------------------ render
    def _changed(self, part: Part) -> None:
        if part is Part.LANG:
            self.refresh()
            if self.green_panel is not None:
                self.green_panel.set_lang(self.model.lang)
            return
        for fn in self._renderers.get(part, []):
            fn()

    def refresh(self) -> None:
        self._render_head()
        for panel in (self.services, self.windows, self.alerts, self.tidal, self.staff, self.log, self.health):
            panel.refresh()
        self._render_result()

    def _tick_ages(self) -> None:
        """Ages of crowd and health readings, and staleness, move with time alone."""
        self.services.refresh()
        self.health.refresh()
        self._render_head()

    def _render_head(self) -> None:
        m, lang = self.model, self.model.lang
        zh = lang is Lang.ZH
        hall = m.hall.hall.name.zh if zh else m.hall.hall.name.en
        self.title.setText(f"{hall} · {'大厅管理' if zh else 'Hall manager'}")
        self.setWindowTitle(f"tideq · {'大厅管理' if zh else 'Hall manager'}")
        color = MODE_COLOR[m.mode]
        self.mode.setText(
            f" {'潮汐模式' if zh else 'Tidal mode'}：{pick(MODE_TEXT[m.mode], lang)} "
            if zh
            else f" Tidal mode: {pick(MODE_TEXT[m.mode], lang)} "
        )
        self.mode.setStyleSheet(f"background: {color}; color: white; border-radius: 5px; padding: 3px 8px;")
        self.mode_hint.setText(pick(MODE_HINT[m.mode], lang))
        stale = m.stale_s()
        if m.link is Link.OFFLINE:
            text, color = ("● 与服务器断开" if zh else "● broker link down"), "#c5221f"
        elif m.controller is ControllerStatus.OFFLINE:
            text, color = ("● 叫号控制器离线" if zh else "● controller offline"), "#c5221f"
        elif stale is not None and stale > STALE_S:
            text, color = (f"● 数据已{int(stale)}秒未更新" if zh else f"● no update for {int(stale)} s"), "#b06000"
        elif m.link is Link.CONNECTING or stale is None:
            text, color = ("● 连接中" if zh else "● connecting"), "#8a8f98"
        else:
            text, color = ("● 实时" if zh else "● live"), "#1e8e3e"
        self.link.setText(text)
        self.link.setStyleSheet(f"color: {color};")
        self.lang_button.setText("EN" if zh else "中文")
        self.report_button.setText("今日报表" if zh else "Today's report")

    def _render_result(self) -> None:
        m, lang = self.model, self.model.lang
        zh = lang is Lang.ZH
        if m.pending is not None:
            verb = pick(VERB[m.pending.action], lang)
            w = m.names.short_window(m.pending.window, lang)
            self._result(f"{verb} {w}：发送中…" if zh else f"{verb} {w}: sending…", "", "#f1f3f4", "#3c4043")
        elif m.last is None:
            self._result(pick(IDLE_HINT[m.mode], lang), "", "#f1f3f4", "#5f6368")
        else:
            text, guide = m.last.say(lang)
            bg, fg = OUTCOME_STYLE[m.last.outcome]
            self._result(text, guide, bg, fg)

    def _result(self, text: str, guide: str, bg: str, fg: str) -> None:
        self.result.setText(f"<b>{html.escape(text)}</b>" + (f"<br>{html.escape(guide)}" if guide else ""))
        self.result.setStyleSheet(f"background: {bg}; color: {fg}; border-radius: 8px; padding: 8px 12px;")

    def _toggle_lang(self) -> None:
        self.model.set_lang(Lang.EN if self.model.lang is Lang.ZH else Lang.ZH)
