"""惠企政策发言人: the hall's business policy officers (unit, name, public office number)."""

from __future__ import annotations

from PySide6.QtWidgets import QGridLayout, QVBoxLayout, QWidget

from ..model import KioskModel
from .base import View, clear_layout, label


class PolicyView(View):
    def __init__(self, model: KioskModel) -> None:
        super().__init__(model)
        box = QVBoxLayout(self)
        box.setContentsMargins(80, 30, 80, 30)
        box.setSpacing(20)
        self.title = label("", "title")
        self.intro = label("", "body")
        box.addWidget(self.title)
        box.addWidget(self.intro)
        self.grid = QGridLayout()
        self.grid.setSpacing(24)
        box.addLayout(self.grid)
        box.addStretch(1)
        self._built: tuple[object, ...] | None = None

    def refresh(self) -> None:
        m = self.model
        self.title.setText(m.t("policy.title"))
        self.intro.setText(m.t("policy.intro"))
        if self._built == (m.lang, m.large):
            return
        self._built = (m.lang, m.large)
        clear_layout(self.grid)
        cols = 2  # one column in large mode pushed the third card off the screen
        for i, c in enumerate(m.hall.policy_contacts):
            card = QWidget()
            card.setProperty("role", "card")
            v = QVBoxLayout(card)
            v.setContentsMargins(28, 20, 28, 20)
            v.addWidget(label(m.p(c.unit), "big"))
            v.addWidget(label(m.p(c.name), "body"))
            v.addWidget(label(c.phone, "title"))
            self.grid.addWidget(card, i // cols, i % cols)
