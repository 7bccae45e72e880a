"""The hall board (综合屏): a view of BoardModel, painted in one pass.

One QWidget with a painter rather than a tree of labels: every size derives from the screen
height (layouts.py), nothing reflows or clips unexpectedly, and one paint per change keeps a
10 calls/s burst cheap. `painted` fires at the end of each paint with the tickets drawn as
"now calling", which is what tests and the latency bench wait for.

The panels that a call does not change (header, waiting table, notice line) are kept as pixmaps
keyed by what they show and blitted while the board is live: a call arrives as `event/call`
before the state that changes the waiting counts, so the paint that shows it redraws only the
call and recent panels (1080p: ~14 -> ~6 ms a paint, bench/bench_display.py). Their drawn texts
are replayed into `last_frame`, so what tests read is the same either way.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Hashable

from PySide6.QtCore import QPointF, QRectF, Qt, Signal
from PySide6.QtGui import QColor, QPainter, QPaintEvent, QPixmap
from PySide6.QtWidgets import QWidget

from tideq.contract import BiText, Lang

from .hallstate import CallView, Liveness
from .layouts import BoardGeometry, CallPlan, Layout, board_geometry, plan_calls
from .model import BoardModel
from .paint import CENTER, LEFT, RIGHT, Canvas, Colors, Drawn
from .texts import BANNERS, LABELS, bi, date_text, eta_text, pick, tidal_notice


class BoardWidget(QWidget):
    painted = Signal(object)  # tuple[str, ...]: tickets drawn as now calling

    def __init__(self, model: BoardModel, layout: Layout, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.model = model
        self.layout_name = layout
        self.last_frame: list[Drawn] = []
        self._geo: BoardGeometry | None = None
        self._shown: list[CallView] = []
        self._plan = CallPlan(0, 0, 0, 0.0)
        self._panels: dict[str, tuple[Hashable, QPixmap, list[Drawn]]] = {}  # name -> (key, pixmap, texts)
        self.setWindowTitle(f"tideq board {model.board.id}")
        self.resize(*layout.size)
        model.changed.connect(self.update)

    def geometry_for_size(self) -> BoardGeometry:
        if self._geo is None or (self._geo.width, self._geo.height) != (self.width(), self.height()):
            self._geo = board_geometry(self.layout_name, self.width(), self.height())
        return self._geo

    def texts(self, role_prefix: str = "") -> list[str]:
        return [d.text for d in self.last_frame if d.role.startswith(role_prefix)]

    def paintEvent(self, event: QPaintEvent) -> None:
        g = self.geometry_for_size()
        painter = QPainter(self)
        c = Canvas(painter)
        c.fill(QRectF(0, 0, g.width, g.height), Colors.BG)
        langs = self.model.langs
        self._fit_calls(g)
        live = self.model.liveness is Liveness.LIVE
        now = self.model.now
        self._cached(
            c, "header", g.header, (langs, now.strftime("%Y-%m-%d %H:%M")), lambda cc: self._header(cc, g, langs)
        )
        if live:  # cached panels are drawn at full opacity only
            services = tuple(self.model.services())
            self._cached(c, "waiting", g.waiting, (langs, services), lambda cc: self._waiting(cc, g, langs))
        else:
            painter.setOpacity(0.45)
            self._waiting(c, g, langs)
        self._recent(c, g, langs)
        painter.setOpacity(1.0)
        self._calls(c, g, langs)
        notices = (langs, live, tuple(self._notice_lines()))
        self._cached(c, "bottom", g.bottom, notices, lambda cc: self._bottom(cc, g, langs))
        painter.end()
        self.last_frame = c.drawn
        self.painted.emit(tuple(d.text for d in c.drawn if d.role == "call.ticket"))

    def _cached(self, c: Canvas, name: str, rect: QRectF, key: Hashable, draw: Callable[[Canvas], None]) -> None:
        """Blit panel `name` from its pixmap if `key` (and the board's size) is what it showed,
        else draw it into a new pixmap first. Its texts join the frame's record either way."""
        full = (key, self.width(), self.height(), rect.x(), rect.y(), rect.width(), rect.height())
        hit = self._panels.get(name)
        if hit is None or hit[0] != full:
            x0, y0, dpr = int(rect.x()), int(rect.y()), self.devicePixelRatioF()
            w, h = max(1, math.ceil(rect.right()) - x0), max(1, math.ceil(rect.bottom()) - y0)
            pm = QPixmap(math.ceil(w * dpr), math.ceil(h * dpr))
            pm.setDevicePixelRatio(dpr)
            pm.fill(Qt.GlobalColor.transparent)
            p = QPainter(pm)
            p.translate(-x0, -y0)
            pc = Canvas(p)
            draw(pc)
            p.end()
            hit = (full, pm, pc.drawn)
            self._panels[name] = hit
        c.p.drawPixmap(QPointF(int(rect.x()), int(rect.y())), hit[1])
        c.drawn.extend(hit[2])

    def _notice_lines(self) -> list[tuple[BiText, QColor, str]]:
        lines: list[tuple[BiText, QColor, str]] = []
        tidal_color = Colors.TIDAL if self.model.liveness is Liveness.LIVE else Colors.MUTED
        for t in self.model.tidal():
            notice = tidal_notice(self.model.window_name(t.window), self.model.service_name(t.service))
            lines.append((notice, tidal_color, "notice.tidal"))
        for n in self.model.notices():
            lines.append((n, Colors.TEXT, "notice.hall"))
        return lines

    # panels -----------------------------------------------------------------------------------
    def _header(self, c: Canvas, g: BoardGeometry, langs: tuple[Lang, ...]) -> None:
        r, m, f = g.header, g.margin, g.fonts
        c.fill(r, Colors.HEADER)
        now = self.model.now
        clock_w = c.width("00:00", int(f.title * 1.5), True) + m
        date = date_text(now)
        date_w = max(c.width(date.zh, f.small), c.width(date.en, f.small)) + m
        right = QRectF(r.right() - m - clock_w - date_w, r.y(), clock_w + date_w, r.height())
        name = bi(self.model.hall.hall.name.zh, self.model.hall.hall.name.en)
        c.bilingual(
            QRectF(r.x() + m, r.y() + m * 0.4, right.x() - r.x() - 2 * m, r.height() - m * 0.8),
            name,
            langs,
            f.title,
            Colors.TEXT,
            bold=True,
            role="header.hall",
        )
        c.text(
            QRectF(right.right() - clock_w, r.y(), clock_w, r.height()),
            now.strftime("%H:%M"),
            int(f.title * 1.5),
            Colors.TEXT,
            RIGHT,
            bold=True,
            role="header.clock",
        )
        c.bilingual(
            QRectF(right.x(), r.y() + m * 0.5, date_w, r.height() - m),
            date,
            langs,
            f.small,
            Colors.MUTED,
            RIGHT,
            en_scale=1.0,
            role="header.date",
        )

    def _calls(self, c: Canvas, g: BoardGeometry, langs: tuple[Lang, ...]) -> None:
        r, m, f = g.calls, g.margin, g.fonts
        live = self.model.liveness
        head_h = f.heading * (3.2 if len(langs) == 2 else 2.0) if live is not Liveness.LIVE else f.heading * 1.7
        head = QRectF(r.x() + m, r.y() + m * 0.3, r.width() - 2 * m, head_h)
        if live is Liveness.LIVE:
            c.inline(head, LABELS["now_calling"], langs, f.heading, Colors.MUTED, bold=True, role="calls.heading")
        else:
            self._banner(c, head, g, langs)
        y = head.bottom() + m * 0.3
        if not self._shown:
            c.bilingual(
                QRectF(r.x() + m, y, r.width() - 2 * m, r.bottom() - y - m),
                LABELS["idle"],
                langs,
                int(f.heading * 1.3),
                Colors.MUTED,
                CENTER,
                role="calls.idle",
            )
            return
        plan = self._plan
        for i, call in enumerate(self._shown[: plan.big]):
            row = QRectF(r.x() + m, y, r.width() - 2 * m, g.row_h)
            c.fill(row, Colors.HIGHLIGHT if i == 0 else Colors.PANEL, radius=m * 0.6)
            if g.portrait:
                self._card(c, g, row, call, langs, newest=i == 0)
            else:
                self._row(c, g, row, call, langs, newest=i == 0)
            y += g.row_h + m * 0.5
        self._second_tier(
            c, QRectF(r.x() + m, y, r.width() - 2 * m, r.bottom() - y), self._shown[plan.big :], plan, langs
        )

    def _fit_calls(self, g: BoardGeometry) -> None:
        """Decide which current calls are drawn (and how) before painting, so the recent list
        can show exactly the ones that did not fit."""
        f, m = g.fonts, g.margin
        calls = self.model.current()
        avail = g.calls.height() - f.heading * 1.7 - m * 1.2
        self._plan = plan_calls(g, len(calls), avail, m * 0.5)
        self._shown = calls[: self._plan.big + self._plan.second]

    def _row(
        self, c: Canvas, g: BoardGeometry, row: QRectF, call: CallView, langs: tuple[Lang, ...], newest: bool
    ) -> None:
        """Landscape: [A012]  请到 [3] 号窗口 on one line, both numbers at the number size."""
        n, pad = g.fonts.number, row.height() * 0.08
        ticket_color = Colors.HIGHLIGHT_TEXT if newest else Colors.TICKET
        x = row.x() + pad * 2
        tw = c.text(
            QRectF(x, row.y(), row.width() * 0.48, row.height()),
            call.ticket,
            n,
            ticket_color,
            bold=True,
            role="call.ticket",
        )
        x += tw + pad * 2
        self._window_part(c, g, QRectF(x, row.y(), row.right() - x - pad, row.height()), call, langs, False)
        if call.recall:
            tag = QRectF(row.right() - row.width() * 0.3, row.y() + pad * 0.3, row.width() * 0.3 - pad, n * 0.22)
            c.inline(tag, LABELS["recall"], langs, int(n * 0.16), Colors.TICKET, RIGHT, bold=True, role="call.recall")

    def _card(
        self, c: Canvas, g: BoardGeometry, card: QRectF, call: CallView, langs: tuple[Lang, ...], newest: bool
    ) -> None:
        """Portrait: the ticket on one line, the window under it, both at the number size."""
        n, half = g.fonts.number, card.height() / 2
        c.text(
            QRectF(card.x(), card.y(), card.width(), half),
            call.ticket,
            n,
            Colors.HIGHLIGHT_TEXT if newest else Colors.TICKET,
            CENTER,
            bold=True,
            role="call.ticket",
        )
        self._window_part(c, g, QRectF(card.x(), card.y() + half, card.width(), half), call, langs, True)
        if call.recall:
            c.inline(
                QRectF(card.x(), card.y(), card.width() - 20, n * 0.25),
                LABELS["recall"],
                langs,
                int(n * 0.14),
                Colors.TICKET,
                RIGHT,
                bold=True,
                role="call.recall",
            )

    def _window_part(
        self, c: Canvas, g: BoardGeometry, r: QRectF, call: CallView, langs: tuple[Lang, ...], centered: bool
    ) -> None:
        """[请到 / Window] 3 [号窗口]: reads 请到3号窗口 in Chinese and "Window 3" in English,
        the window number at the number size."""
        n = g.fonts.number
        small, label = int(n * 0.22), int(n * 0.36)
        if not call.window.isdigit():
            c.bilingual(
                r,
                self.model.window_name(call.window),
                langs,
                int(n * 0.6),
                Colors.HIGHLIGHT_TEXT,
                CENTER if centered else LEFT,
                role="call.window",
                en_color=Colors.HIGHLIGHT_TEXT,
            )
            return
        prefixes: dict[tuple[Lang, ...], BiText] = {(Lang.ZH,): bi("请到", ""), (Lang.EN,): bi("Window", "Window")}
        pre = prefixes.get(langs, bi("请到", "Window"))
        pre_px = small if len(langs) == 2 else label
        pre_w = max(c.width(pick(pre, lang), pre_px) for lang in langs) + n * 0.08
        num_w = c.width(call.window, n, True) + n * 0.06
        suffix = LABELS["window"].zh if Lang.ZH in langs else ""
        suf_w = c.width(suffix, label) + n * 0.05 if suffix else 0.0
        total = pre_w + num_w + suf_w
        x = r.x() + max(0.0, (r.width() - total) / 2) if centered else r.x()
        pre_r = QRectF(x, r.y() + r.height() * 0.2, pre_w, r.height() * 0.6)
        if len(langs) == 2:
            c.bilingual(
                pre_r,
                pre,
                langs,
                small,
                Colors.HIGHLIGHT_TEXT,
                en_scale=1.0,
                role="call.label",
                en_color=Colors.HIGHLIGHT_TEXT,
            )
        else:
            c.text(pre_r, pick(pre, langs[0]), pre_px, Colors.HIGHLIGHT_TEXT, role="call.label")
        c.text(
            QRectF(x + pre_w, r.y(), num_w, r.height()),
            call.window,
            n,
            Colors.HIGHLIGHT_TEXT,
            LEFT,
            bold=True,
            role="call.window",
        )
        if suffix:
            c.text(
                QRectF(x + pre_w + num_w, r.y(), suf_w, r.height()),
                suffix,
                label,
                Colors.HIGHLIGHT_TEXT,
                role="call.label",
            )

    def _second_tier(
        self, c: Canvas, r: QRectF, calls: list[CallView], plan: CallPlan, langs: tuple[Lang, ...]
    ) -> None:
        """Current calls beyond the big rows: still now calling, smaller, two per line."""
        px, line_h = plan.second_px, plan.line_h
        for i, call in enumerate(calls):
            row, col = divmod(i, 2)
            cell = QRectF(r.x() + col * r.width() / 2, r.y() + row * line_h, r.width() / 2, line_h)
            c.fill(cell.adjusted(0, line_h * 0.05, -px * 0.2, -line_h * 0.05), Colors.PANEL, radius=px * 0.15)
            inner = cell.adjusted(px * 0.3, 0, -px * 0.4, 0)
            tw = c.text(
                QRectF(inner.x(), inner.y(), inner.width() * 0.55, line_h),
                call.ticket,
                px,
                Colors.TICKET,
                bold=True,
                role="call.ticket",
            )
            c.text(
                QRectF(inner.x() + tw + px * 0.3, inner.y(), inner.width() - tw - px * 0.3, line_h),
                f"→ {self._window_short(call.window, langs[0])}",
                int(px * 0.62),
                Colors.TEXT,
                role="call.window",
            )

    def _window_short(self, wid: str, lang: Lang) -> str:
        if wid.isdigit():
            return f"{wid}号窗口" if lang is Lang.ZH else f"Window {wid}"
        return pick(self.model.window_name(wid), lang)

    def _waiting(self, c: Canvas, g: BoardGeometry, langs: tuple[Lang, ...]) -> None:
        r, m, f = g.waiting, g.margin, g.fonts
        c.fill(r.adjusted(m * 0.5, m * 0.5, -m * 0.5, -m * 0.25), Colors.PANEL, radius=m * 0.6)
        inner = r.adjusted(m * 1.2, m, -m * 1.2, -m * 0.5)
        services = self.model.services()
        head_h = f.small * (2.6 if len(langs) == 2 else 1.8)
        cols = (inner.width() * 0.58, inner.width() * 0.16, inner.width() * 0.26)
        xs = (inner.x(), inner.x() + cols[0], inner.x() + cols[0] + cols[1])
        heads = (LABELS["service"], LABELS["waiting"], LABELS["eta"])
        for x, w, h, al in zip(xs, cols, heads, (LEFT, RIGHT, RIGHT), strict=True):
            c.bilingual(
                QRectF(x, inner.y(), w, head_h),
                h,
                langs,
                f.small,
                Colors.MUTED,
                al,
                en_scale=0.8,
                role="waiting.heading",
            )
        c.line(inner.x(), inner.y() + head_h, inner.right(), inner.y() + head_h, Colors.LINE, 2)
        if not services:
            return
        row_h = (inner.height() - head_h) / len(services)
        zh_px = int(min(f.body, row_h * (0.46 if len(langs) == 2 else 0.6)))
        for i, s in enumerate(services):
            y = inner.y() + head_h + i * row_h
            c.bilingual(
                QRectF(xs[0], y, cols[0] - m, row_h),
                s.name,
                langs,
                zh_px,
                Colors.TEXT,
                en_scale=0.7,
                role="waiting.service",
            )
            color = Colors.TICKET if s.open else Colors.MUTED
            c.text(
                QRectF(xs[1], y, cols[1], row_h),
                str(s.waiting) if s.open else "–",
                int(zh_px * 1.2),
                color,
                RIGHT,
                bold=True,
                role="waiting.count",
            )
            c.bilingual(
                QRectF(xs[2], y, cols[2], row_h),
                eta_text(s),
                langs,
                int(zh_px * 0.9),
                Colors.TEXT,
                RIGHT,
                en_scale=0.8,
                role="waiting.eta",
            )

    def _recent(self, c: Canvas, g: BoardGeometry, langs: tuple[Lang, ...]) -> None:
        r, m, f = g.recent, g.margin, g.fonts
        c.fill(r.adjusted(m * 0.5, m * 0.25, -m * 0.5, -m * 0.25), Colors.PANEL, radius=m * 0.6)
        inner = r.adjusted(m * 1.2, m * 0.6, -m * 1.2, -m * 0.6)
        head_h = f.small * 1.8
        c.inline(
            QRectF(inner.x(), inner.y(), inner.width(), head_h),
            LABELS["recent"],
            langs,
            f.small,
            Colors.MUTED,
            role="recent.heading",
        )
        cols = 3 if g.portrait else 2
        line_h = f.body * 1.6
        rows = max(1, int((inner.height() - head_h) // line_h))
        px = f.body
        for i, call in enumerate(self.model.recent(rows * cols, self._shown)):
            row, col = divmod(i, cols)
            cell = QRectF(
                inner.x() + col * inner.width() / cols, inner.y() + head_h + row * line_h, inner.width() / cols, line_h
            )
            tw = c.text(
                QRectF(cell.x(), cell.y(), cell.width() * 0.45, line_h),
                call.ticket,
                int(px * 1.1),
                Colors.TICKET,
                bold=True,
                role="recent.ticket",
            )
            label = self._window_short(call.window, langs[0])
            c.text(
                QRectF(cell.x() + tw + px * 0.4, cell.y(), cell.width() - tw - px * 0.6, line_h),
                f"→ {label}",
                int(px * 0.85),
                Colors.TEXT,
                role="recent.window",
            )

    def _bottom(self, c: Canvas, g: BoardGeometry, langs: tuple[Lang, ...]) -> None:
        r, m, f = g.bottom, g.margin, g.fonts
        c.fill(r, Colors.HEADER)
        lines = self._notice_lines()
        if not lines:
            return
        line_h = min((r.height() - m) / len(lines), f.body * 2.6)
        y = r.y() + (r.height() - line_h * len(lines)) / 2
        tag_w = c.width("潮汐窗口", int(f.small)) + m * 1.2
        for name, color, role in lines:
            rr = QRectF(r.x() + m, y, r.width() - 2 * m, line_h)
            if role == "notice.tidal":
                c.fill(QRectF(rr.x(), rr.y() + line_h * 0.2, tag_w, line_h * 0.6), Colors.TIDAL, radius=m * 0.3)
                c.text(
                    QRectF(rr.x(), rr.y() + line_h * 0.2, tag_w, line_h * 0.6),
                    "潮汐窗口" if langs[0] is Lang.ZH else "Tidal",
                    f.small,
                    Colors.BG,
                    CENTER,
                    bold=True,
                    role="notice.tag",
                )
                rr = rr.adjusted(tag_w + m * 0.6, 0, 0, 0)
            if len(langs) == 2 and line_h >= f.body * 2:
                c.bilingual(rr, name, langs, f.body, color, en_scale=0.72, role=role)
            else:
                c.inline(rr, name, langs, f.body, color, role=role, sep="   ")
            y += line_h

    def _banner(self, c: Canvas, band: QRectF, g: BoardGeometry, langs: tuple[Lang, ...]) -> None:
        """Says plainly, where "now calling" would be, that nothing shown is current."""
        live = self.model.liveness
        f, m = g.fonts, g.margin
        c.fill(band, Colors.WARN if live in (Liveness.STALE, Liveness.WAITING) else Colors.ALERT, radius=m * 0.6)
        c.bilingual(
            band.adjusted(m, m * 0.2, -m, -m * 0.2),
            BANNERS[live],
            langs,
            int(f.heading * 1.1),
            Colors.HIGHLIGHT_TEXT,
            CENTER,
            en_scale=0.75,
            bold=True,
            role=f"banner.{live.value}",
            en_color=Colors.HIGHLIGHT_TEXT,
        )
