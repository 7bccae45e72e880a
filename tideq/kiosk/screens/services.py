"""Take a number: services grouped as the hall configures them, each with people waiting and
the estimated wait, live from `state/services`. Closed and sold-out services still answer a
tap (the controller's refusal says when, or what else to do), so a tile is never a dead end."""

from __future__ import annotations

from functools import partial

from PySide6.QtWidgets import QGridLayout, QScrollArea, QVBoxLayout, QWidget

from ..i18n import minutes, when
from ..model import KioskModel, Link, RequestState, ServiceView
from .base import Tile, View, clear_layout, label


class ServicesView(View):
    def __init__(self, model: KioskModel) -> None:
        super().__init__(model)
        box = QVBoxLayout(self)
        box.setContentsMargins(48, 20, 48, 20)
        box.setSpacing(12)
        self.title = label("", "title")
        self.status = label("", "notice")
        box.addWidget(self.title)
        box.addWidget(self.status)
        self.scroll_area = QScrollArea()
        self.scroll_area.setWidgetResizable(True)
        self.scroll_area.setFrameShape(QScrollArea.Shape.NoFrame)
        inner = QWidget()
        inner.setObjectName("page")
        self.body = QVBoxLayout(inner)
        self.body.setContentsMargins(0, 0, 0, 0)
        self.body.setSpacing(10)
        self.scroll_area.setWidget(inner)
        box.addWidget(self.scroll_area, 1)
        self.tiles: dict[str, Tile] = {}
        self._columns = 0
        self._large = False

    def _build(self) -> None:
        clear_layout(self.body)
        self.tiles.clear()
        self.group_labels = []
        cols = self.theme.columns
        groups = self.model.groups()
        if self.model.large:
            # large mode: one grid of three a row, in group order, no group headings, so
            # every service fits on one screen at 1.5x type
            groups = [(None, [s for _, items in groups for s in items])]
        for group, items in groups:
            if group is not None:
                head = label("", "group")
                head.setProperty("group", group)
                self.group_labels.append(head)
                self.body.addWidget(head)
            grid = QGridLayout()
            grid.setSpacing(16)
            for i, s in enumerate(items):
                tile = Tile("tile", partial(self.model.tap_service, s.id))
                tile.setObjectName(f"service-{s.id}")
                self.tiles[s.id] = tile
                grid.addWidget(tile, i // cols, i % cols)
            for c in range(cols):
                grid.setColumnStretch(c, 1)
            self.body.addLayout(grid)
        self.body.addStretch(1)
        self._columns = cols
        self._large = self.model.large

    def refresh(self) -> None:
        m = self.model
        if self._columns != self.theme.columns or self._large != m.large or set(self.tiles) != set(m.services):
            self._build()
        self.title.setText(m.t("services.title"))
        for head in self.group_labels:
            g = head.property("group")
            head.setText(m.p(g) if g else "")
        notice = ""  # offline is said by the banner above every screen
        if m.link is Link.ONLINE and not m.hall_open and m.state_ts is not None:
            notice = m.t("services.hall_closed", when=when(m.next_open, m.lang, m.state_ts))
        self.status.setText(notice)
        self.status.setVisible(bool(notice))
        sending = m.pending is not None and m.pending.state is RequestState.SENDING
        for sid, tile in self.tiles.items():
            s = m.services[sid]
            tile.set_text(m.p(s.cfg.name), self._sub(s), self._alert(s))
            tile.setMinimumHeight(self.theme.tile_h)
            tile.setEnabled(not sending)

    def _sub(self, s: ServiceView) -> str:
        m = self.model
        if not s.open:
            return ""
        wait = m.t("services.eta", m=minutes(s.eta_s)) if s.waiting else m.t("services.eta_now")
        return f"{m.t('services.waiting', n=s.waiting)} · {wait}"

    def _alert(self, s: ServiceView) -> str:
        m = self.model
        if not s.open:
            return (
                m.t("services.closed", when=when(s.next_open, m.lang, m.state_ts))
                if s.next_open
                else m.t("services.closed_unknown")
            )
        if s.sold_out:
            return m.t("services.quota")
        if s.cfg.identity_required:
            return m.t("services.identity")
        return ""
