"""A ticket through each transport into the virtual printer: text and QR as printed."""

from __future__ import annotations

from pathlib import Path

import cv2
import pytest

from tideq.drivers.printer import PrintOutcome, TicketPrinter
from tideq.drivers.printer.sim import PrinterSim
from tideq.drivers.printer.ticket import sample_ticket
from tideq.drivers.printer.virtual import VirtualPrinter, forget_virtual_printer, virtual_printer


@pytest.fixture(scope="module", params=[58, 80])
def sim(request, tmp_path_factory):
    printer = VirtualPrinter(f"p{request.param}", tmp_path_factory.mktemp("out"), request.param)
    with PrinterSim(printer, port=0) as s:
        yield s


def urls(s: PrinterSim) -> dict[str, str]:
    return {
        "tcp": f"tcp://127.0.0.1:{s.port}",
        "serial": f"serial://{s.pty_path}?baudrate=19200",
        "file": f"file://{s.pty_path}",
        "tcp-raster": f"tcp://127.0.0.1:{s.port}?qr=raster",
    }


def qr_of(png: Path) -> str:
    decoded, _, _ = cv2.QRCodeDetector().detectAndDecode(cv2.imread(str(png)))
    return decoded


@pytest.mark.parametrize("transport", ["tcp", "serial", "file", "tcp-raster"])
def test_ticket_through_transport(sim: PrinterSim, transport: str) -> None:
    vp = sim.printer
    before = len(vp.tickets)
    t = sample_ticket(number=f"A{before + 100}")
    with TicketPrinter(urls(sim)[transport], vp.width_mm) as p:
        result = p.print_ticket(t)
    assert result.outcome is PrintOutcome.PRINTED and result.error is None
    assert not result.show_on_screen and result.after and result.after.state.value == "ok"
    printed = vp.wait_for_tickets(before + 1)[-1]
    assert printed.cut
    assert "企业开办（设立登记）" in printed.text.replace("\n", "")
    assert t.number in printed.text.splitlines()
    assert qr_of(printed.png) == t.verify


def test_status_over_each_transport(sim: PrinterSim) -> None:
    for name, url in urls(sim).items():
        with TicketPrinter(url, sim.printer.width_mm) as p:
            st = p.status()
        assert st.state.value == "ok" and st.raw == {1: 0x12, 2: 0x12, 4: 0x12}, name


def test_virtual_url_in_process(tmp_path: Path) -> None:
    try:
        t = sample_ticket()
        with TicketPrinter(f"virtual://kiosk-test?out={tmp_path}&width=58", 58) as p:
            assert p.print_ticket(t).printed
        vp = virtual_printer("kiosk-test")
        printed = vp.wait_for_tickets(1)[0]
        assert printed.png.parent == tmp_path and t.number in printed.text
        assert qr_of(printed.png) == t.verify
    finally:
        forget_virtual_printer("kiosk-test")


def test_plain_file_prints_blind_and_says_so(tmp_path: Path) -> None:
    spool = tmp_path / "spool.bin"
    spool.write_bytes(b"")
    with TicketPrinter(f"file://{spool}", 80) as p:
        result = p.print_ticket(sample_ticket())
    assert result.outcome is PrintOutcome.UNCERTAIN and result.show_on_screen
    assert result.before.state.value == "unknown" and not result.before.readable
    assert spool.read_bytes().startswith(b"\x1b@\x1c&")
