"""一业一证 (one industry, one permit): industry tiles, then the industry's combined list:
permits, materials once each (with the permits needing them), the windows involved from the
hall file, the online route as a QR; "Print list" prints it on the ticket printer and "Take a
number" takes one for the first permit's service."""

from __future__ import annotations

from functools import partial

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QGridLayout, QHBoxLayout, QVBoxLayout, QWidget

from ..industry import CombinedList, window_names
from ..model import KioskModel, PrintState, Screen
from .base import Tile, View, button, clear_layout, label, set_role
from .guide import _scroll
from .ticket import qr_pixmap


class IndustriesView(View):
    def __init__(self, model: KioskModel) -> None:
        super().__init__(model)
        box = QVBoxLayout(self)
        box.setContentsMargins(60, 30, 60, 40)
        box.setSpacing(24)
        self.title = label("", "title")
        box.addWidget(self.title)
        self.grid = QGridLayout()
        self.grid.setSpacing(24)
        box.addLayout(self.grid)
        box.addStretch(1)
        self.tiles: dict[str, Tile] = {}
        for i, ind in enumerate(model.hall.industries):
            t = Tile("tile", partial(model.open_industry, ind.id))
            t.setObjectName(f"industry-{ind.id}")
            self.tiles[ind.id] = t
            self.grid.addWidget(t, i // 3, i % 3)  # three a row in both modes
        for c in range(3):
            self.grid.setColumnStretch(c, 1)

    def refresh(self) -> None:
        m = self.model
        self.title.setText(m.t("industry.title"))
        for ind in m.hall.industries:
            tile = self.tiles[ind.id]
            tile.set_text(m.p(ind.name), m.t("industry.tile_sub", n=len(ind.permits)))
            tile.setMinimumHeight(self.theme.tile_h)


class IndustryView(View):
    def __init__(self, model: KioskModel) -> None:
        super().__init__(model)
        box = QVBoxLayout(self)
        box.setContentsMargins(60, 20, 60, 20)
        box.setSpacing(12)
        self.title = label("", "title")
        self.title.setObjectName("industry-title")
        box.addWidget(self.title)
        cols = QHBoxLayout()
        cols.setSpacing(40)
        self.scroll_area, self.body = _scroll()  # materials (may scroll in large mode only)
        cols.addWidget(self.scroll_area, 3)
        side = self.side_panel = QWidget()
        self.side = QVBoxLayout(side)
        self.side.setContentsMargins(0, 0, 0, 0)
        self.side.setSpacing(8)
        cols.addWidget(side, 2)
        box.addLayout(cols, 1)
        self.status = label("", "notice")
        self.status.setObjectName("industry-status")
        box.addWidget(self.status)
        row = QHBoxLayout()
        self.back = button("", "", lambda: model.go(Screen.INDUSTRIES))
        self.print_btn = button("", "", model.print_industry)
        self.print_btn.setObjectName("industry-print")
        self.take = button("", "primary", model.take_for_industry)
        self.take.setObjectName("industry-take")
        for b in (self.back, self.print_btn, self.take):
            row.addWidget(b)
        box.addLayout(row)
        self._built: tuple[object, ...] | None = None

    def refresh(self) -> None:
        m = self.model
        c = m.combined()
        if c is None:
            return
        first = m.hall.service(c.first_service)
        self.title.setText(f"{m.t('home.industry')} · {m.p(c.industry.name)}")
        self.back.setText(m.t("industry.back"))
        self.print_btn.setText(m.t("industry.print"))
        self.print_btn.setEnabled(m.list_print is not PrintState.PRINTING)
        self.take.setText(m.t("industry.take", service=m.p(first.name) if first else c.first_service))
        self.take.setVisible(c.first_service in m.services)
        status = (
            {
                PrintState.PRINTING: ("industry.printing", "notice"),
                PrintState.PRINTED: ("industry.printed", "good"),
                PrintState.FAILED: ("industry.print_failed", "error"),
                PrintState.NO_PRINTER: ("industry.no_printer", "notice"),
            }.get(m.list_print)
            if m.list_print
            else None
        )
        self.status.setVisible(status is not None)
        if status:
            self.status.setText(m.t(status[0]))
            set_role(self.status, status[1])
        key = (c.industry.id, m.lang, m.large)
        if key == self._built:
            return
        self._built = key
        clear_layout(self.body)
        clear_layout(self.side)
        # large mode: one scrolling column, as 1.5x type does not fit two columns on one screen
        self.side_panel.setVisible(not m.large)
        if m.large:  # permits and windows first: what a visitor sees without scrolling
            self._facts(c, self.body)
            self._materials(c)
        else:
            self._materials(c)
            self.body.addStretch(1)
            self._facts(c, self.side)
            self.side.addStretch(1)

    def _materials(self, c: CombinedList) -> None:
        m = self.model
        lang = m.lang.value
        self.body.addWidget(label(m.t("industry.materials"), "big"))
        for n, mat in enumerate(c.materials, 1):
            which = ("、" if lang == "zh" else ", ").join(str(i) for i in mat.permits)
            line = label(f"{n}. {m.p(mat.text)}  ({m.t('industry.for', which=which)})", "body")
            line.setObjectName("industry-material")
            self.body.addWidget(line)

    def _facts(self, c: CombinedList, side: QVBoxLayout) -> None:
        m = self.model
        lang = m.lang.value
        side.addWidget(label(m.t("industry.permits"), "big"))
        for n, p in enumerate(c.permits, 1):
            lb = label(f"{n}. {m.p(p.name)}", "body")
            lb.setObjectName("industry-permit")
            side.addWidget(lb)
        side.addWidget(label(m.t("industry.where"), "big"))
        for place in c.places:
            svc = place.service
            # the windows from the hall file's [[windows]], after the guide's own words
            where = [m.p(svc.guide.where)] if svc.guide.where else []
            lb = label(f"{m.p(svc.name)}: " + " · ".join([*where, window_names(place, lang)]), "body")
            lb.setObjectName("industry-where")
            side.addWidget(lb)
        if c.industry.note:
            side.addWidget(label(m.p(c.industry.note), "muted"))
        if c.industry.online_url:
            row = QHBoxLayout()
            qr = label("", "body")
            qr.setObjectName("industry-qr")
            qr.setPixmap(qr_pixmap(c.industry.online_url, 200 if m.large else 160))
            row.addWidget(qr, 0, Qt.AlignmentFlag.AlignTop)
            text = label(f"{m.t('industry.online')}\n{c.industry.online_url}", "muted")
            row.addWidget(text, 1)
            side.addLayout(row)
