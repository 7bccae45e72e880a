"""A refusal, always with what to do instead: the controller's message and guide, the next
opening time, the online route, and buttons for each alternative (never a dead end)."""

from __future__ import annotations

from datetime import datetime
from functools import partial

from PySide6.QtWidgets import QGridLayout, QVBoxLayout

from tideq.contract import ErrorCode

from ..i18n import when
from ..model import Action, KioskModel
from .base import View, button, clear_layout, label

KEYS = {
    Action.RETRY: "refusal.retry",
    Action.CHECKIN: "refusal.checkin",
    Action.CONSULT: "refusal.consult",
    Action.GUIDE: "refusal.guide",
    Action.TAKE: "refusal.take",
    Action.HOME: "refusal.home",
}


class RefusalView(View):
    def __init__(self, model: KioskModel) -> None:
        super().__init__(model)
        box = QVBoxLayout(self)
        box.setContentsMargins(120, 60, 120, 50)
        box.setSpacing(28)
        self.message = label("", "title")
        self.message.setObjectName("refusal-message")
        self.guide = label("", "body")
        self.when = label("", "notice")
        self.online = label("", "body")
        for w in (self.message, self.guide, self.when, self.online):
            box.addWidget(w)
        box.addStretch(1)
        self.row = QGridLayout()  # two per row: long English labels fit in large mode
        self.row.setSpacing(24)
        box.addLayout(self.row)
        self.buttons: dict[Action, object] = {}
        self._built: tuple[object, ...] | None = None

    def refresh(self) -> None:
        m, r = self.model, self.model.refusal
        if r is None:
            return
        self.message.setText(_cap(m.p(r.message)))
        self.guide.setText(_cap(m.p(r.guide)))
        at = r.extra("next_open")
        text = ""
        if isinstance(at, str):
            try:
                text = m.t("services.closed", when=when(datetime.fromisoformat(at), m.lang, m.state_ts))
            except ValueError:
                text = ""
        self.when.setText(text)
        self.when.setVisible(bool(text))
        svc = m.hall.service(r.service) if r.service else None
        online = svc.guide.online if svc and r.code is ErrorCode.QUOTA_REACHED else None
        self.online.setText(m.t("refusal.online", online=m.p(online)) if online else "")
        self.online.setVisible(online is not None)
        key = (r.code, tuple(r.actions), r.service, m.lang, m.large)
        if key == self._built:
            return  # rebuilding on every state update would delete a button under a finger
        self._built = key
        clear_layout(self.row)
        self.buttons = {}
        for i, act in enumerate(r.actions):
            b = button(m.t(KEYS[act]), "primary" if i == 0 else "", partial(m.action, act))
            b.setObjectName(f"action-{act.value}")
            self.buttons[act] = b
            self.row.addWidget(b, i // 2, i % 2)


def _cap(text: str) -> str:
    """The controller's English texts start lower-case (they double as log lines)."""
    return text[:1].upper() + text[1:]
