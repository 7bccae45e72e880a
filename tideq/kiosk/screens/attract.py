"""The attract state shown when the kiosk is idle on home: both languages, touch anywhere."""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtGui import QMouseEvent
from PySide6.QtWidgets import QVBoxLayout

from ..i18n import Lang, tr
from ..model import KioskModel, Screen
from .base import View, label

C = Qt.AlignmentFlag.AlignCenter


class AttractView(View):
    def __init__(self, model: KioskModel) -> None:
        super().__init__(model)
        box = QVBoxLayout(self)
        box.addStretch(2)
        self.hall_zh = label("", "title", align=C)
        self.hall_en = label("", "body", align=C)
        self.touch_zh = label("", "number", align=C)
        self.touch_en = label("", "big", align=C)
        self.hint = label("", "muted", align=C)
        for w in (self.hall_zh, self.hall_en, self.touch_zh, self.touch_en, self.hint):
            box.addWidget(w)
        box.addStretch(3)

    def refresh(self) -> None:
        h = self.model.hall.hall.name
        self.hall_zh.setText(h.zh)
        self.hall_en.setText(h.en)
        self.touch_zh.setText(tr("attract.touch", Lang.ZH))
        self.touch_zh.setStyleSheet(f"font-size: {self.theme.attract_px}px;")
        self.touch_en.setText(tr("attract.touch", Lang.EN))
        self.hint.setText(f"{tr('attract.hint', Lang.ZH)}\n{tr('attract.hint', Lang.EN)}")

    def mousePressEvent(self, event: QMouseEvent) -> None:
        self.model.go(Screen.HOME)
