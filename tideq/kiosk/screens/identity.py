"""Identity first: services that require it ask for the ID card before the ticket. The number
is never shown; the screen only says whether the card was read."""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QHBoxLayout, QVBoxLayout

from ..model import CONSULT_SERVICE, KioskModel, Screen
from .base import View, button, label, set_role


class IdentityView(View):
    def __init__(self, model: KioskModel) -> None:
        super().__init__(model)
        box = QVBoxLayout(self)
        box.setContentsMargins(120, 40, 120, 40)
        box.setSpacing(28)
        self.title = label("", "title")
        self.body = label("", "body")
        self.reader = label("", "code", align=Qt.AlignmentFlag.AlignCenter)
        self.reader.setMinimumHeight(240)
        self.notice = label("", "notice")
        box.addWidget(self.title)
        box.addWidget(self.body)
        box.addWidget(self.reader)
        box.addWidget(self.notice)
        box.addStretch(1)
        row = QHBoxLayout()
        self.back = button("", "", lambda: model.go(Screen.SERVICES))
        self.consult = button("", "", lambda: model.tap_service(CONSULT_SERVICE))
        row.addWidget(self.back)
        row.addWidget(self.consult)
        box.addLayout(row)

    def refresh(self) -> None:
        m = self.model
        svc = m.hall.service(m.card_service or "")
        name = m.p(svc.name) if svc else ""
        reader = m.has_card_reader
        # without a reader nothing on screen may ask for the card: say what to do instead
        self.title.setText(m.t("identity.title" if reader else "identity.no_reader_title"))
        self.body.setText(m.t("identity.body" if reader else "identity.no_reader_body", service=name))
        self.reader.setText("▼  " + m.t("checkin.card") + "  ▼")
        self.reader.setVisible(reader)
        self.notice.setText(m.card_notice)
        self.notice.setVisible(reader and bool(m.card_notice))
        set_role(self.consult, "" if reader else "primary")
        self.back.setText(m.t("services.title"))
        self.consult.setText(m.t("refusal.consult"))
