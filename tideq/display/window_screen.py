"""A window screen (窗口屏): the window's name, the ticket it serves, or why it is not serving and
where to go instead (窗口无否决权: a closed window still says where the matter is done)."""

from __future__ import annotations

from PySide6.QtCore import QRectF, Signal
from PySide6.QtGui import QPainter, QPaintEvent
from PySide6.QtWidgets import QWidget

from tideq.contract import BiText, Lang, WindowStatus

from .hallstate import Liveness
from .layouts import window_geometry
from .model import BoardModel
from .paint import CENTER, RIGHT, Canvas, Colors, Drawn
from .texts import BANNERS, LABELS, go_instead, status_title

DEFAULT_SIZE = (1280, 720)


class WindowScreen(QWidget):
    painted = Signal(object)  # the ticket drawn as being served, or None

    def __init__(self, model: BoardModel, window_id: str, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.model = model
        self.window_id = window_id
        self.last_frame: list[Drawn] = []
        self.setWindowTitle(f"tideq window {window_id}")
        self.resize(*DEFAULT_SIZE)
        model.changed.connect(self.update)

    def texts(self, role_prefix: str = "") -> list[str]:
        return [d.text for d in self.last_frame if d.role.startswith(role_prefix)]

    def paintEvent(self, event: QPaintEvent) -> None:
        g = window_geometry(self.width(), self.height())
        painter = QPainter(self)
        c = Canvas(painter)
        w, h = float(g.width), float(g.height)
        m = h * 0.04
        langs = self.model.langs
        c.fill(QRectF(0, 0, w, h), Colors.BG)
        head = QRectF(0, 0, w, h * 0.2)
        c.fill(head, Colors.HEADER)
        name = self.model.window_name(self.window_id)
        c.bilingual(
            head.adjusted(m, m * 0.3, -w * 0.25, -m * 0.3),
            name,
            langs,
            g.title,
            Colors.TEXT,
            bold=True,
            role="window.name",
        )
        c.text(
            QRectF(w * 0.75, 0, w * 0.25 - m, head.height()),
            self.model.now.strftime("%H:%M"),
            g.title,
            Colors.MUTED,
            RIGHT,
            role="window.clock",
        )
        body = QRectF(m, head.bottom() + m * 0.5, w - 2 * m, h - head.bottom() - m)
        win = self.model.window(self.window_id)
        live = self.model.liveness
        ticket = None
        if live is not Liveness.LIVE:
            c.bilingual(body, BANNERS[live], langs, g.body, Colors.TICKET, CENTER, role=f"banner.{live.value}")
        elif win is None:
            c.bilingual(body, LABELS["closed"], langs, g.body, Colors.MUTED, CENTER, role="window.status")
        elif win.status is WindowStatus.SERVING and win.ticket:
            ticket = win.ticket
            c.bilingual(
                QRectF(body.x(), body.y(), body.width(), body.height() * 0.22),
                status_title(win),
                langs,
                g.body,
                Colors.MUTED,
                CENTER,
                role="window.status",
            )
            c.text(
                QRectF(body.x(), body.y() + body.height() * 0.2, body.width(), body.height() * 0.8),
                ticket,
                g.number,
                Colors.TICKET,
                CENTER,
                bold=True,
                role="window.ticket",
            )
        elif win.status is WindowStatus.IDLE:
            c.bilingual(body, status_title(win), langs, g.body, Colors.TEXT, CENTER, role="window.status")
        else:
            self._not_serving(c, body, status_title(win), langs, g.body, g.small)
        painter.end()
        self.last_frame = c.drawn
        self.painted.emit(ticket)

    def _not_serving(
        self, c: Canvas, body: QRectF, title: BiText, langs: tuple[Lang, ...], px: int, small: int
    ) -> None:
        """Paused or closed: say so in large type, then where to go instead."""
        banner = QRectF(body.x(), body.y(), body.width(), body.height() * 0.42)
        c.fill(banner, Colors.ALERT, radius=body.height() * 0.03)
        c.bilingual(
            banner.adjusted(px * 0.3, px * 0.2, -px * 0.3, -px * 0.2),
            title,
            langs,
            int(px * 1.35),
            Colors.HIGHLIGHT_TEXT,
            CENTER,
            bold=True,
            role="window.status",
            en_color=Colors.HIGHLIGHT_TEXT,
        )
        guide = go_instead(self.model.alternatives(self.window_id), self.model.where())
        c.bilingual(
            QRectF(body.x(), banner.bottom() + px * 0.6, body.width(), body.height() * 0.4),
            guide,
            langs,
            px,
            Colors.TICKET,
            CENTER,
            bold=True,
            role="window.goto",
            en_color=Colors.TEXT,
        )
