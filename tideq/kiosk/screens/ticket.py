"""The ticket on screen: number, service, people ahead, estimated wait, where to wait, the QR,
and the printing state. When printing fails the ticket stays here with its QR and the advice
to photograph it or ask staff (the number is valid either way)."""

from __future__ import annotations

import io

import segno
from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QPixmap
from PySide6.QtWidgets import QHBoxLayout, QVBoxLayout

from tideq.contract import Priority

from ..i18n import minutes
from ..model import KioskModel, PrintState
from .base import View, button, label, set_role

C = Qt.AlignmentFlag.AlignCenter


def qr_pixmap(data: str, px: int) -> QPixmap:
    """What the paper ticket's QR carries (the ticket page's address, or the verify string; segno:
    decodes reliably with OpenCV)."""
    qr = segno.make(data, error="m")
    buf = io.BytesIO()
    scale = max(2, px // (qr.symbol_size(border=2)[0]))
    qr.save(buf, kind="png", scale=scale, border=2)
    pm = QPixmap()
    pm.loadFromData(buf.getvalue(), "PNG")
    return pm


class TicketView(View):
    rendered = Signal(str)  # the number now on screen (benchmarks time tap -> this)

    def __init__(self, model: KioskModel) -> None:
        super().__init__(model)
        outer = QHBoxLayout(self)
        outer.setContentsMargins(80, 30, 80, 30)
        outer.setSpacing(60)
        left = QVBoxLayout()
        left.setSpacing(12)
        left.addStretch(1)
        self.caption = label("", "big", align=C)
        self.number = label("", "number", align=C)
        self.number.setObjectName("ticket-number")
        self.tag = label("", "tag", align=C)
        self.service = label("", "title", align=C)
        self.ahead = label("", "info", align=C)
        self.eta = label("", "info", align=C)
        self.where = label("", "info", align=C)
        self.note = label("", "notice")
        for w in (self.caption, self.number, self.tag, self.service, self.ahead, self.eta, self.where, self.note):
            left.addWidget(w)
        left.addStretch(1)
        right = QVBoxLayout()
        right.setSpacing(16)
        right.addStretch(1)
        self.qr = label("", "body", align=C)
        self.qr_caption = label("", "body", align=C)
        self.status = label("", "notice")
        self.status.setObjectName("print-status")
        self.done = button("", "primary", model.reset)
        right.addWidget(self.qr)
        right.addWidget(self.qr_caption)
        right.addWidget(self.status)
        right.addStretch(1)
        right.addWidget(self.done)
        outer.addLayout(left, 3)
        outer.addLayout(right, 2)
        self._qr_for: tuple[str, int] | None = None

    def refresh(self) -> None:
        m, t = self.model, self.model.ticket
        if t is None:
            return
        svc = m.hall.service(t.service)
        self.caption.setText(m.t("ticket.your_number"))
        self.number.setText(t.number)
        tag = {Priority.APPOINTMENT: m.t("ticket.appointment"), Priority.GREEN: m.t("ticket.green")}.get(t.priority, "")
        self.tag.setText(tag)
        self.tag.setVisible(bool(tag))
        self.service.setText(m.p(svc.name) if svc else t.service)
        self.ahead.setText(m.t("ticket.ahead", n=t.ahead) if t.ahead else m.t("ticket.ahead_none"))
        self.eta.setText(m.t("ticket.eta", m=minutes(t.eta_s)))
        self.eta.setVisible(t.ahead > 0)
        where = svc.guide.where if svc else None
        self.where.setText(m.t("ticket.where", where=m.p(where)) if where else "")
        self.where.setVisible(where is not None)
        self.note.setText(m.p(t.note) if t.note else "")
        self.note.setVisible(bool(t.note))
        size = 300 if not m.large else 340
        data = t.qr or t.verify
        if self._qr_for != (data, size):
            self.qr.setPixmap(qr_pixmap(data, size))
            self._qr_for = (data, size)
        self.qr_caption.setText(m.t("ticket.qr"))
        role, text = {
            PrintState.PRINTING: ("notice", m.t("ticket.printing")),
            PrintState.PRINTED: ("good", m.t("ticket.printed")),
            PrintState.FAILED: ("error", m.t("ticket.print_failed")),
            PrintState.NO_PRINTER: ("notice", m.t("ticket.no_printer")),
        }[t.print_state]
        set_role(self.status, role)
        self.status.setText(text)
        self.done.setText(m.t("ticket.done"))
        self.rendered.emit(t.number)
