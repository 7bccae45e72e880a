"""Widgets shared by the screens: role-styled labels and buttons, and the Tile (a large touch
button with a title, a subtitle and an alert line)."""

from __future__ import annotations

from collections.abc import Callable

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QLabel, QLayout, QPushButton, QSizePolicy, QVBoxLayout, QWidget

from ..model import KioskModel
from ..theme import theme_for


def set_role(w: QWidget, role: str) -> None:
    """Change a widget's style role and re-polish it (Qt caches the stylesheet match)."""
    if w.property("role") != role:
        w.setProperty("role", role)
        w.style().unpolish(w)
        w.style().polish(w)


def label(text: str = "", role: str = "body", *, wrap: bool = True, align: Qt.AlignmentFlag | None = None) -> QLabel:
    lb = QLabel(text)
    lb.setProperty("role", role)
    lb.setWordWrap(wrap)
    lb.setTextFormat(Qt.TextFormat.PlainText)
    if align is not None:
        lb.setAlignment(align)
    return lb


def button(text: str = "", role: str = "", on_click: Callable[[], object] | None = None) -> QPushButton:
    b = QPushButton(text)
    if role:
        b.setProperty("role", role)
    b.setFocusPolicy(Qt.FocusPolicy.NoFocus)
    b.setSizePolicy(QSizePolicy.Policy.Preferred, QSizePolicy.Policy.Fixed)
    if on_click is not None:
        b.clicked.connect(lambda *_: on_click())
    return b


class Tile(QPushButton):
    """A big touch target whose text wraps (QPushButton's own text does not)."""

    def __init__(
        self,
        role: str = "tile",
        on_click: Callable[[], object] | None = None,
        title_role: str = "tile-title",
        sub_role: str = "tile-sub",
        *,
        centred: bool = False,
    ) -> None:
        super().__init__()
        self.setProperty("role", role)
        self.setFocusPolicy(Qt.FocusPolicy.NoFocus)
        self.title = label("", title_role)
        self.sub = label("", sub_role)
        self.alert = label("", "tile-alert")
        box = QVBoxLayout(self)
        box.setContentsMargins(24, 14, 24, 14)
        box.setSpacing(6)
        if centred:
            box.addStretch(1)
        for w in (self.title, self.sub, self.alert):
            w.setAttribute(Qt.WidgetAttribute.WA_TransparentForMouseEvents)
            if centred:
                w.setAlignment(Qt.AlignmentFlag.AlignCenter)
            box.addWidget(w)
        box.addStretch(1)
        self.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Minimum)
        if on_click is not None:
            self.clicked.connect(lambda *_: on_click())

    def set_text(self, title: str, sub: str = "", alert: str = "") -> None:
        self.title.setText(title)
        self.sub.setText(sub)
        self.sub.setVisible(bool(sub))
        self.alert.setText(alert)
        self.alert.setVisible(bool(alert))

    def sizeHint(self):  # type: ignore[no-untyped-def]
        return self.layout().sizeHint()

    def minimumSizeHint(self):  # type: ignore[no-untyped-def]
        return self.layout().minimumSize()


def clear_layout(layout: QLayout) -> None:
    while layout.count():
        item = layout.takeAt(0)
        assert item is not None  # count() > 0, so index 0 holds an item
        w = item.widget()
        if w is not None:
            w.hide()  # deleteLater waits for the event loop; until then it would still be drawn
            w.deleteLater()
        elif (inner := item.layout()) is not None:
            clear_layout(inner)


class View(QWidget):
    """A screen. `refresh()` re-renders from the model; the app calls it when the screen is
    shown and when something it shows changed (coalesced)."""

    def __init__(self, model: KioskModel) -> None:
        super().__init__()
        self.setObjectName("page")
        self.model = model

    @property
    def theme(self):  # type: ignore[no-untyped-def]
        return theme_for(self.model.large)

    def refresh(self) -> None:  # pragma: no cover - every view overrides
        raise NotImplementedError
