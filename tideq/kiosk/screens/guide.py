"""Service guide: a list filtered by touch (group chips, or the on-screen A–Z keyboard that
searches by pinyin initials and English words, see search.py) or by typed text, each service's
materials, conditions, where and whom to ask, and matters this hall does not handle with
where they are handled. The detail view can take a number for the service directly."""

from __future__ import annotations

import string
from functools import partial

from PySide6.QtCore import QEvent, QObject, Qt
from PySide6.QtWidgets import QGridLayout, QHBoxLayout, QLineEdit, QScrollArea, QVBoxLayout, QWidget

from ..model import CONSULT_SERVICE, GuideRow, KioskModel, Screen
from ..search import examples
from .base import Tile, View, button, clear_layout, label

COLS = 7  # keyboard: A-G / H-N / O-U / V-Z + delete / clear + hide


def _scroll(layout_margins: int = 0) -> tuple[QScrollArea, QVBoxLayout]:
    scroll = QScrollArea()
    scroll.setWidgetResizable(True)
    scroll.setFrameShape(QScrollArea.Shape.NoFrame)
    inner = QWidget()
    inner.setObjectName("page")
    body = QVBoxLayout(inner)
    body.setContentsMargins(layout_margins, 0, layout_margins, 0)
    body.setSpacing(14)
    scroll.setWidget(inner)
    # a list as long as the hall's guide: at 1.5x type it may scroll in large mode (the
    # layout check allows that here and nowhere else); the scroll bar is 44 px wide there
    scroll.setProperty("scrolls_large", True)
    return scroll, body


