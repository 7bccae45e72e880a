"""Draw a Page as a PNG the way a 203-dpi head would: fixed cells (12x24 ASCII, 24x24 Chinese),
`GS !` scaling by whole multiples, bold, underline and reverse. Pillow only; no Qt in drivers/."""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path

import numpy as np
from PIL import Image, ImageDraw, ImageFont

from .page import FeedRow, Page, Run, TextRow, wide

CJK_FONT = Path("/usr/share/fonts/truetype/wqy/wqy-microhei.ttc")
MARGIN = 16  # white paper around the print area, dots


class FontMissing(RuntimeError):
    """The CJK font is not installed: run scripts/setup.sh (Debian fonts-wqy-microhei)."""


@lru_cache(maxsize=4)
def _font(size: int) -> ImageFont.FreeTypeFont:
    if not CJK_FONT.exists():
        raise FontMissing(f"{CJK_FONT} not found; install fonts-wqy-microhei (scripts/setup.sh)")
    return ImageFont.truetype(str(CJK_FONT), size)


@lru_cache(maxsize=4096)
def glyph(ch: str, font_b: bool, bold: bool) -> np.ndarray:
    """One character in its cell at 1x, True = black."""
    ch_h = 17 if font_b else 24
    cw = (9 if font_b else 12) * (2 if wide(ch) else 1)
    size = ch_h if wide(ch) else ch_h - 2
    img = Image.new("L", (cw * 2, ch_h * 2), 0)
    d = ImageDraw.Draw(img)
    font = _font(size)
    box = d.textbbox((0, 0), ch, font=font)
    gw = box[2] - box[0]
    x = (cw - gw) // 2 - box[0] if gw <= cw else -box[0]
    for dx in (0, 1) if bold else (0,):  # bold = double strike shifted one dot, as heads do
        d.text((x + dx, (ch_h - size) // 2 - 1), ch, font=font, fill=255)
    cell = (
        np.asarray(img)[:ch_h, :cw]
        if gw <= cw
        else np.asarray(img.crop((0, 0, max(gw + 1, 1), ch_h)).resize((cw, ch_h)))
    )
    return cell > 110


def run_bitmap(run: Run) -> np.ndarray:
    s = run.style
    cells = [glyph(c, s.font_b, s.bold) for c in run.text]
    bits = np.concatenate(cells, axis=1) if cells else np.zeros((s.height, 0), bool)
    bits = bits.repeat(s.h, axis=0).repeat(s.w, axis=1)
    if s.underline:
        bits[-2:, :] = True
    if s.invert:
        bits = ~bits
    return bits


def row_bitmap(row: TextRow) -> np.ndarray:
    parts = [run_bitmap(r) for r in row.runs]
    out = np.zeros((row.height, sum(p.shape[1] for p in parts)), bool)
    x = 0
    for p in parts:
        out[row.height - p.shape[0] :, x : x + p.shape[1]] = p  # baseline at the bottom, as printers do
        x += p.shape[1]
    return out


def page_bitmap(page: Page) -> np.ndarray:
    blocks: list[np.ndarray] = []
    for row in page.rows:
        if isinstance(row, FeedRow):
            blocks.append(np.zeros((row.dots, page.dots), bool))
            continue
        bits = row_bitmap(row) if isinstance(row, TextRow) else row.bits
        bits = bits[:, : page.dots]  # a real head drops what lies past the print width
        free = page.dots - bits.shape[1]
        left = {1: free // 2, 2: free}.get(row.align, 0)
        line = np.zeros((bits.shape[0], page.dots), bool)
        line[:, left : left + bits.shape[1]] = bits
        blocks.append(line)
    return np.concatenate(blocks, axis=0) if blocks else np.zeros((1, page.dots), bool)


def to_png(page: Page, path: Path) -> Path:
    bits = page_bitmap(page)
    gray = np.where(bits, 0, 255).astype(np.uint8)
    gray = np.pad(gray, MARGIN, constant_values=255)
    Image.fromarray(gray, "L").save(path, optimize=True)
    return path


__all__ = ["FontMissing", "page_bitmap", "to_png"]
