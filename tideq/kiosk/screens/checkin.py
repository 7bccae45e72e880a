"""Appointment check-in: a large keypad for the code, and the other ways in (QR at the camera
or scanner, ID card), which the app feeds to the model while this screen is up."""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QGridLayout, QHBoxLayout, QVBoxLayout

from ..model import KioskModel
from .base import View, button, label

KEYS = ["1", "2", "3", "4", "5", "6", "7", "8", "9", "back", "0", "clear"]


class CheckinView(View):
    def __init__(self, model: KioskModel) -> None:
        super().__init__(model)
        outer = QHBoxLayout(self)
        outer.setContentsMargins(80, 30, 80, 30)
        outer.setSpacing(70)
        left = QVBoxLayout()
        left.setSpacing(16)
        self.title = label("", "title")
        self.prompt = label("", "body")
        self.code = label("", "code", wrap=False, align=Qt.AlignmentFlag.AlignCenter)
        self.code.setObjectName("checkin-code")
        left.addWidget(self.title)
        left.addWidget(self.prompt)
        left.addWidget(self.code)
        grid = QGridLayout()
        grid.setSpacing(14)
        self.keys = {}
        for i, k in enumerate(KEYS):
            action = {"back": model.backspace, "clear": model.clear_code}.get(k, lambda ch=k: model.key(ch))
            b = button(k, "key", action)
            b.setObjectName(f"key-{k}")
            self.keys[k] = b
            grid.addWidget(b, i // 3, i % 3)
        left.addLayout(grid)
        self.ok = button("", "primary", model.submit_code)
        self.ok.setObjectName("checkin-ok")
        left.addWidget(self.ok)
        left.addStretch(1)
        right = QVBoxLayout()
        right.setSpacing(24)
        self.other = label("", "big")
        self.scan = label("", "notice")
        self.card = label("", "notice")
        self.notice = label("", "body")
        self.notice.setObjectName("checkin-notice")
        for w in (self.other, self.scan, self.card, self.notice):
            right.addWidget(w)
        right.addStretch(1)
        outer.addLayout(left, 1)
        outer.addLayout(right, 1)

    def refresh(self) -> None:
        m = self.model
        self.title.setText(m.t("checkin.title"))
        self.prompt.setText(m.t("checkin.enter"))
        self.code.setText(m.code or " ")
        self.keys["back"].setText(m.t("checkin.back"))
        self.keys["clear"].setText(m.t("checkin.clear"))
        # large mode: keys at the touch minimum (110 px) so four rows, the code and "check in"
        # fit without squeezing the rows into each other
        key_h = self.theme.button_h - 10 if m.large else self.theme.button_h
        for b in self.keys.values():
            b.setMinimumHeight(key_h)
            b.setMaximumHeight(key_h)
        self.ok.setText(m.t("checkin.ok"))
        self.other.setText(m.t("checkin.other"))
        self.scan.setText("▣  " + m.t("checkin.scan"))
        self.card.setText("▤  " + m.t("checkin.card"))
        self.card.setVisible(m.has_card_reader)
        self.notice.setText(m.card_notice)
        self.notice.setVisible(bool(m.card_notice))
