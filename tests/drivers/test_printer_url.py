"""Printer URLs from the kiosk config. USB cannot be exercised here (no USB bus): parsing only."""

from __future__ import annotations

import pytest

from tideq.drivers.printer import PrinterUnreachable, PrinterUrlError, TicketPrinter, open_link, parse_url


@pytest.mark.parametrize(
    "url,scheme,target,opts",
    [
        ("usb://0483:5743", "usb", "0483:5743", {}),
        ("usb://04B8:0E15?profile=TM-T88III", "usb", "04b8:0e15", {"profile": "TM-T88III"}),
        ("serial:///dev/ttyUSB0?baudrate=19200", "serial", "/dev/ttyUSB0", {"baudrate": "19200"}),
        ("tcp://192.168.1.50", "tcp", "192.168.1.50:9100", {}),
        ("tcp://printer.local:9101?qr=raster", "tcp", "printer.local:9101", {"qr": "raster"}),
        ("file:///dev/usb/lp0", "file", "/dev/usb/lp0", {}),
        ("virtual://kiosk-1", "virtual", "kiosk-1", {}),
    ],
)
def test_parse(url, scheme, target, opts) -> None:
    p = parse_url(url)
    assert (p.scheme, p.target, p.options) == (scheme, target, opts)


@pytest.mark.parametrize(
    "url",
    [
        "lpt://1",
        "usb://zz:01",
        "usb://0483",
        "tcp://:9100",
        "tcp://h:port",
        "serial://",
        "virtual://",
        "tcp://h?qr=maybe",
        "serial:///dev/x?baudrate=fast",
    ],
)
def test_bad_urls_say_how_to_write_them(url) -> None:
    with pytest.raises(PrinterUrlError, match="printer URL"):
        parse_url(url)


def test_qr_mode_from_option_or_profile() -> None:
    assert parse_url("tcp://h").qr_native
    assert not parse_url("tcp://h?qr=raster").qr_native
    assert parse_url("tcp://h?profile=TM-T88III").qr_native  # profile database says qrCode


def test_missing_devices_are_unreachable_not_crashes() -> None:
    with pytest.raises(PrinterUnreachable):
        open_link("serial:///dev/does-not-exist")
    with pytest.raises(PrinterUnreachable):
        open_link("file:///dev/does-not-exist")
    with TicketPrinter("usb://0483:5743", 58) as p:  # no pyusb / no bus here: a status, not an exception
        st = p.status()
    assert st.state.value == "unknown" and not st.reachable


def test_width_is_58_or_80() -> None:
    with pytest.raises(ValueError):
        TicketPrinter("tcp://h", 76)
