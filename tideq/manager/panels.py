"""The panels of the manager console. Each renders one part of `ManagerModel` and forwards taps;
none decides anything (the controller does, and its refusals show in the console's result bar)."""

from __future__ import annotations

import html
from functools import partial
from typing import ClassVar

from PySide6.QtCore import QSize, Qt
from PySide6.QtGui import QColor, QFont, QPainter, QPaintEvent
from PySide6.QtWidgets import (
    QAbstractItemView,
    QComboBox,
    QFrame,
    QGridLayout,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QLayout,
    QListWidget,
    QPushButton,
    QSizePolicy,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from tideq.contract import (
    AlertLevel,
    CrowdLevel,
    DeviceKind,
    HealthState,
    Lang,
    ProposalAction,
    ProposalItem,
    WindowStatus,
)

from .flow import FlowLayout
from .model import DeviceGroup, HealthCell, ManagerModel
from .state import Severity, bi_text, health_summary
from .texts import (
    CROWD_TEXT,
    HEALTH_TEXT,
    KIND_LABEL,
    NO_REPORT,
    STATUS_TEXT,
    age,
    log_line,
    minutes,
    pick,
    proposal_inputs,
    proposal_title,
    reason_tail,
    satisfaction,
    unattended_line,
)

STATUS_COLOR = {
    WindowStatus.IDLE: "#2f6fdf",
    WindowStatus.SERVING: "#1e8e3e",
    WindowStatus.PAUSED: "#d97706",
    WindowStatus.CLOSED: "#9aa0a6",
}
CROWD_COLOR = {CrowdLevel.LOW: "#1e8e3e", CrowdLevel.BUSY: "#b06000", CrowdLevel.CROWDED: "#c5221f"}
SEVERITY_COLOR = {
    Severity.OK: "#1e8e3e",
    Severity.UNKNOWN: "#8a8f98",
    Severity.WARN: "#d97706",
    Severity.BAD: "#c5221f",
}
ALERT_BG = {AlertLevel.WARNING: "#fef7e0", AlertLevel.CRITICAL: "#fce8e6"}
TIDAL_COLOR = "#7b3fe4"
UNATTENDED_COLOR = "#c5221f"  # an open window nobody serves at


def font(family: str, size: int, bold: bool = False) -> QFont:
    f = QFont(family, size)
    f.setBold(bold)
    return f


def label(family: str, size: int, bold: bool = False, color: str = "", wrap: bool = False) -> QLabel:
    lab = QLabel()
    lab.setFont(font(family, size, bold))
    if color:
        lab.setStyleSheet(f"color: {color};")
    lab.setWordWrap(wrap)
    return lab


def clear(layout: QLayout) -> None:
    while layout.count():
        item = layout.takeAt(0)
        widget = item.widget() if item is not None else None
        if widget is not None:
            widget.deleteLater()


def figures_table(family: str, columns: int, widths: tuple[int, ...], row_h: int) -> QTableWidget:
    """A read-only table of figures for a wall screen: no selection, focus or grid; the column
    whose width is 0 stretches, the others keep theirs."""
    table = QTableWidget(0, columns)
    table.setFont(font(family, 12))
    table.horizontalHeader().setFont(font(family, 11, True))
    table.verticalHeader().setVisible(False)
    table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
    table.setSelectionMode(QAbstractItemView.SelectionMode.NoSelection)
    table.setFocusPolicy(Qt.FocusPolicy.NoFocus)
    table.setShowGrid(False)
    table.setAlternatingRowColors(True)
    table.verticalHeader().setDefaultSectionSize(row_h)
    head = table.horizontalHeader()
    for col, width in enumerate(widths):
        if width:
            head.setSectionResizeMode(col, QHeaderView.ResizeMode.Fixed)
            table.setColumnWidth(col, width)
        else:
            head.setSectionResizeMode(col, QHeaderView.ResizeMode.Stretch)
    return table


class ElidedLabel(QLabel):
    """One line that ends in '…' when narrower than its text, so a long service name never widens
    the window grid past the screen (the full text is the tooltip)."""

    def __init__(self, family: str, size: int, bold: bool = False, color: str = "") -> None:
        super().__init__()
        self.setFont(font(family, size, bold))
        if color:
            self.setStyleSheet(f"color: {color};")
        self.setSizePolicy(QSizePolicy.Policy.Ignored, QSizePolicy.Policy.Preferred)

    def setText(self, text: str) -> None:
        super().setText(text)
        self.setToolTip(text)

    def minimumSizeHint(self) -> QSize:
        return QSize(0, super().minimumSizeHint().height())

    def paintEvent(self, event: QPaintEvent) -> None:
        painter = QPainter(self)
        painter.setPen(self.palette().color(self.foregroundRole()))
        rect = self.contentsRect()
        text = self.fontMetrics().elidedText(self.text(), Qt.TextElideMode.ElideRight, rect.width())
        painter.drawText(rect, int(self.alignment()), text)


class Card(QFrame):
    """A white titled panel."""

    def __init__(self, family: str, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("card")
        self.body = QVBoxLayout(self)
        self.body.setContentsMargins(14, 10, 14, 12)
        self.body.setSpacing(6)
        self.title = label(family, 13, True, "#3c4043")
        self.body.addWidget(self.title)


# ---------------------------------------------------------------------- services
class ServicesPanel(Card):
    HEAD: ClassVar[list[tuple[str, str]]] = [
        ("业务", "Service"),
        ("等候", "Waiting"),
        ("预计等待", "Predicted wait"),
        ("开放窗口", "Windows open"),
        ("剩余号", "Quota left"),
        ("区域人流", "Crowd in zone"),
    ]

    def __init__(self, model: ManagerModel, family: str) -> None:
        super().__init__(family)
        self.model, self.family = model, family
        self.table = figures_table(family, len(self.HEAD), (0, 80, 130, 120, 100, 200), row_h=36)
        self.body.addWidget(self.table)

    def refresh(self) -> None:
        m, lang = self.model, self.model.lang
        zh = lang is Lang.ZH
        self.title.setText("业务负荷" if zh else "Load per service")
        self.table.setHorizontalHeaderLabels([pick(h, lang) for h in self.HEAD])
        alerts = {a.service: a.level for a in m.tidal.alerts}
        self.table.setRowCount(len(m.services))
        self.table.setFixedHeight(self.table.horizontalHeader().sizeHint().height() + 36 * max(1, len(m.services)) + 4)
        for row, s in enumerate(m.services):
            name = s.name.pick(lang) or s.id
            if not s.open:
                name += "（未开放）" if zh else " (closed)"
            eta = minutes(s.eta_s, lang)  # "—": no window serves it now
            quota = "—" if s.quota_left is None else str(s.quota_left)
            cells = [name, str(s.waiting), eta, str(s.windows_open), quota, self._crowd_text(s.id)]
            level = alerts.get(s.id)
            for col, text in enumerate(cells):
                item = QTableWidgetItem(text)
                if col:
                    item.setTextAlignment(Qt.AlignmentFlag.AlignCenter)
                if level is not None:
                    item.setBackground(QColor(ALERT_BG[level]))
                if col == 0 and level is not None:
                    item.setText(f"⚠ {text}")
                if col == 5:
                    item.setForeground(QColor(self._crowd_color(s.id)))
                self.table.setItem(row, col, item)

    def _crowd_text(self, sid: str) -> str:
        lang = self.model.lang
        cell = self.model.crowd_for(sid)
        if cell.zone is None:
            return "—"
        if cell.reading is None:
            return f"{cell.zone}: " + ("无数据" if lang is Lang.ZH else "no data")
        text = f"{pick(CROWD_TEXT[cell.reading.level], lang)}"
        if cell.reading.count is not None:
            text += f" {cell.reading.count}" + ("人" if lang is Lang.ZH else "")
        text += f" · {age(cell.age_s, lang)}"
        if not cell.fresh:
            text += " 过期" if lang is Lang.ZH else " stale"
        return text

    def _crowd_color(self, sid: str) -> str:
        cell = self.model.crowd_for(sid)
        return CROWD_COLOR[cell.reading.level] if cell.reading and cell.fresh else "#8a8f98"


# ---------------------------------------------------------------------- windows
class WindowTileWidget(QFrame):
    def __init__(self, family: str) -> None:
        super().__init__()
        self.setObjectName("tile")
        lay = QVBoxLayout(self)
        lay.setContentsMargins(8, 6, 8, 6)
        lay.setSpacing(1)
        top = QHBoxLayout()
        self.name = ElidedLabel(family, 13, True)
        self.mark = label(family, 9, True)
        top.addWidget(self.name, 1)
        top.addWidget(self.mark)
        self.status = ElidedLabel(family, 10, True)
        self.ticket = ElidedLabel(family, 15, True)
        self.services = ElidedLabel(family, 9, color="#5f6368")
        self.rating = ElidedLabel(family, 9, color="#5f6368")
        lay.addLayout(top)
        lay.addWidget(self.status)
        lay.addWidget(self.ticket)
        lay.addWidget(self.services)
        lay.addWidget(self.rating)


class WindowGrid(Card):
    COLUMNS = 8

    def __init__(self, model: ManagerModel, family: str) -> None:
        super().__init__(family)
        self.model, self.family = model, family
        self.grid = QGridLayout()
        self.grid.setSpacing(8)
        self.body.addLayout(self.grid)
        self.legend = label(family, 10, color="#5f6368")
        self.body.addWidget(self.legend)
        self.tiles: dict[str, WindowTileWidget] = {}

    def refresh(self) -> None:
        m, lang = self.model, self.model.lang
        zh = lang is Lang.ZH
        self.title.setText("窗口" if zh else "Windows")
        self.legend.setText(
            "  ".join(
                f"<span style='color:{STATUS_COLOR[s]}'>■</span> {pick(STATUS_TEXT[s], lang)}"
                for s in (WindowStatus.SERVING, WindowStatus.IDLE, WindowStatus.PAUSED, WindowStatus.CLOSED)
            )
            + (
                f"   <span style='color:{TIDAL_COLOR}'>潮汐</span> 临时开放 · 收尾 = 办完当前业务后关闭"
                if zh
                else f"   <span style='color:{TIDAL_COLOR}'>TIDAL</span> opened for a service · "
                "DRAIN = closes after its visitor"
            )
        )
        ids = [w.id for w in m.windows]
        if list(self.tiles) != ids:
            clear(self.grid)
            self.tiles = {}
            for col in range(self.COLUMNS):
                self.grid.setColumnStretch(col, 1)
            for i, wid in enumerate(ids):
                tile = WindowTileWidget(self.family)
                self.grid.addWidget(tile, i // self.COLUMNS, i % self.COLUMNS)
                self.tiles[wid] = tile
        for w in m.windows:
            tile = self.tiles[w.id]
            color = STATUS_COLOR[w.status]
            tile.name.setText(m.names.short_window(w.id, lang).replace("Window ", "W") if not zh else f"{w.id}号")
            status = pick(STATUS_TEXT[w.status], lang)
            tile.status.setText(f"{status} · {w.staff.name.pick(lang)}" if w.staff else status)
            tile.status.setStyleSheet(f"color: {color};")
            tile.ticket.setText(w.ticket or " ")
            shown = list(w.services)
            if w.tidal and len(shown) > 2:  # a comprehensive pool window: its first service, then how many more
                more = len(shown) - 1
                label = f"{m.names.short_service(shown[0], lang)} +{more}{'项' if zh else ''}"
            else:
                label = " / ".join(m.names.short_service(s, lang) for s in shown)
            tile.services.setText(label or ("潮汐池" if zh else "tidal pool"))
            tile.rating.setText(satisfaction(w.rated, w.satisfied, lang) or " ")
            marks = []
            if w.unattended_since is not None:  # alone: two marks would crowd out the tile's name
                marks.append("无人" if zh else "AWAY")
            elif w.tidal:
                marks.append("潮汐" if zh else "TIDAL")
            if w.id in m.tidal.draining:
                marks.append("收尾" if zh else "DRAIN")
            tile.mark.setText(" ".join(marks))
            mark_bg = UNATTENDED_COLOR if w.unattended_since is not None else TIDAL_COLOR
            tile.mark.setStyleSheet(
                f"color: white; background: {mark_bg}; border-radius: 3px; padding: 0 3px;" if marks else ""
            )
            border = UNATTENDED_COLOR if w.unattended_since is not None else TIDAL_COLOR if w.tidal else "#dde1e7"
            tile.setStyleSheet(
                f"QFrame#tile {{ background: white; border: 1px solid {border}; "
                f"border-left: 6px solid {color}; border-radius: 6px; }}"
            )


# ---------------------------------------------------------------------- clerks (工号)
class StaffPanel(Card):
    """Today's figures per clerk (by 工号, across windows): served, mean handling time, 满意率."""

    HEAD: ClassVar[list[tuple[str, str]]] = [
        ("工号", "Staff ID"),
        ("姓名", "Name"),
        ("窗口", "Window"),
        ("办结", "Served"),
        ("平均办理", "Mean handling"),
        ("评价", "Rated"),
        ("满意率", "Satisfied"),
    ]

    def __init__(self, model: ManagerModel, family: str) -> None:
        super().__init__(family)
        self.model = model
        self.table = figures_table(family, len(self.HEAD), (90, 0, 110, 70, 130, 70, 90), row_h=34)
        self.empty = label(family, 11, color="#5f6368")
        self.body.addWidget(self.table)
        self.body.addWidget(self.empty)

    def refresh(self) -> None:
        m, lang = self.model, self.model.lang
        zh = lang is Lang.ZH
        self.title.setText("今日经办人" if zh else "Clerks today")
        self.table.setHorizontalHeaderLabels([pick(h, lang) for h in self.HEAD])
        rows = m.staff
        self.table.setRowCount(len(rows))
        self.table.setFixedHeight(self.table.horizontalHeader().sizeHint().height() + 34 * max(1, len(rows)) + 4)
        self.table.setVisible(bool(rows))
        self.empty.setVisible(not rows)
        self.empty.setText("今日尚无员工签到" if zh else "no clerk has signed in today")
        for row, st in enumerate(rows):
            mean = st.mean_handling_s
            where = (f"{st.window}号" if zh else f"W{st.window}") if st.window else ("已签退" if zh else "signed out")
            rate = f"{st.satisfied / st.rated:.0%}" if st.rated else "—"
            cells = [st.id, st.name.pick(lang), where, str(st.served), minutes(mean, lang), str(st.rated), rate]
            for col, text in enumerate(cells):
                item = QTableWidgetItem(text)
                if col != 1:
                    item.setTextAlignment(Qt.AlignmentFlag.AlignCenter)
                if col == 2 and not st.window:
                    item.setForeground(QColor("#8a8f98"))
                self.table.setItem(row, col, item)


# ---------------------------------------------------------------------- proposals and alerts
class ProposalCard(QFrame):
    """One proposal: headline, the policy's reason, its key inputs, and two big buttons."""

    def __init__(self, model: ManagerModel, p: ProposalItem, family: str) -> None:
        super().__init__()
        self.model, self.proposal = model, p
        self.setObjectName("proposal")
        lay = QVBoxLayout(self)
        lay.setContentsMargins(14, 10, 14, 12)
        lay.setSpacing(4)
        self.headline = label(family, 17, True, "#202124", wrap=True)
        self.reason = label(family, 12, color="#3c4043", wrap=True)
        self.inputs = label(family, 10, color="#5f6368", wrap=True)
        lay.addWidget(self.headline)
        lay.addWidget(self.reason)
        lay.addWidget(self.inputs)
        row = QHBoxLayout()
        row.setSpacing(10)
        self.confirm_button = QPushButton()
        self.confirm_button.setObjectName("confirm")
        self.decline_button = QPushButton()
        self.decline_button.setObjectName("decline")
        for b, slot in ((self.confirm_button, model.confirm), (self.decline_button, model.decline)):
            b.setFont(font(family, 15, True))
            b.setMinimumHeight(56)
            b.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Fixed)
            b.clicked.connect(partial(slot, p.window))
            row.addWidget(b)
        lay.addLayout(row)

    def refresh(self) -> None:
        m, p, lang = self.model, self.proposal, self.model.lang
        zh = lang is Lang.ZH
        self.headline.setText(proposal_title(p, m.names, lang))
        when = f"{p.at:%H:%M}"
        why = reason_tail(bi_text(p.reason).pick(lang))
        self.reason.setText(
            (f"原因：{why}" if zh else f"Why: {why}")
            + (f"（{when} 提出，5分钟内有效）" if zh else f" (proposed {when}, lapses after 5 min)")
        )
        self.inputs.setText(proposal_inputs(p, lang))
        verbs = {ProposalAction.OPEN: ("开放", "Open"), ProposalAction.MOVE: ("改办", "Switch")}
        verb = verbs.get(p.action, ("关闭", "Close"))
        self.confirm_button.setText(f"✔ 确认{verb[0]}" if zh else f"✔ Confirm: {verb[1]}")
        self.decline_button.setText("✘ 拒绝" if zh else "✘ Decline")


class AlertsPanel(Card):
    def __init__(self, model: ManagerModel, family: str) -> None:
        super().__init__(family)
        self.model, self.family = model, family
        self.cards_box = QVBoxLayout()
        self.cards_box.setSpacing(8)
        self.body.addLayout(self.cards_box)
        self.alerts = label(family, 12, wrap=True)
        self.alerts.setTextFormat(Qt.TextFormat.RichText)
        self.body.addWidget(self.alerts)
        self.cards: dict[str, ProposalCard] = {}
        self._key: tuple[object, ...] = ()

    def refresh(self) -> None:
        m, lang = self.model, self.model.lang
        zh = lang is Lang.ZH
        self.title.setText("预警与建议" if zh else "Warnings and proposals")
        key = tuple((p.window, p.action, p.service, p.at) for p in m.proposals)
        if key != self._key:  # rebuild only when proposals change: a 10 s refresh must not eat a tap
            self._key = key
            clear(self.cards_box)
            self.cards = {p.window: ProposalCard(m, p, self.family) for p in m.proposals}
            for card in self.cards.values():
                self.cards_box.addWidget(card)
        for card in self.cards.values():
            card.refresh()
        rows = []
        for u in m.unattended():
            line = unattended_line(u.window.id, u.window.tidal, u.away_s, u.waiting, u.window.services, m.names, lang)
            tag = "无人服务" if zh else "UNSTAFFED"
            rows.append(f"<span style='color:#c5221f'><b>⚠ {tag}</b></span> {html.escape(line)}")
        for a in m.tidal.alerts:
            color = "#c5221f" if a.level is AlertLevel.CRITICAL else "#b06000"
            tag = ("严重" if zh else "CRITICAL") if a.level is AlertLevel.CRITICAL else ("预警" if zh else "WARNING")
            rows.append(f"<span style='color:{color}'><b>⚠ {tag}</b></span> {html.escape(a.reason.pick(lang))}")
        if not rows and not m.proposals:
            calm = "各业务负荷正常，暂无建议" if zh else "all services within limits; nothing to decide"
            rows.append(f"<span style='color:#1e8e3e'>✔ {calm}</span>")
        self.alerts.setText("<br>".join(rows))


# ---------------------------------------------------------------------- open tidal windows + manual open
class TidalPanel(Card):
    def __init__(self, model: ManagerModel, family: str) -> None:
        super().__init__(family)
        self.model, self.family = model, family
        self.rows_box = QVBoxLayout()
        self.rows_box.setSpacing(4)
        self.body.addLayout(self.rows_box)
        self.close_buttons: dict[str, QPushButton] = {}
        self.row_labels: dict[str, QLabel] = {}
        self._key: tuple[object, ...] = ()
        manual = QHBoxLayout()
        self.manual_label = label(family, 11, True, "#3c4043")
        self.service_box = QComboBox()
        self.window_box = QComboBox()
        for box in (self.service_box, self.window_box):
            box.setFont(font(family, 11))
            box.setMinimumHeight(40)
        self.open_button = QPushButton()
        self.open_button.setObjectName("open")
        self.open_button.setFont(font(family, 12, True))
        self.open_button.setMinimumHeight(40)
        self.open_button.clicked.connect(self._open)
        manual.addWidget(self.manual_label)
        manual.addWidget(self.service_box, 3)
        manual.addWidget(self.window_box, 2)
        manual.addWidget(self.open_button, 1)
        self.body.addLayout(manual)

    def choose(self, service: str, window: str) -> None:
        """Preselect the manual control (tests, and a future tap on a service row)."""
        self.service_box.setCurrentIndex(max(0, self.service_box.findData(service)))
        self.window_box.setCurrentIndex(max(0, self.window_box.findData(window)))

    def _open(self) -> None:
        service, window = self.service_box.currentData(), self.window_box.currentData()
        if service and window:
            self.model.open(window, service, "manual")

    def refresh(self) -> None:
        m, lang = self.model, self.model.lang
        zh = lang is Lang.ZH
        self.title.setText("已开放的潮汐窗口" if zh else "Open tidal windows")
        key = (*((o.window, o.service) for o in m.open_tidal), lang)
        if key != self._key:
            self._key = key
            clear(self.rows_box)
            self.close_buttons, self.row_labels = {}, {}
            for o in m.open_tidal:
                row = QFrame()
                row.setObjectName("tidalrow")
                lay = QHBoxLayout(row)
                lay.setContentsMargins(10, 4, 6, 4)
                text = label(self.family, 12, wrap=True)
                text.setTextFormat(Qt.TextFormat.RichText)
                button = QPushButton("关闭" if zh else "Close")
                button.setObjectName("close")
                button.setFont(font(self.family, 13, True))
                button.setMinimumSize(120, 44)
                button.clicked.connect(partial(m.close, o.window))
                lay.addWidget(text, 1)
                lay.addWidget(button)
                self.rows_box.addWidget(row)
                self.close_buttons[o.window], self.row_labels[o.window] = button, text
            if not m.open_tidal:
                none = label(self.family, 11, color="#5f6368")
                none.setText("当前没有开放的潮汐窗口" if zh else "no tidal window is open")
                self.rows_box.addWidget(none)
        for o in m.open_tidal:
            since = f"{o.since:%H:%M}" if o.since else "?"
            reason = bi_text(o.reason).pick(lang)
            who = reason if reason and reason != "manual" else ("手动开放" if zh else "opened by hand")
            drain = (
                f" <span style='color:white;background:{TIDAL_COLOR}'>"
                f"&nbsp;{'收尾中' if zh else 'draining'}&nbsp;</span>"
                if o.window in m.tidal.draining
                else ""
            )
            self.row_labels[o.window].setText(
                f"<b>{html.escape(m.names.short_window(o.window, lang))}</b> → "
                f"<b>{html.escape(m.names.short_service(o.service, lang))}</b>{drain}<br>"
                f"<span style='color:#5f6368'>{'自' if zh else 'since'} {since} · {html.escape(who)}</span>"
            )
        self._render_manual(lang)

    def _render_manual(self, lang: Lang) -> None:
        m, zh = self.model, lang is Lang.ZH
        self.manual_label.setText("手动开放：" if zh else "Open by hand:")
        self.open_button.setText("开放" if zh else "Open")
        keep_s, keep_w = self.service_box.currentData(), self.window_box.currentData()
        services = [(s.id, m.names.short_service(s.id, lang)) for s in m.hall.services]
        windows = [(w, m.names.short_window(w, lang)) for w in m.free_pool_windows()]
        for box, items, keep in ((self.service_box, services, keep_s), (self.window_box, windows, keep_w)):
            current = [(box.itemData(i), box.itemText(i)) for i in range(box.count())]
            if current != items:
                box.blockSignals(True)
                box.clear()
                for data, text in items:
                    box.addItem(text, data)
                box.setCurrentIndex(max(0, box.findData(keep)))
                box.blockSignals(False)


# ---------------------------------------------------------------------- log and health
class LogPanel(Card):
    def __init__(self, model: ManagerModel, family: str) -> None:
        super().__init__(family)
        self.model = model
        self.list = QListWidget()
        self.list.setFont(font(family, 11))
        self.list.setWordWrap(True)
        self.list.setFocusPolicy(Qt.FocusPolicy.NoFocus)
        self.list.setSelectionMode(QAbstractItemView.SelectionMode.NoSelection)
        self.body.addWidget(self.list)

    def refresh(self) -> None:
        m, lang = self.model, self.model.lang
        self.title.setText("今日决策记录（最新在上）" if lang is Lang.ZH else "Today's decisions (newest first)")
        self.list.clear()
        for e in m.log:
            self.list.addItem(log_line(e, m.names, lang))
        if not m.log:
            self.list.addItem("今日暂无潮汐决策" if lang is Lang.ZH else "no tidal decision today")


class HealthStrip(QFrame):
    """Every device's health as chips that wrap onto more rows; healthy staff screens as one count."""

    def __init__(self, model: ManagerModel, family: str) -> None:
        super().__init__()
        self.model, self.family = model, family
        self.setObjectName("card")
        self.row = QHBoxLayout(self)
        self.row.setContentsMargins(12, 6, 12, 6)
        self.row.setSpacing(8)
        self.title = label(family, 12, True, "#3c4043")
        self.row.addWidget(self.title, 0, Qt.AlignmentFlag.AlignTop)
        self.chips_box = FlowLayout(spacing=8)
        self.row.addLayout(self.chips_box, 1)
        self.chips: dict[str, QLabel] = {}  # device -> its chip
        self.groups: dict[DeviceKind, QLabel] = {}  # kind -> the count of its healthy staff screens

    def _chip(self) -> QLabel:
        chip = label(self.family, 10)
        chip.setTextFormat(Qt.TextFormat.RichText)
        self.chips_box.addWidget(chip)
        return chip

    def refresh(self) -> None:
        m, lang = self.model, self.model.lang
        self.title.setText("设备" if lang is Lang.ZH else "Devices")
        cells, groups = m.devices_shown()
        if list(self.chips) != [c.device for c in cells] or list(self.groups) != [g.kind for g in groups]:
            clear(self.chips_box)
            self.chips = {c.device: self._chip() for c in cells}
            self.groups = {g.kind: self._chip() for g in groups}
        for c in cells:
            self._render_cell(self.chips[c.device], c)
        for g in groups:
            self._render_group(self.groups[g.kind], g)

    def _render_cell(self, chip: QLabel, c: HealthCell) -> None:
        lang = self.model.lang
        color = SEVERITY_COLOR[c.severity]
        state_text = pick(HEALTH_TEXT[c.health.state] if c.health else NO_REPORT, lang)
        kind = pick(KIND_LABEL[c.kind], lang)
        # a last will's ts is the connect time: an offline device is judged by its state, not that age
        shown_age = c.age_s is not None and c.health is not None and c.health.state is not HealthState.OFFLINE
        tail = f" · {age(c.age_s, lang)}" if shown_age else ""
        chip.setText(
            f"<span style='color:{color}'>●</span> {html.escape(kind)} <b>{html.escape(c.device)}</b> "
            f"<span style='color:{color}'>{html.escape(state_text)}</span>"
            f"<span style='color:#8a8f98'>{tail}</span>"
        )
        chip.setToolTip(health_summary(c.health) if c.health else "")
        chip.setStyleSheet(
            f"background: {'#fce8e6' if c.severity is Severity.BAD else '#f1f3f4'}; "
            "border-radius: 6px; padding: 4px 8px;"
        )

    def _render_group(self, chip: QLabel, g: DeviceGroup) -> None:
        lang = self.model.lang
        color = SEVERITY_COLOR[Severity.OK]
        kind, n = pick(KIND_LABEL[g.kind], lang), len(g.devices)
        ok = pick(HEALTH_TEXT[HealthState.OK], lang)
        count = f"{n}台" if lang is Lang.ZH else f"×{n}"
        chip.setText(
            f"<span style='color:{color}'>●</span> {html.escape(kind)} <b>{count}</b> "
            f"<span style='color:{color}'>{ok}</span>"
        )
        chip.setToolTip(", ".join(g.devices))
        chip.setStyleSheet("background: #f1f3f4; border-radius: 6px; padding: 4px 8px;")
