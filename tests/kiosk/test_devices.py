"""The kiosk's Qt adapters over the plain-thread drivers: a card becomes `card(hash)` on the GUI
thread (the number itself never leaves the reader thread), a misread card `failed("bad_card")`,
scanner lines `code(text)`; driver errors become the kiosk's DeviceError."""

from __future__ import annotations

import threading

import pytest

from tideq.contract.identity import identity_hash
from tideq.drivers.idcard.sim import SimulatedIdReader
from tideq.drivers.scanner.sim import SimulatedScanner
from tideq.kiosk.devices import CameraScanner, IdCardReader, SerialScanner
from tideq.kiosk.errors import DeviceError, ScannerError

from .conftest import ID_A

T_MS = 5000


def test_card_is_hashed_and_arrives_queued_on_the_gui_thread(qtbot) -> None:
    seen: list[tuple[str, bool]] = []
    with SimulatedIdReader() as sim:
        reader = IdCardReader(sim.url, b"secret").start()
        reader.card.connect(lambda h: seen.append((h, threading.current_thread() is threading.main_thread())))
        try:
            with qtbot.waitSignal(reader.card, timeout=T_MS):
                sim.present(ID_A)
            with qtbot.waitSignal(reader.failed, timeout=T_MS) as failed:
                sim.present(ID_A[:-1] + "1")  # a misread: the check digit does not match
        finally:
            reader.stop()
    assert seen == [(identity_hash(b"secret", ID_A), True)]
    assert failed.args == ["bad_card"]


def test_scanner_lines_become_code_signals(qtbot) -> None:
    with SimulatedScanner() as sim:
        scanner = SerialScanner(sim.url).start()
        try:
            with qtbot.waitSignal(scanner.code, timeout=T_MS) as code:
                sim.scan("tideq-appt:20261126")
        finally:
            scanner.stop()
    assert code.args == ["tideq-appt:20261126"]


def test_driver_errors_become_kiosk_device_errors() -> None:
    with pytest.raises(DeviceError) as info:
        IdCardReader("/dev/tideq-no-such-reader", b"k").start()
    assert info.value.__cause__ is not None
    with pytest.raises(ScannerError):
        SerialScanner("/dev/tideq-no-such-scanner").start()
    with pytest.raises(ScannerError):
        CameraScanner("/nonexistent/video.avi").start()
