"""The virtual printer's ESC/POS parser: streaming, python-escpos output, status in-stream."""

from __future__ import annotations

import cv2
import numpy as np
import pytest
from escpos.printer import Dummy
from PIL import Image

from tideq.drivers.printer.escpos_ticket import build_ticket
from tideq.drivers.printer.page import ImageRow, Page, TextRow
from tideq.drivers.printer.parser import EscPosParser, Hooks
from tideq.drivers.printer.render import page_bitmap
from tideq.drivers.printer.ticket import sample_ticket
from tideq.drivers.printer.virtual import VirtualPrinter


class Recorder:
    def __init__(self, dots: int = 576, status: int | None = 0x12) -> None:
        self.pages: list[Page] = []
        self.replies = bytearray()
        self.parser = EscPosParser(
            dots, Hooks(status=lambda n: status, respond=self.replies.extend, cut=self.pages.append)
        )


def test_byte_by_byte_equals_whole() -> None:
    data = build_ticket(sample_ticket(), 80, qr_native=False)
    whole, drip = Recorder(), Recorder()
    whole.parser.feed(data)
    for i in range(len(data)):
        drip.parser.feed(data[i : i + 1])
    assert len(whole.pages) == len(drip.pages) == 1
    assert np.array_equal(page_bitmap(whole.pages[0]), page_bitmap(drip.pages[0]))


def test_status_query_answered_in_stream_but_not_inside_raster_data() -> None:
    r = Recorder(status=0x16)
    img = b"\x1dv0\x00\x02\x00\x02\x00" + b"\x10\x04\x01\x00"  # raster bytes that look like DLE EOT 1
    r.parser.feed(b"\x1b@" + img + b"\x10\x04\x04")
    assert bytes(r.replies) == b"\x16"


def test_sizes_alignment_emphasis_invert() -> None:
    r = Recorder()
    r.parser.feed(b"\x1b@\x1ba\x01\x1d!\x11\x1bE\x01BIG\n\x1d!\x00\x1bE\x00\x1dB\x01inv\n\x1dB\x00\x1dV\x00")
    rows = [row for row in r.pages[0].rows if isinstance(row, TextRow)]
    big, inv = rows
    assert big.align == 1 and big.runs[0].style.w == 2 and big.runs[0].style.h == 2 and big.runs[0].style.bold
    assert big.height == 48 and inv.runs[0].style.invert and not inv.runs[0].style.bold


def test_chinese_needs_fs_ampersand() -> None:
    """Without FS & a printer prints GB18030 bytes as code-page characters, as Epson ones do."""
    gb = "请留意叫号，".encode("gb18030")
    off, on = Recorder(), Recorder()
    off.parser.feed(gb + b"\n\x1dV\x00")
    on.parser.feed(b"\x1c&" + gb + b"\n\x1c.\x1dV\x00")
    assert "请留意叫号，" not in off.pages[0].text_dump()
    assert on.pages[0].text_dump().strip() == "请留意叫号，"


def test_python_escpos_output_parses() -> None:
    """python-escpos's own text, native and raster QR, image and CODE128 (with {B) all parse."""
    d = Dummy()
    d.set(align="center", bold=True, double_height=True, double_width=True)
    d.textln("HELLO")
    d.set_with_default()
    d.qr("tideq-native", native=True, size=6)
    d.qr("tideq-raster", native=False, size=6)
    d.image(Image.new("1", (64, 16), 0))
    d.barcode("{B123456", "CODE128", function_type="B")
    d.cut()
    r = Recorder()
    r.parser.feed(d.output)
    assert r.parser.unknown == 0 and len(r.pages) == 1
    page = r.pages[0]
    text = page.text_dump()
    assert "HELLO" in text and "[QR] tideq-native" in text and "[BARCODE CODE128] 123456" in text
    images = [row for row in page.rows if isinstance(row, ImageRow)]
    assert len(images) == 4 and images[2].bits.shape == (16, 64) and images[2].bits.all()
    for row, expect in ((images[0], "tideq-native"), (images[1], "tideq-raster")):
        img = np.pad(np.where(row.bits, 0, 255).astype(np.uint8), 24, constant_values=255)
        assert cv2.QRCodeDetector().detectAndDecode(img)[0] == expect


def test_auto_wrap_at_print_width() -> None:
    r = Recorder(dots=384)
    r.parser.feed(b"x" * 40 + b"\n\x1dV\x00")
    rows = [row.text for row in r.pages[0].rows if isinstance(row, TextRow)]
    assert rows == ["x" * 32, "x" * 8]


def test_faulted_printer_discards_and_mute_answers_nothing(tmp_path) -> None:
    vp = VirtualPrinter("unit", tmp_path)
    replies = bytearray()
    s = vp.session(replies.extend)
    vp.set_state(cover_open=True)
    s.feed(b"\x10\x04\x01\x10\x04\x02hello\n\x1dV\x00")
    assert bytes(replies) == b"\x1a\x16" and vp.discarded == 1 and not vp.tickets
    vp.set_state(cover_open=False, mute=True)
    s.feed(b"\x10\x04\x01")
    assert bytes(replies) == b"\x1a\x16"
    vp.set_state(mute=False)
    s.feed(b"\x1c&" + "号".encode("gb18030") + b"\n\x1dV\x42\x00")
    t = vp.wait_for_tickets(1, 1)[0]
    assert t.png.exists() and t.txt.read_text(encoding="utf-8").strip() == "号"


def test_job_without_cut_is_kept_when_link_closes(tmp_path) -> None:
    vp = VirtualPrinter("nocut", tmp_path)
    s = vp.session(lambda b: None)
    s.feed(b"partial")
    s.close()
    t = vp.wait_for_tickets(1, 1)[0]
    assert not t.cut and "partial" in t.text


@pytest.mark.parametrize("paper,byte4", [("adequate", 0x12), ("near_end", 0x1E), ("out", 0x7E)])
def test_paper_sensor_bits(tmp_path, paper, byte4) -> None:
    vp = VirtualPrinter("bits", tmp_path)
    vp.set_state(paper=paper)
    assert vp.status_byte(4) == byte4


def test_a_printer_started_again_on_its_folder_numbers_on_and_overwrites_nothing(tmp_path) -> None:
    first = VirtualPrinter("kiosk-1", tmp_path)
    first.session(lambda b: None).feed(b"first\n\x1dV\x00")
    t1 = first.wait_for_tickets(1, 1)[0]
    before = t1.png.read_bytes()
    again = VirtualPrinter("kiosk-1", tmp_path)  # a continued demo day: same folder, new printer
    again.session(lambda b: None).feed(b"second\n\x1dV\x00")
    t2 = again.wait_for_tickets(1, 1)[0]
    assert (t1.png.name, t2.png.name) == ("kiosk-1-0001.png", "kiosk-1-0002.png")
    assert t1.png.read_bytes() == before and "first" in t1.txt.read_text(encoding="utf-8")
