"""Ticket layout as ESC/POS bytes. Pure: same ticket and width give the same bytes.

Chinese goes out in GB18030 inside Chinese mode (`FS &` ... `FS .`): python-escpos encodes only
U+4E00..U+9FA5 and sends full-width punctuation as `?`; GB18030 covers every character, with
rare ones as 4-byte codes. In Chinese mode bytes below 0x80 still print as ASCII, so one mode
serves the whole ticket. Sizes use `GS !`; the QR code is native `GS ( k` or a `GS v 0` raster.
"""

from __future__ import annotations

import math
import unicodedata
from dataclasses import dataclass

import numpy as np
import segno

from .ticket import Priority, TicketPrint

ESC, GS, FS = b"\x1b", b"\x1d", b"\x1c"
INIT = ESC + b"@"
CHINESE_ON, CHINESE_OFF = FS + b"&", FS + b"."
LEFT, CENTER = 0, 1
CELL_DOTS = 12  # font A: ASCII 12x24 dots, Chinese 24x24


@dataclass(frozen=True)
class Geometry:
    """Printable area of a paper width (203 dpi heads): 58 mm -> 48 mm, 80 mm -> 72 mm."""

    width_mm: int

    @property
    def dots(self) -> int:
        return {58: 384, 80: 576}[self.width_mm]

    @property
    def cols(self) -> int:
        return self.dots // CELL_DOTS

    @property
    def qr_module(self) -> int:
        return 6 if self.width_mm == 58 else 8

    @property
    def number_scale_cap(self) -> int:
        return 6 if self.width_mm == 58 else 8


def cells(text: str) -> int:
    """Width in font-A cells: wide (CJK, full-width) characters take two."""
    return sum(2 if unicodedata.east_asian_width(c) in "WF" else 1 for c in text)


def wrap(text: str, cols: int) -> list[str]:
    """Break at spaces for Latin text and anywhere between CJK characters, never inside a word
    unless it alone is too long; leading punctuation (，。) never starts a line."""
    lines: list[str] = []
    line = ""
    for token in _tokens(text):
        if cells(line + token) <= cols:
            line += token
            continue
        if line.strip():
            lines.append(line.rstrip())
        line = token.lstrip()
        while cells(line) > cols:  # a single token wider than the line
            cut = _fit(line, cols)
            lines.append(line[:cut])
            line = line[cut:]
    if line.strip():
        lines.append(line.rstrip())
    return lines


_NO_LINE_START = set("，。、；：？！）」』》”’,.;:?!)")


def _tokens(text: str) -> list[str]:
    out: list[str] = []
    word = ""
    for c in text:
        wide = unicodedata.east_asian_width(c) in "WF"
        if c in _NO_LINE_START and out and not word:
            out[-1] += c
        elif wide or c == " ":
            if word:
                out.append(word)
                word = ""
            out.append(c)
        else:
            word += c
    if word:
        out.append(word)
    # glue spaces to the token before them so lines break after a space
    merged: list[str] = []
    for t in out:
        if t == " " and merged:
            merged[-1] += t
        else:
            merged.append(t)
    return merged


def _sentences(text: str) -> list[str]:
    out, cur = [], ""
    for c in text:
        if c == "（" and cur:  # 企业开办 / （设立登记）: keep a bracketed note whole
            out.append(cur)
            cur = ""
        cur += c
        if c in "；。！？":
            out.append(cur)
            cur = ""
    return [*out, cur] if cur else out


def _fit(text: str, cols: int) -> int:
    n = 0
    for i, c in enumerate(text):
        n += cells(c)
        if n > cols:
            return max(i, 1)
    return len(text)


class Writer:
    """Accumulates ESC/POS commands; `bytes()` when done."""

    def __init__(self) -> None:
        self.parts: list[bytes] = []

    def raw(self, data: bytes) -> Writer:
        self.parts.append(data)
        return self

    def align(self, n: int) -> Writer:
        return self.raw(ESC + b"a" + bytes((n,)))

    def size(self, w: int = 1, h: int = 1) -> Writer:
        return self.raw(GS + b"!" + bytes((((w - 1) << 4) | (h - 1),)))

    def bold(self, on: bool) -> Writer:
        return self.raw(ESC + b"E" + bytes((int(on),)))

    def invert(self, on: bool) -> Writer:
        return self.raw(GS + b"B" + bytes((int(on),)))

    def line(self, text: str = "") -> Writer:
        return self.raw(text.encode("gb18030") + b"\n")

    def para(self, text: str, cols: int) -> Writer:
        """Wrapped text; a Chinese text too long for one line breaks after ；。 or before （ first."""
        pieces = [text] if cells(text) <= cols else _sentences(text)
        for piece in pieces:
            for ln in wrap(piece, cols):
                self.line(ln)
        return self

    def feed(self, n: int) -> Writer:
        return self.raw(ESC + b"d" + bytes((n,)))

    def qr_native(self, data: bytes, module: int, ec: str = "M") -> Writer:
        ecb = {"L": 48, "M": 49, "Q": 50, "H": 51}[ec]
        return (
            self._k(65, b"\x32\x00")  # model 2
            ._k(67, bytes((module,)))  # module size in dots
            ._k(69, bytes((ecb,)))  # error correction
            ._k(80, b"0" + data)  # store the data
            ._k(81, b"0")
        )  # print it

    def _k(self, fn: int, body: bytes) -> Writer:
        n = len(body) + 2
        return self.raw(GS + b"(k" + bytes((n & 0xFF, n >> 8, 49, fn)) + body)

    def raster(self, bits: np.ndarray) -> Writer:
        """`GS v 0` of a boolean image (True = black), width padded to whole bytes."""
        h, w = bits.shape
        wb = (w + 7) // 8
        packed = np.packbits(np.pad(bits, ((0, 0), (0, wb * 8 - w))).astype(np.uint8), axis=1)
        header = GS + b"v0\x00" + bytes((wb & 0xFF, wb >> 8, h & 0xFF, h >> 8))
        return self.raw(header + packed.tobytes())

    def cut(self) -> Writer:
        return self.raw(GS + b"V" + bytes((66, 0)))  # feed to the cutter, partial cut

    def bytes(self) -> bytes:
        return b"".join(self.parts)


