"""What a printer head would put on paper: rows of styled text and bitmaps, plus notes.

Built by the ESC/POS parser of the virtual printer, drawn by render.py. Line layout follows a
real printer: characters fill a line buffer and wrap at the printable width; alignment and
line height apply when the line is printed (LF or wrap).
"""

from __future__ import annotations

import unicodedata
from dataclasses import dataclass, field, replace

import numpy as np

DEFAULT_SPACING = 30  # dots, ESC 2


@dataclass(frozen=True)
class Style:
    bold: bool = False
    underline: bool = False
    invert: bool = False
    w: int = 1
    h: int = 1
    font_b: bool = False

    def cell(self, ch: str) -> int:
        base = 9 if self.font_b else 12
        return base * (2 if wide(ch) else 1) * self.w

    @property
    def height(self) -> int:
        return (17 if self.font_b else 24) * self.h


def wide(ch: str) -> bool:
    return unicodedata.east_asian_width(ch) in "WF"


@dataclass
class Run:
    text: str
    style: Style


@dataclass
class TextRow:
    runs: list[Run]
    align: int
    height: int

    @property
    def text(self) -> str:
        return "".join(r.text for r in self.runs)


@dataclass
class ImageRow:
    bits: np.ndarray  # bool, True = black
    align: int
    note: str = ""


@dataclass
class FeedRow:
    dots: int


Row = TextRow | ImageRow | FeedRow


@dataclass
class Page:
    """One ticket: everything between two cuts."""

    dots: int
    rows: list[Row] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    _runs: list[Run] = field(default_factory=list)
    _used: int = 0

    def put(self, ch: str, style: Style, align: int, spacing: int) -> None:
        cw = style.cell(ch)
        if self._used + cw > self.dots and self._runs:
            self.newline(align, spacing)
        if self._runs and self._runs[-1].style == style:
            self._runs[-1].text += ch
        else:
            self._runs.append(Run(ch, style))
        self._used += cw

    def newline(self, align: int, spacing: int) -> None:
        if self._runs:
            height = max(spacing, max(r.style.height for r in self._runs))
            self.rows.append(TextRow(self._runs, align, height))
        else:
            self.rows.append(FeedRow(spacing))
        self._runs, self._used = [], 0

    def flush_line(self, align: int, spacing: int) -> None:
        """Print a pending partial line (before an image, a cut, or the end of the job)."""
        if self._runs:
            self.newline(align, spacing)

    def image(self, bits: np.ndarray, align: int, note: str = "") -> None:
        self.rows.append(ImageRow(bits, align, note))
        if note:
            self.notes.append(note)

    def feed(self, dots: int) -> None:
        if dots:
            self.rows.append(FeedRow(dots))

    @property
    def empty(self) -> bool:
        return not self.rows and not self._runs

    def text_dump(self) -> str:
        out: list[str] = []
        for row in self.rows:
            if isinstance(row, TextRow):
                out.append(row.text.rstrip())
            elif isinstance(row, ImageRow):
                out.append(row.note or f"[IMAGE {row.bits.shape[1]}x{row.bits.shape[0]}]")
        return "\n".join(out) + "\n"


def restyle(style: Style, **changes: object) -> Style:
    return replace(style, **changes)  # type: ignore[arg-type]
