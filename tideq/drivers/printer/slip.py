"""Slips a 24-hour self-service kiosk prints besides tickets: an appointment slip (its code, large,
and a QR the kiosk's scanner reads at check-in) and a service's materials list. Pure: the same
slip and width give the same bytes, laid out like a ticket (escpos_ticket.py)."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

from .escpos_ticket import (
    CELL_DOTS,
    CENTER,
    CHINESE_OFF,
    CHINESE_ON,
    INIT,
    LEFT,
    Geometry,
    Writer,
    cells,
    centered,
    qr_bitmap,
)


@dataclass(frozen=True)
class SlipPrint:
    """One slip: a title, an optional big code with its QR, and paragraphs (zh and en apart).

    `number` names the job in logs and print results, as a ticket's number does."""

    hall_zh: str
    hall_en: str
    title_zh: str
    title_en: str
    heading_zh: str  # the service
    heading_en: str
    number: str
    printed_at: datetime
    code: str | None = None  # printed large, and in the QR as `qr`
    qr: str | None = None
    lines: tuple[str, ...] = field(default_factory=tuple)  # body paragraphs, in order
    footer: tuple[str, ...] = field(default_factory=tuple)

    def __post_init__(self) -> None:
        if self.printed_at.tzinfo is None:
            raise ValueError("printed_at must be timezone-aware (hall-local time with offset)")


def build_slip(s: SlipPrint, width_mm: int = 80, *, qr_native: bool = True) -> bytes:
    g = Geometry(width_mm)
    cols = g.cols
    w = Writer().raw(INIT).raw(CHINESE_ON).align(CENTER)
    w.bold(True).para(s.hall_zh, cols).bold(False).para(s.hall_en, cols)
    w.line("-" * cols)
    w.size(2, 2).bold(True).para(s.title_zh, cols // 2).bold(False).size().para(s.title_en, cols)
    w.feed(1).bold(True).para(s.heading_zh, cols).bold(False).para(s.heading_en, cols)
    if s.code:
        w.feed(1).line("预约码 Appointment code")
        scale = max(1, min(3, g.dots // (CELL_DOTS * cells(s.code))))
        w.size(scale, scale).bold(True).line(s.code).bold(False).size()
    if s.qr:
        w.feed(1)
        data = s.qr.encode("utf-8")
        if qr_native:
            w.qr_native(data, g.qr_module)
        else:
            w.align(LEFT).raster(centered(qr_bitmap(data, g.qr_module), g.dots)).align(CENTER)
    w.feed(1).align(LEFT)
    for text in s.lines:
        w.para(text, cols)
    w.align(CENTER).feed(1)
    for text in s.footer:
        w.para(text, cols)
    stamp = s.printed_at.strftime("%Y-%m-%d %H:%M")
    w.line(f"打印时间 Printed {stamp}" if cells(f"打印时间 Printed {stamp}") <= cols else stamp)
    return w.feed(2).cut().raw(CHINESE_OFF).bytes()