RASTER_QR_MASK = 4  # fixed: segno's penalty search over 8 masks costs ~8 ms, the whole budget


def qr_bitmap(data: bytes, module: int, ec: str = "M") -> np.ndarray:
    """QR code as a boolean image at `module` dots per module, no quiet zone (paper is white).
    segno, not `qrcode`: the latter splits mixed text so Chinese payloads decode empty."""
    qr = segno.make_qr(data, error=ec.lower(), boost_error=False, mask=RASTER_QR_MASK)
    matrix = np.array([list(row) for row in qr.matrix], dtype=bool)
    return matrix.repeat(module, axis=0).repeat(module, axis=1)


def centered(bits: np.ndarray, dots: int) -> np.ndarray:
    """Pad on the left so the image sits centred; raster ignores ESC a on many printers."""
    pad = max(0, (dots - bits.shape[1]) // 2) // 8 * 8
    return np.pad(bits, ((0, 0), (pad, 0)))


def eta_minutes(eta_s: int) -> int:
    return max(1, math.ceil(eta_s / 60)) if eta_s else 0


def build_ticket(t: TicketPrint, width_mm: int = 80, *, qr_native: bool = True) -> bytes:
    g = Geometry(width_mm)
    cols = g.cols
    w = Writer().raw(INIT).raw(CHINESE_ON).align(CENTER)
    w.bold(True).para(t.hall_zh, cols).bold(False).para(t.hall_en, cols)
    w.line("-" * cols)
    w.size(2, 2).bold(True).para(t.service_zh, cols // 2).bold(False).size()
    w.para(t.service_en, cols)
    w.feed(1).line("您的号码 Your number")
    scale = max(1, min(g.number_scale_cap, g.dots // (CELL_DOTS * cells(t.number))))
    w.size(scale, scale).bold(True).line(t.number).bold(False).size()
    if t.priority is Priority.GREEN:
        w.invert(True).bold(True).line(" 绿色通道 GREEN CHANNEL ").bold(False).invert(False)
    elif t.priority is Priority.APPOINTMENT:
        w.invert(True).bold(True).line(" 预约 APPOINTMENT ").bold(False).invert(False)
    if t.reprints:
        w.bold(True).line(f"** 补打 REPRINT {t.reprints} **").bold(False)
    w.feed(1)
    mins = eta_minutes(t.eta_s)
    ahead_en = "1 person ahead of you" if t.ahead == 1 else f"{t.ahead} people ahead of you"
    w.para(f"前面还有 {t.ahead} 人等候", cols).para(ahead_en, cols)
    if mins:
        w.para(f"预计等候约 {mins} 分钟", cols).para(f"Estimated wait: about {mins} min", cols)
    else:
        w.para("即将叫号，请勿走远", cols).para("You will be called soon; please stay near", cols)
    stamp = t.issued_at.strftime("%Y-%m-%d %H:%M:%S")
    if cells(f"取号时间 Issued {stamp}") <= cols:
        w.line(f"取号时间 Issued {stamp}")
    else:
        w.line("取号时间 Issued").line(stamp)
    w.feed(1)
    data = t.qr_data.encode("utf-8")
    if qr_native:
        w.qr_native(data, g.qr_module)
    else:
        # centred by padding, left-aligned: printers differ on whether ESC a moves a raster
        w.align(LEFT).raster(centered(qr_bitmap(data, g.qr_module), g.dots)).align(CENTER)
    w.line(f"校验码 Verify {t.verify_tail}")
    w.feed(1)
    w.para(t.guidance_zh, cols).para(t.guidance_en, cols)
    if t.where_zh:
        w.para(t.where_zh, cols)
    if t.where_en:
        w.para(t.where_en, cols)
    return w.feed(2).cut().raw(CHINESE_OFF).bytes()