class GuideView(View):
    def __init__(self, model: KioskModel) -> None:
        super().__init__(model)
        box = QVBoxLayout(self)
        box.setContentsMargins(48, 20, 48, 20)
        box.setSpacing(14)
        top = QHBoxLayout()
        self.title = label("", "title", wrap=False)
        self.search = QLineEdit()
        self.search.setObjectName("guide-search")
        self.search.textChanged.connect(model.set_guide_filter)
        self.search.installEventFilter(self)  # a tap on the field opens the keyboard
        self.kb_btn = button("", "primary", lambda: model.set_guide_keyboard(True))
        self.kb_btn.setObjectName("guide-keyboard")
        top.addWidget(self.title)
        top.addWidget(self.search, 1)
        top.addWidget(self.kb_btn)
        box.addLayout(top)
        self.chip_bar = QWidget()
        self.chips = QHBoxLayout(self.chip_bar)
        self.chips.setContentsMargins(0, 0, 0, 0)
        self.chips.setSpacing(12)
        box.addWidget(self.chip_bar)
        mid = QHBoxLayout()
        mid.setSpacing(28)
        self.scroll_area, self.body = _scroll()
        mid.addWidget(self.scroll_area, 1)
        self.keyboard = QWidget()
        self.keyboard.setObjectName("guide-kb")
        grid = QGridLayout(self.keyboard)
        grid.setContentsMargins(0, 0, 0, 0)
        grid.setSpacing(12)
        self.keys = {}
        for i, ch in enumerate(string.ascii_uppercase):
            b = button(ch, "key", partial(model.guide_key, ch))
            b.setObjectName(f"gkey-{ch}")
            self.keys[ch] = b
            grid.addWidget(b, i // COLS, i % COLS)
        self.keys["back"] = button("", "", model.guide_backspace)
        self.keys["clear"] = button("", "", model.guide_clear)
        self.keys["hide"] = button("", "primary", lambda: model.set_guide_keyboard(False))
        grid.addWidget(self.keys["back"], 3, 5, 1, 2)
        grid.addWidget(self.keys["clear"], 4, 0, 1, 3)
        grid.addWidget(self.keys["hide"], 4, 3, 1, 4)
        for k in ("back", "clear", "hide"):
            self.keys[k].setObjectName(f"gkey-{k}")
        mid.addWidget(self.keyboard, 0, Qt.AlignmentFlag.AlignTop)
        box.addLayout(mid, 1)
        self._built: tuple[object, ...] | None = None

    def eventFilter(self, obj: QObject, event: QEvent) -> bool:
        if obj is self.search and event.type() == QEvent.Type.MouseButtonPress:
            self.model.set_guide_keyboard(True)
        return False

    def _size_keys(self) -> None:
        px = self.theme.key_px
        for k, b in self.keys.items():
            b.setFixedHeight(px)
            if len(k) == 1:
                b.setFixedWidth(px)
        self.keyboard.setFixedWidth(COLS * px + (COLS - 1) * 12)

    def refresh(self) -> None:
        m = self.model
        self.title.setText(m.t("guide.title"))
        self.search.setPlaceholderText(m.t("guide.search_kb" if m.guide_keyboard else "guide.search"))
        if self.search.text() != m.guide_filter:
            self.search.setText(m.guide_filter)
        key = (m.lang, m.large, m.guide_filter, m.guide_group, m.guide_keyboard)
        if key == self._built:
            return  # state updates do not change the guide: keep the widgets under the finger
        self._built = key
        kb = m.guide_keyboard
        self.kb_btn.setText(m.t("guide.keyboard"))
        self.kb_btn.setVisible(not kb)
        self.chip_bar.setVisible(not kb)
        self.keyboard.setVisible(kb)
        self.keys["back"].setText(m.t("guide.key_back"))
        self.keys["clear"].setText(m.t("guide.key_clear"))
        self.keys["hide"].setText(m.t("guide.keyboard_hide"))
        self._size_keys()
        self._chips()
        clear_layout(self.body)
        rows = m.guide_rows()
        if kb and not m.guide_searching:
            self._hint()
        elif not rows and m.guide_searching:
            self._no_match()
        else:
            self._grid(rows, 2 if kb else 3)
            if not rows:
                self.body.addWidget(label(m.t("guide.no_match"), "notice"))
        self.body.addStretch(1)

    def _chips(self) -> None:
        m = self.model
        clear_layout(self.chips)
        groups: list[tuple[str | None, str]] = [(None, m.t("guide.all"))]
        for g, _ in m.groups():
            if g is not None:
                groups.append((g.zh, m.p(g)))
        if m.hall.elsewhere:
            groups.append(("elsewhere", m.t("guide.elsewhere")))
        for key, text in groups:
            b = button(text, "", partial(m.set_guide_group, key))
            b.setCheckable(True)
            b.setChecked(m.guide_group == key)
            b.setObjectName(f"chip-{key or 'all'}")
            self.chips.addWidget(b)
        self.chips.addStretch(1)

    def _grid(self, rows, cols: int) -> None:  # type: ignore[no-untyped-def]
        m = self.model
        grid = QGridLayout()
        grid.setSpacing(14)
        for c in range(cols):
            grid.setColumnStretch(c, 1)
        self.body.addLayout(grid)
        for i, row in enumerate(rows):
            if row.kind == "service":
                where = row.item.cfg.guide.where
                sub = [m.p(where)] if where else []
                if row.via is not None:
                    sub.append(m.t("guide.via", what=m.p(row.via)))
                t = Tile("tile", partial(m.open_guide, row.item.id))
                t.setObjectName(f"guide-{row.item.id}")
                t.set_text(m.p(row.title), "\n".join(sub))
            else:
                t = Tile("tile")
                t.setObjectName("guide-elsewhere")
                t.set_text(m.p(row.title), m.t("guide.handled_at", where=m.p(row.item.where)))
            t.setMinimumHeight(self.theme.button_h)
            grid.addWidget(t, i // cols, i % cols)

    def _hint(self) -> None:
        """Keyboard open, nothing typed yet: how to search, with examples from this hall."""
        m = self.model
        self.body.addWidget(label(m.t("guide.kb_hint"), "big"))
        for typed, shows in examples(m.search_index, m.lang.value):
            self.body.addWidget(label(f"{typed}  →  {shows}", "info"))
        if m.lang.value == "zh":
            en = examples(m.search_index, "en", 2)
            self.body.addWidget(label(m.t("guide.kb_hint_en", word=en[-1][0] if en else "TAX"), "body"))

    def _no_match(self) -> None:
        """Nothing found: say so, where 综合咨询 is, a ticket for it, and what is handled elsewhere."""
        m = self.model
        consult = m.consult_service()
        where = m.p(consult.guide.where) if consult and consult.guide.where else m.t("guide.elsewhere")
        note = label(m.t("guide.no_match_q", q=m.guide_filter.strip(), where=where), "notice")
        note.setObjectName("guide-no-match")
        self.body.addWidget(note)
        if consult is not None and CONSULT_SERVICE in m.services:
            b = button(m.t("refusal.consult"), "primary", lambda: m.tap_service(CONSULT_SERVICE))
            b.setObjectName("guide-consult")
            row = QHBoxLayout()
            row.addWidget(b)
            row.addStretch(1)
            self.body.addLayout(row)
        if m.hall.elsewhere:
            self.body.addWidget(label(m.t("guide.no_match_elsewhere"), "big"))
            self._grid([GuideRow("elsewhere", e.matter, e) for e in m.hall.elsewhere], 2 if m.guide_keyboard else 3)


class GuideDetailView(View):
    def __init__(self, model: KioskModel) -> None:
        super().__init__(model)
        box = QVBoxLayout(self)
        box.setContentsMargins(80, 24, 80, 24)
        box.setSpacing(12)
        self.title = label("", "title")
        box.addWidget(self.title)
        self.scroll_area, self.body = _scroll()
        box.addWidget(self.scroll_area, 1)
        row = QHBoxLayout()
        self.back = button("", "", lambda: model.go(Screen.GUIDE))
        self.take = button("", "primary", self._take)
        self.take.setObjectName("guide-take")
        row.addWidget(self.back)
        row.addWidget(self.take)
        box.addLayout(row)
        self._built: tuple[object, ...] | None = None

    def _take(self) -> None:
        if self.model.guide_service:
            self.model.tap_service(self.model.guide_service)

    def refresh(self) -> None:
        m = self.model
        svc = m.guide_service_cfg()
        if svc is None:
            return
        g = svc.guide
        self.title.setText(m.p(svc.name))
        self.back.setText(m.t("guide.back"))
        self.take.setText(m.t("guide.take"))
        self.take.setVisible(svc.id in m.services)
        key = (svc.id, m.lang, m.large)
        if key == self._built:
            return
        self._built = key
        clear_layout(self.body)

        def section(key: str, lines: list[str]) -> None:
            self.body.addWidget(label(m.t(key), "big"))
            for line in lines:
                self.body.addWidget(label(line, "body"))

        if g.where:
            section("guide.where", [m.p(g.where)])
        section("guide.materials", [f"{i}. {m.p(x)}" for i, x in enumerate(g.materials, 1)] or [m.t("guide.none")])
        if g.conditions:
            section("guide.conditions", [f"· {m.p(x)}" for x in g.conditions])
        if g.contact:
            section("guide.contact", [m.p(g.contact)])
        if g.online:
            section("guide.online", [m.p(g.online)])
        self.body.addStretch(1)
