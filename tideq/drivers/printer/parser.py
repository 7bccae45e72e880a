"""Streaming ESC/POS parser of the virtual printer.

Bytes may arrive in any chunking (one byte at a time over a pty); a command that is not
complete yet waits for more. Real-time status (`DLE EOT n`) is answered the moment it is
parsed, in stream order, so a status byte inside raster data is never mistaken for a query.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np

from .page import DEFAULT_SPACING, Page, Style, restyle

log = logging.getLogger(__name__)

BARCODE_TYPES = {
    0: "UPC-A",
    1: "UPC-E",
    2: "EAN13",
    3: "EAN8",
    4: "CODE39",
    5: "ITF",
    6: "CODABAR",
    65: "UPC-A",
    66: "UPC-E",
    67: "EAN13",
    68: "EAN8",
    69: "CODE39",
    70: "ITF",
    71: "CODABAR",
    72: "CODE93",
    73: "CODE128",
}
_BARCODE_LIB = {
    "UPC-A": "upca",
    "EAN13": "ean13",
    "EAN8": "ean8",
    "CODE39": "code39",
    "ITF": "itf",
    "CODABAR": "codabar",
    "CODE128": "code128",
}


@dataclass
class Hooks:
    """What the parser asks of its printer: status bytes, and what to do on a cut."""

    status: Callable[[int], int | None]  # DLE EOT n -> reply byte, None = stay silent
    respond: Callable[[bytes], None]
    cut: Callable[[Page], None]


@dataclass
class QrState:
    """`GS ( k` settings collected until the print command (fn 81)."""

    module: int = 3
    ec: str = "L"
    data: bytes = b""


class Incomplete(Exception):
    """The buffer ends inside a command; wait for more bytes."""


class EscPosParser:
    def __init__(self, dots: int, hooks: Hooks, *, chinese_default: bool = False) -> None:
        self.dots, self.hooks = dots, hooks
        self.chinese_default = chinese_default
        self.buf = bytearray()
        self.page = Page(dots)
        self.unknown = 0
        self._reset()

    def _reset(self) -> None:
        self.style = Style()
        self.align = 0
        self.spacing = DEFAULT_SPACING
        self.chinese = self.chinese_default
        self.qr = QrState()
        self.bar = {"w": 3, "h": 162, "hri": 0}

    # feeding ------------------------------------------------------------------------
    def feed(self, data: bytes) -> None:
        self.buf += data
        i = 0
        n = len(self.buf)
        while i < n:
            try:
                i = self._step(i)
            except Incomplete:
                break
        del self.buf[:i]

    def finish(self) -> Page | None:
        """End of stream (connection closed): return a page that was never cut."""
        self.page.flush_line(self.align, self.spacing)
        page, self.page = self.page, Page(self.dots)
        return None if page.empty else page

    def _need(self, i: int, k: int) -> bytes:
        if i + k > len(self.buf):
            raise Incomplete
        return bytes(self.buf[i : i + k])

    # dispatch -----------------------------------------------------------------------
    def _step(self, i: int) -> int:
        b = self.buf[i]
        if b == 0x1B:
            return self._esc(i)
        if b == 0x1D:
            return self._gs(i)
        if b == 0x1C:
            return self._fs(i)
        if b == 0x10:
            return self._dle(i)
        if b == 0x0A:
            self.page.newline(self.align, self.spacing)
            return i + 1
        if b == 0x09:
            for _ in range(8 - (self.page._used // 12) % 8):
                self._put(" ")
            return i + 1
        if b < 0x20 or b == 0x7F:
            return i + 1  # CR, NUL and other controls print nothing
        return self._text(i)

    def _text(self, i: int) -> int:
        b = self.buf[i]
        if b < 0x80 or not self.chinese:
            self._put(bytes((b,)).decode("cp437"))
            return i + 1
        second = self._need(i, 2)[1]
        k = 4 if 0x30 <= second <= 0x39 else 2
        self._put(self._need(i, k).decode("gb18030", errors="replace"))
        return i + k

    def _put(self, ch: str) -> None:
        self.page.put(ch, self.style, self.align, self.spacing)

    def _esc(self, i: int) -> int:
        c = self._need(i, 2)[1]
        ch = chr(c)
        if ch == "@":
            self.page.flush_line(self.align, self.spacing)
            self._reset()
            return i + 2
        if ch == "2":
            self.spacing = DEFAULT_SPACING
            return i + 2
        if ch in "SL<":  # page/standard mode, return home
            return i + 2
        if ch in "ab-!EGMt3dJR {VcUr":
            n = self._need(i, 3)[2]
            if ch == "a":
                self.align = n % 48 if n >= 48 else n
            elif ch in "EG":
                self.style = restyle(self.style, bold=bool(n & 1))
            elif ch == "-":
                self.style = restyle(self.style, underline=bool(n % 48 if n >= 48 else n))
            elif ch == "!":
                self.style = restyle(
                    self.style,
                    font_b=bool(n & 1),
                    bold=bool(n & 8),
                    h=2 if n & 16 else 1,
                    w=2 if n & 32 else 1,
                    underline=bool(n & 128),
                )
            elif ch == "M":
                self.style = restyle(self.style, font_b=n in (1, 49))
            elif ch == "3":
                self.spacing = n
            elif ch == "d":
                self.page.flush_line(self.align, self.spacing)
                self.page.feed(n * self.spacing)
            elif ch == "J":
                self.page.flush_line(self.align, self.spacing)
                self.page.feed(n)
            elif ch == "c":
                return i + 4  # ESC c 3/4/5 n
            return i + 3
        if ch == "p":
            return i + 5
        if ch in "im":
            return self._cut(i + 2)
        if ch == "$":
            return i + 4
        if ch == "D":
            end = self.buf.find(0, i + 2)
            if end < 0:
                raise Incomplete
            return end + 1
        if ch == "*":
            return self._column_image(i)
        self.unknown += 1
        log.debug("unknown ESC 0x%02x", c)
        return i + 3

    def _gs(self, i: int) -> int:
        ch = chr(self._need(i, 2)[1])
        if ch == "!":
            n = self._need(i, 3)[2]
            self.style = restyle(self.style, w=(n >> 4) + 1, h=(n & 0x0F) + 1)
            return i + 3
        if ch == "B":
            self.style = restyle(self.style, invert=bool(self._need(i, 3)[2] & 1))
            return i + 3
        if ch == "V":
            m = self._need(i, 3)[2]
            if m in (65, 66, 97, 98, 103, 104):
                n = self._need(i, 4)[3]
                self.page.feed(n)
                return self._cut(i + 4)
            return self._cut(i + 3)
        if ch == "(":
            head = self._need(i, 5)
            size = head[3] | head[4] << 8
            body = self._need(i + 5, size)
            if head[2] == ord("k"):
                self._two_d(body)
            return i + 5 + size
        if ch == "8":
            head = self._need(i, 7)
            size = int.from_bytes(head[3:7], "little")
            self._need(i + 7, size)
            return i + 7 + size
        if ch == "v":
            return self._raster(i)
        if ch == "k":
            return self._barcode(i)
        if ch in "hwHf":
            n = self._need(i, 3)[2]
            key = {"h": "h", "w": "w", "H": "hri", "f": None}[ch]
            if key:
                self.bar[key] = n % 48 if key == "hri" and n >= 48 else n
            return i + 3
        if ch in "LWP$\\":
            return i + 4
        if ch in "baTE":  # smoothing, ASB, print position, emphasis: one argument, no effect here
            return i + 3
        if ch in "Ir":
            n = self._need(i, 3)[2]
            self.hooks.respond(b"\x00" if ch == "r" else b"\x20")
            _ = n
            return i + 3
        self.unknown += 1
        return i + 3

    def _fs(self, i: int) -> int:
        ch = chr(self._need(i, 2)[1])
        if ch == "&":
            self.chinese = True
            return i + 2
        if ch == ".":
            self.chinese = False
            return i + 2
        if ch in "!-CWp":
            n = self._need(i, 3)[2]
            if ch == "!":
                self.style = restyle(self.style, w=2 if n & 4 else 1, h=2 if n & 8 else 1, underline=bool(n & 128))
            elif ch == "W":
                self.style = restyle(self.style, w=2 if n & 1 else 1, h=2 if n & 1 else 1)
            return i + 4 if ch == "p" else i + 3
        if ch == "S":
            return i + 4
        self.unknown += 1
        return i + 2

    def _dle(self, i: int) -> int:
        head = self._need(i, 2)
        if head[1] == 0x04:
            n = self._need(i, 3)[2]
            reply = self.hooks.status(n)
            if reply is not None:
                self.hooks.respond(bytes((reply,)))
            return i + 3
        if head[1] == 0x05:
            return i + 3
        if head[1] == 0x14:
            fn = self._need(i, 3)[2]
            return i + {1: 5, 2: 5, 7: 4, 8: 10}.get(fn, 3)
        return i + 1  # a lone DLE is just a byte

    # content ------------------------------------------------------------------------
    def _cut(self, nxt: int) -> int:
        self.page.flush_line(self.align, self.spacing)
        page, self.page = self.page, Page(self.dots)
        self.hooks.cut(page)
        return nxt

    def _raster(self, i: int) -> int:
        head = self._need(i, 8)
        if head[2] not in (0, 48):
            self.unknown += 1
            return i + 3
        wb, h = head[4] | head[5] << 8, head[6] | head[7] << 8
        data = self._need(i + 8, wb * h)
        bits = np.unpackbits(np.frombuffer(data, np.uint8).reshape(h, wb), axis=1).astype(bool)
        mode = head[3] % 48 if head[3] >= 48 else head[3]
        bits = bits.repeat(2 if mode & 1 else 1, axis=1).repeat(2 if mode & 2 else 1, axis=0)
        self.page.flush_line(self.align, self.spacing)
        self.page.image(bits, self.align)
        return i + 8 + wb * h

    def _column_image(self, i: int) -> int:
        head = self._need(i, 5)
        m, width = head[2], head[3] | head[4] << 8
        rows = 3 if m in (32, 33) else 1
        data = self._need(i + 5, width * rows)
        cols = np.frombuffer(data, np.uint8).reshape(width, rows)
        bits = np.unpackbits(cols, axis=1).T.astype(bool)
        self.page.flush_line(self.align, self.spacing)
        self.page.image(bits, self.align)
        return i + 5 + width * rows

    def _two_d(self, body: bytes) -> None:
        if len(body) < 2 or body[0] != 49:  # cn 49 = QR code
            return
        fn = body[1]
        if fn == 67 and len(body) > 2:
            self.qr.module = max(1, min(16, body[2]))
        elif fn == 69 and len(body) > 2:
            self.qr.ec = {48: "L", 49: "M", 50: "Q", 51: "H"}.get(body[2], "L")
        elif fn == 80:
            self.qr.data = bytes(body[3:])
        elif fn == 81 and self.qr.data:
            import segno

            data = self.qr.data
            qr = segno.make_qr(data, error=self.qr.ec.lower(), boost_error=False)
            matrix = np.array([list(r) for r in qr.matrix], dtype=bool)
            mod = self.qr.module
            bits = np.kron(matrix, np.ones((mod, mod), dtype=bool))
            self.page.flush_line(self.align, self.spacing)
            self.page.image(bits, self.align, f"[QR] {data.decode('utf-8', errors='replace')}")

    def _barcode(self, i: int) -> int:
        m = self._need(i, 3)[2]
        if m <= 6:
            end = self.buf.find(0, i + 3)
            if end < 0:
                raise Incomplete
            data, nxt = bytes(self.buf[i + 3 : end]), end + 1
        else:
            n = self._need(i, 4)[3]
            data, nxt = self._need(i + 4, n), i + 4 + n
        kind = BARCODE_TYPES.get(m, f"type{m}")
        text = data.decode("ascii", errors="replace")
        if kind == "CODE128" and len(text) >= 2 and text[0] == "{":
            text = text[2:].replace("{{", "{")
        self.page.flush_line(self.align, self.spacing)
        self.page.image(self._bars(kind, text), self.align, f"[BARCODE {kind}] {text}")
        if self.bar["hri"] in (2, 3):
            for c in text:
                self._put(c)
            self.page.newline(self.align, self.spacing)
        return nxt

    def _bars(self, kind: str, text: str) -> np.ndarray:
        modules = "10" * 20  # placeholder pattern for types python-barcode cannot build
        try:
            import barcode

            lib = _BARCODE_LIB.get(kind)
            if lib:
                modules = barcode.get(lib, text[:12] if kind == "EAN13" else text).build()[0]
        except Exception:  # a barcode the library rejects still takes paper space
            log.debug("cannot build %s %r", kind, text)
        row = np.array([c == "1" for c in modules], dtype=bool).repeat(max(1, self.bar["w"]))
        return np.tile(row, (max(1, self.bar["h"]), 1))
