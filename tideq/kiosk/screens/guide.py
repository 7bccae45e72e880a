"""Service guide: a list filtered by touch (group chips) or by typed text, each service's
materials, conditions, where and whom to ask, and matters this hall does not handle with
where they are handled. The detail view can take a number for the service directly."""
from __future__ import annotations

from PySide6.QtWidgets import QGridLayout, QHBoxLayout, QLineEdit, QScrollArea, QVBoxLayout, QWidget

from ..model import KioskModel, Screen
from .base import Tile, View, button, clear_layout, label


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
        top.addWidget(self.title)
        top.addWidget(self.search, 1)
        box.addLayout(top)
        self.chips = QHBoxLayout()
        self.chips.setSpacing(12)
        box.addLayout(self.chips)
        self.scroll, self.body = _scroll()
        box.addWidget(self.scroll, 1)
        self._built: tuple[object, ...] | None = None

    def refresh(self) -> None:
        m = self.model
        self.title.setText(m.t("guide.title"))
        self.search.setPlaceholderText(m.t("guide.search"))
        if self.search.text() != m.guide_filter:
            self.search.setText(m.guide_filter)
        key = (m.lang, m.large, m.guide_filter, m.guide_group)
        if key == self._built:
            return  # state updates do not change the guide: keep the widgets under the finger
        self._built = key
        clear_layout(self.chips)
        groups: list[tuple[str | None, str]] = [(None, m.t("guide.all"))]
        for g, _ in m.groups():
            if g is not None:
                groups.append((g.zh, m.p(g)))
        if m.hall.elsewhere:
            groups.append(("elsewhere", m.t("guide.elsewhere")))
        for key, text in groups:
            b = button(text, "", lambda k=key: m.set_guide_group(k))
            b.setCheckable(True)
            b.setChecked(m.guide_group == key)
            b.setObjectName(f"chip-{key or 'all'}")
            self.chips.addWidget(b)
        self.chips.addStretch(1)
        clear_layout(self.body)
        rows = m.guide_items()
        grid = QGridLayout()
        grid.setSpacing(14)
        for c in range(3):
            grid.setColumnStretch(c, 1)
        self.body.addLayout(grid)
        for i, (kind, title, item) in enumerate(rows):
            if kind == "service":
                where = item.cfg.guide.where
                t = Tile("tile", lambda sid=item.id: m.open_guide(sid))
                t.setObjectName(f"guide-{item.id}")
                t.set_text(m.p(title), m.p(where) if where else "")
                t.setMinimumHeight(self.theme.button_h)
            else:
                t = Tile("tile")
                t.setEnabled(True)
                t.set_text(m.p(title), m.t("guide.handled_at", where=m.p(item.where)))
                t.setMinimumHeight(self.theme.button_h)
            grid.addWidget(t, i // 3, i % 3)
        if not rows:
            self.body.addWidget(label(m.t("guide.no_match"), "notice"))
        self.body.addStretch(1)


class GuideDetailView(View):
    def __init__(self, model: KioskModel) -> None:
        super().__init__(model)
        box = QVBoxLayout(self)
        box.setContentsMargins(80, 24, 80, 24)
        box.setSpacing(12)
        self.title = label("", "title")
        box.addWidget(self.title)
        self.scroll, self.body = _scroll()
        box.addWidget(self.scroll, 1)
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
