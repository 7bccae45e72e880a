"""Drawing helpers shared by the board and window screens.

`Canvas` wraps QPainter and records every text it draws (role, text, size). Tests and the bench
read that record instead of OCR: "A012 is on the call panel at ≥1/8 screen height" is then a
plain assertion, and privacy ("nothing but ticket numbers") can be checked on all drawn text.
"""

from __future__ import annotations

import math
from collections import OrderedDict
from dataclasses import dataclass

from PySide6.QtCore import QPointF, QRectF, Qt
from PySide6.QtGui import QColor, QFont, QFontMetricsF, QPainter, QPen, QPixmap

from tideq.contract import BiText, Lang

from .layouts import font, metrics
from .texts import pick


class Colors:
    BG = QColor("#0a1a33")
    HEADER = QColor("#0d2a52")
    PANEL = QColor("#11284a")
    LINE = QColor("#24406b")
    TEXT = QColor("#eef3fa")
    MUTED = QColor("#9fb3cf")
    TICKET = QColor("#ffd54f")
    HIGHLIGHT = QColor("#b71c1c")
    HIGHLIGHT_TEXT = QColor("#ffffff")
    TIDAL = QColor("#4dd0e1")
    WARN = QColor("#c77800")
    ALERT = QColor("#b71c1c")
    OK = QColor("#66bb6a")


LEFT = Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignVCenter
RIGHT = Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter
CENTER = Qt.AlignmentFlag.AlignCenter


@dataclass(frozen=True)
class Drawn:
    role: str
    text: str
    rect: QRectF
    px: int


SPRITE_PX = 64  # Qt's raster engine caches glyphs up to about this size; above, it fills paths
_sprites: OrderedDict[tuple[str, int, bool, int], QPixmap] = OrderedDict()
MAX_SPRITES = 256  # glyphs, not strings: digits, letters and a few 汉字 in a few sizes and colours


def _sprite(ch: str, f: QFont, color: QColor) -> QPixmap:
    """One large glyph rendered once. Re-filling a 200 px glyph path every paint cost ~0.3 ms a
    string and made a 10 calls/s burst paint-bound; a blit costs microseconds."""
    key = (ch, f.pixelSize(), f.bold(), color.rgba())
    pm = _sprites.get(key)
    if pm is not None:
        _sprites.move_to_end(key)
        return pm
    fm = QFontMetricsF(f)
    pad = math.ceil(f.pixelSize() * 0.1)
    pm = QPixmap(math.ceil(fm.horizontalAdvance(ch)) + 2 * pad, math.ceil(fm.height()))
    pm.fill(Qt.GlobalColor.transparent)
    p = QPainter(pm)
    p.setRenderHint(QPainter.RenderHint.TextAntialiasing)
    p.setFont(f)
    p.setPen(color)
    p.drawText(QPointF(pad, fm.ascent()), ch)
    p.end()
    _sprites[key] = pm
    if len(_sprites) > MAX_SPRITES:
        _sprites.popitem(last=False)
    return pm


class Canvas:
    def __init__(self, painter: QPainter) -> None:
        self.p = painter
        self.drawn: list[Drawn] = []
        painter.setRenderHint(QPainter.RenderHint.Antialiasing)
        painter.setRenderHint(QPainter.RenderHint.TextAntialiasing)

    def fill(self, rect: QRectF, color: QColor, radius: float = 0.0) -> None:
        self.p.setPen(Qt.PenStyle.NoPen)
        self.p.setBrush(color)
        if radius:
            self.p.drawRoundedRect(rect, radius, radius)
        else:
            self.p.drawRect(rect)

    def line(self, x1: float, y1: float, x2: float, y2: float, color: QColor, width: float = 1.0) -> None:
        self.p.setPen(QPen(color, width))
        self.p.drawLine(int(x1), int(y1), int(x2), int(y2))

    def width(self, text: str, px: int, bold: bool = False) -> float:
        return metrics(px, bold).horizontalAdvance(text)

    def text(
        self,
        rect: QRectF,
        text: str,
        px: int,
        color: QColor,
        align: Qt.AlignmentFlag = LEFT,
        *,
        bold: bool = False,
        role: str = "text",
        min_scale: float = 0.55,
    ) -> float:
        """Draw one line inside rect; shrink (down to min_scale) and then elide rather than clip.
        Returns the width drawn."""
        if not text or rect.width() <= 0:
            return 0.0
        px = int(min(px, rect.height())) if rect.height() > 0 else px
        w = self.width(text, px, bold)
        if w > rect.width():
            px = max(int(px * max(min_scale, rect.width() / w)), 1)
        f = font(px, bold)
        fm = metrics(px, bold)
        shown = fm.elidedText(text, Qt.TextElideMode.ElideRight, rect.width())
        if px >= SPRITE_PX:
            self._sprites(rect, shown, f, fm, color, align)
        else:
            self.p.setFont(f)
            self.p.setPen(color)
            self.p.drawText(rect, int(align), shown)
        self.drawn.append(Drawn(role, shown, QRectF(rect), px))
        return min(fm.horizontalAdvance(shown), rect.width())

    def _sprites(
        self, rect: QRectF, text: str, f: QFont, fm: QFontMetricsF, color: QColor, align: Qt.AlignmentFlag
    ) -> None:
        """Large text as cached glyph blits, placed as drawText would (vertically centred)."""
        total = fm.horizontalAdvance(text)
        x = rect.x()
        if align & Qt.AlignmentFlag.AlignHCenter:
            x += (rect.width() - total) / 2
        elif align & Qt.AlignmentFlag.AlignRight:
            x += rect.width() - total
        y = rect.y() + (rect.height() - fm.height()) / 2
        pad = math.ceil(f.pixelSize() * 0.1)
        for ch in text:
            self.p.drawPixmap(QPointF(round(x) - pad, round(y)), _sprite(ch, f, color))
            x += fm.horizontalAdvance(ch)

    def bilingual(
        self,
        rect: QRectF,
        name: BiText,
        langs: tuple[Lang, ...],
        px: int,
        color: QColor,
        align: Qt.AlignmentFlag = LEFT,
        *,
        en_scale: float = 0.68,
        bold: bool = False,
        role: str = "text",
        en_color: QColor | None = None,
    ) -> None:
        """Chinese above English when both show (side-by-side), else the one language, centred in rect."""
        if len(langs) == 1:
            self.text(rect, pick(name, langs[0]), px, color, align, bold=bold, role=role)
            return
        need_zh, need_en = px * 1.3, px * en_scale * 1.35
        block = min(rect.height(), need_zh + need_en)
        y = rect.y() + (rect.height() - block) / 2
        zh_h = block * need_zh / (need_zh + need_en)
        self.text(QRectF(rect.x(), y, rect.width(), zh_h), name.zh, px, color, align, bold=bold, role=role)
        self.text(
            QRectF(rect.x(), y + zh_h, rect.width(), block - zh_h),
            name.en,
            int(px * en_scale),
            en_color or Colors.MUTED,
            align,
            role=role,
        )

    def inline(
        self,
        rect: QRectF,
        name: BiText,
        langs: tuple[Lang, ...],
        px: int,
        color: QColor,
        align: Qt.AlignmentFlag = LEFT,
        *,
        bold: bool = False,
        role: str = "text",
        sep: str = "  ",
    ) -> None:
        """Both languages on one line (zh, then en muted), for headings and notices."""
        if len(langs) == 1:
            self.text(rect, pick(name, langs[0]), px, color, align, bold=bold, role=role)
            return
        self.text(rect, f"{name.zh}{sep}{name.en}", px, color, align, bold=bold, role=role)
