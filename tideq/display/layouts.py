"""Per-layout geometry of the hall board and window screens.

Sizes come from the screen height, never fixed pixels, so 1080p and 4k look the same and the
10 m rule holds by construction: the call panel's number font is the smallest pixel size whose
drawn digits are at least 1/8 of the screen height (measured with QFontMetrics, not guessed,
because digit height per pixel size differs between fonts).
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import Enum
from functools import lru_cache

from PySide6.QtCore import QRectF
from PySide6.QtGui import QFont, QFontMetricsF

from tideq.ui.fonts import cjk_family

NUMBER_SAMPLE = "A0123456789"
NUMBER_FRACTION = 1 / 8  # glyph height / screen height on the call panel (readable from 10 m)


class Layout(str, Enum):
    FHD = "1080p"
    UHD = "4k"
    PORTRAIT = "portrait"

    @property
    def size(self) -> tuple[int, int]:
        return {"1080p": (1920, 1080), "4k": (3840, 2160), "portrait": (1080, 1920)}[self.value]


@lru_cache(maxsize=256)
def font(px: int, bold: bool = False) -> QFont:
    """Shared, never mutated: a board asks for the same dozen sizes every paint."""
    f = QFont(cjk_family())
    f.setPixelSize(max(1, px))
    f.setBold(bold)
    return f


@lru_cache(maxsize=256)
def metrics(px: int, bold: bool = False) -> QFontMetricsF:
    return QFontMetricsF(font(px, bold))


def glyph_height(f: QFont) -> float:
    """Height of the drawn digits and ticket letters (no descenders) in pixels."""
    return QFontMetricsF(f).tightBoundingRect(NUMBER_SAMPLE).height()


@lru_cache(maxsize=16)
def number_px(screen_h: int, fraction: float = NUMBER_FRACTION) -> int:
    """Smallest pixel size whose number glyphs are at least fraction × screen height."""
    target = screen_h * fraction
    px = int(target / 0.8)
    while glyph_height(font(px, bold=True)) < target:
        px += 1
    return px


@dataclass(frozen=True)
class Fonts:
    number: int  # call panel ticket and window numbers
    second: int  # further current calls that do not fit the big rows
    title: int  # header: hall name, clock
    heading: int  # panel headings
    body: int  # tables, notices
    small: int  # English lines under Chinese, table headers


@dataclass(frozen=True)
class BoardGeometry:
    width: int
    height: int
    portrait: bool
    header: QRectF
    calls: QRectF
    waiting: QRectF
    recent: QRectF
    bottom: QRectF
    fonts: Fonts
    big_rows: int  # current calls drawn at number size
    row_h: float  # height of one big call row (landscape) or card (portrait)

    @property
    def margin(self) -> float:
        return self.height * (0.018 if not self.portrait else 0.012)


def board_geometry(layout: Layout, width: int, height: int) -> BoardGeometry:
    w, h = float(width), float(height)
    n = number_px(height)
    u = min(h, w * 9 / 16) / 1080 if layout is not Layout.PORTRAIT else w / 1080
    fonts = Fonts(
        number=n, second=int(n * 0.42), title=int(48 * u), heading=int(38 * u), body=int(34 * u), small=int(24 * u)
    )
    if layout is Layout.PORTRAIT:
        header = QRectF(0, 0, w, h * 0.075)
        calls = QRectF(0, header.bottom(), w, h * 0.50)
        recent = QRectF(0, calls.bottom(), w, h * 0.09)
        waiting = QRectF(0, recent.bottom(), w, h * 0.25)
        bottom = QRectF(0, waiting.bottom(), w, h - waiting.bottom())
        row_h = n * 2.05  # a card: ticket line, then window line
        big_rows = 1
    else:
        header = QRectF(0, 0, w, h * 0.10)
        calls = QRectF(0, header.bottom(), w * 0.6, h * 0.76)
        waiting = QRectF(calls.right(), header.bottom(), w - calls.right(), h * 0.47)
        recent = QRectF(calls.right(), waiting.bottom(), w - calls.right(), calls.bottom() - waiting.bottom())
        bottom = QRectF(0, calls.bottom(), w, h - calls.bottom())
        row_h = n * 1.15
        big_rows = 3
    return BoardGeometry(
        width, height, layout is Layout.PORTRAIT, header, calls, waiting, recent, bottom, fonts, big_rows, row_h
    )


@dataclass(frozen=True)
class CallPlan:
    big: int  # calls drawn at number size
    second: int  # calls drawn in the second tier, two per line
    second_px: int
    line_h: float


def plan_calls(g: BoardGeometry, n: int, avail_h: float, gap: float) -> CallPlan:
    """How many current calls fit big, and how many (and how large) in the tier below. A big row
    gives way to the second tier rather than let a current call fall off the panel."""
    min_px = g.fonts.number * (0.22 if g.portrait else 0.3)
    for big in range(min(n, g.big_rows), 0, -1):
        rows_fit = int((avail_h + gap) // (g.row_h + gap))
        big = min(big, max(rows_fit, 1))
        rest = n - big
        if rest == 0:
            return CallPlan(big, 0, 0, 0.0)
        left = avail_h - big * (g.row_h + gap)
        lines = -(-rest // 2)
        px = min(g.fonts.second, left / lines / 1.25)
        if px >= min_px or big == 1:
            max_lines = max(int(left // (max(px, min_px) * 1.25)), 0)
            px = max(px, min_px)
            return CallPlan(big, min(rest, max_lines * 2), int(px), px * 1.25)
    return CallPlan(0, 0, 0, 0.0)


@dataclass(frozen=True)
class WindowGeometry:
    width: int
    height: int
    title: int
    number: int
    body: int
    small: int


def window_geometry(width: int, height: int) -> WindowGeometry:
    """A window screen is read from a few metres: the ticket takes about 40% of the height."""
    return WindowGeometry(
        width,
        height,
        title=int(height * 0.09),
        number=number_px(height, 0.30),
        body=int(height * 0.065),
        small=int(height * 0.045),
    )
