"""Ticket layout bytes: golden files per width, and the Chinese/QR details python-escpos misses.

Regenerate goldens after an intended layout change: TIDEQ_UPDATE_GOLDEN=1 pytest -k golden,
then look at the rendered tickets (docs/screenshots) before committing.
"""

from __future__ import annotations

import os
from pathlib import Path

import cv2
import numpy as np
import pytest

from tideq.drivers.printer.escpos_ticket import CHINESE_OFF, CHINESE_ON, build_ticket, cells, wrap
from tideq.drivers.printer.page import Page
from tideq.drivers.printer.parser import EscPosParser, Hooks
from tideq.drivers.printer.render import page_bitmap
from tideq.drivers.printer.ticket import Priority, TicketPrint, sample_ticket

GOLDEN = Path(__file__).parent / "golden"


def parse(data: bytes, dots: int = 576) -> tuple[list[Page], EscPosParser]:
    pages: list[Page] = []
    p = EscPosParser(dots, Hooks(status=lambda n: 0x12, respond=lambda b: None, cut=pages.append))
    p.feed(data)
    return pages, p


@pytest.mark.parametrize("width,native", [(58, True), (80, True), (58, False), (80, False)])
def test_golden_bytes(width: int, native: bool) -> None:
    data = build_ticket(sample_ticket(priority=Priority.GREEN), width, qr_native=native)
    path = GOLDEN / f"ticket-{width}mm-{'native' if native else 'raster'}.bin"
    if os.environ.get("TIDEQ_UPDATE_GOLDEN"):
        path.write_bytes(data)
    assert data == path.read_bytes(), f"layout bytes changed; see {path} (TIDEQ_UPDATE_GOLDEN=1 to accept)"


def test_chinese_mode_and_gb18030_for_punctuation_and_rare_characters() -> None:
    t = sample_ticket()
    rare = TicketPrint(**{**t.__dict__, "service_zh": "𠀾䶮办理：证照（补领）"})
    data = build_ticket(rare, 80)
    assert data.startswith(b"\x1b@" + CHINESE_ON)
    assert data.endswith(CHINESE_OFF)
    assert "（".encode("gb18030") in data and "：".encode("gb18030") in data
    assert "𠀾".encode("gb18030") in data and len("𠀾".encode("gb18030")) == 4
    assert b"?" not in data.split(b"\x1d(k")[0]  # python-escpos would have sent '?' for the punctuation
    pages, parser = parse(data)
    assert "𠀾䶮办理：证照（补领）" in pages[0].text_dump()
    assert parser.unknown == 0


def test_number_is_the_largest_text_and_fits_the_paper() -> None:
    for width, dots in ((58, 384), (80, 576)):
        pages, _ = parse(build_ticket(sample_ticket(number="B1234"), width), dots)
        rows = [r for r in pages[0].rows if hasattr(r, "runs")]
        number = next(r for r in rows if r.text == "B1234")
        assert max(r.height for r in rows) == number.height >= 24 * 5
        assert sum(run.style.cell(c) for run in number.runs for c in run.text) <= dots


@pytest.mark.parametrize(
    "priority,mark", [(Priority.GREEN, "绿色通道"), (Priority.APPOINTMENT, "预约"), (Priority.NORMAL, None)]
)
def test_priority_mark(priority: Priority, mark: str | None) -> None:
    text = parse(build_ticket(sample_ticket(priority=priority), 80))[0][0].text_dump()
    if mark:
        assert mark in text
    else:
        assert "绿色通道" not in text and "预约" not in text


@pytest.mark.parametrize("width,dots", [(58, 384), (80, 576)])
@pytest.mark.parametrize("native", [True, False])
def test_qr_decodes_from_either_encoding(width: int, dots: int, native: bool) -> None:
    t = sample_ticket()
    data = build_ticket(t, width, qr_native=native)
    assert (b"\x1d(k" in data) == native and (b"\x1dv0" in data) != native
    bits = page_bitmap(parse(data, dots)[0][0])
    img = np.pad(np.where(bits, 0, 255).astype(np.uint8), 16, constant_values=255)
    assert bits.shape[1] == dots
    decoded, _, _ = cv2.QRCodeDetector().detectAndDecode(img)
    assert decoded == t.verify


def test_every_line_fits_the_paper() -> None:
    for width, dots in ((58, 384), (80, 576)):
        t = sample_ticket()
        hall_en = "Xi'an High-Tech Industries Development Zone Government Affairs Service Center"
        long = TicketPrint(**{**t.__dict__, "hall_en": hall_en})
        pages, _ = parse(build_ticket(long, width), dots)
        rows = [r for r in pages[0].rows if hasattr(r, "runs")]
        for r in rows:
            assert sum(run.style.cell(c) for run in r.runs for c in run.text) <= dots, r.text


def test_wrap_breaks_on_words_and_keeps_punctuation_off_line_starts() -> None:
    assert wrap("Please listen for your number.", 12) == ["Please", "listen for", "your number."]
    lines = wrap("请留意叫号，过号请到综合咨询窗口", 10)
    assert all(cells(line) <= 10 for line in lines)
    assert not any(line.startswith("，") for line in lines)


def test_ticket_requires_aware_time() -> None:
    from datetime import datetime

    with pytest.raises(ValueError):
        TicketPrint(**{**sample_ticket().__dict__, "issued_at": datetime(2024, 5, 6, 9, 0)})


def test_from_controller_ticket_object() -> None:
    t = TicketPrint.from_controller(
        {
            "number": "C003",
            "service": "tax",
            "priority": "appointment",
            "issued_at": "2024-05-06T09:00:00.000+08:00",
            "ahead": 2,
            "eta_s": 300,
        },
        hall=("某中心", "Some Center"),
        service=("税务", "Tax"),
        verify="v1",
    )
    assert t.priority is Priority.APPOINTMENT and t.issued_at.utcoffset() is not None and t.ahead == 2
