"""The ID card reader and the scanners as plain-thread drivers: real pty pairs (the simulated
reader and scanner), a real video file for the camera. Callbacks arrive on the driver's thread."""

from __future__ import annotations

import queue
import threading
from collections.abc import Iterator
from pathlib import Path

import cv2
import numpy as np
import pytest
import segno

from tideq.drivers.idcard import CardFault, IdCardReader, ReaderUnavailable
from tideq.drivers.idcard.sim import SimulatedIdReader
from tideq.drivers.rs485.framing import Frame, encode
from tideq.drivers.scanner import CameraScanner, ScannerUnavailable, SerialScanner
from tideq.drivers.scanner.sim import SimulatedScanner

T = 5.0
ID_A = "11010519491231002X"


class Inbox:
    """What a callback received, and on which thread."""

    def __init__(self) -> None:
        self.q: queue.Queue[object] = queue.Queue()
        self.threads: set[str] = set()

    def __call__(self, item: object) -> None:
        self.threads.add(threading.current_thread().name)
        self.q.put(item)

    def get(self) -> object:
        return self.q.get(timeout=T)


@pytest.fixture
def card_reader() -> Iterator[tuple[SimulatedIdReader, IdCardReader, Inbox, Inbox]]:
    cards, faults = Inbox(), Inbox()
    with SimulatedIdReader() as sim:
        reader = IdCardReader(sim.url, cards, faults).start()
        try:
            yield sim, reader, cards, faults
        finally:
            reader.stop()


def test_card_number_reaches_the_callback_on_the_reader_thread(card_reader) -> None:
    sim, _, cards, faults = card_reader
    sim.present(ID_A)
    assert cards.get() == ID_A
    assert cards.threads == {"reader-ID card reader"} and faults.q.empty()


def test_unreadable_card_is_a_bad_card_fault_and_other_frames_are_ignored(card_reader) -> None:
    sim, _, cards, faults = card_reader
    sim.write(encode(Frame(0x01, 0x32, 1, b"status")))  # not a CARD frame: nothing to report
    sim.present("12345")
    assert faults.get() is CardFault.BAD_CARD
    sim.present(ID_A)
    assert cards.get() == ID_A and faults.q.empty()


def test_missing_reader_port_is_reader_unavailable() -> None:
    with pytest.raises(ReaderUnavailable, match="/dev/tideq-no-such") as info:
        IdCardReader("/dev/tideq-no-such-reader", lambda n: None).start()
    assert info.value.__cause__ is not None


def test_serial_scanner_yields_one_code_per_line_in_any_chunking() -> None:
    codes = Inbox()
    with SimulatedScanner() as sim:
        scanner = SerialScanner(sim.url, codes).start()
        try:
            sim.scan("https://zwfw.example.gov.cn/appt?code=SCAN5555")
            sim.write(b"tideq-appt:2026")
            sim.write(b"1126\n\r  \r")  # LF ends it too; blank lines are no code
            sim.scan("预约12")
            assert [codes.get() for _ in range(3)] == [
                "https://zwfw.example.gov.cn/appt?code=SCAN5555",
                "tideq-appt:20261126",
                "预约12",
            ]
            assert codes.threads == {"reader-scanner"}
        finally:
            scanner.stop()
    with pytest.raises(ScannerUnavailable):
        SerialScanner("/dev/tideq-no-such-scanner", codes).start()


def _qr_video(path: Path, text: str) -> None:
    png = path.with_suffix(".png")
    segno.make(text, error="m").save(str(png), scale=8, border=4)
    img = cv2.imread(str(png))
    frame = np.full((480, 640, 3), 255, np.uint8)
    y, x = (480 - img.shape[0]) // 2, (640 - img.shape[1]) // 2
    frame[y : y + img.shape[0], x : x + img.shape[1]] = img
    out = cv2.VideoWriter(str(path), cv2.VideoWriter_fourcc(*"MJPG"), 10, (640, 480))
    for _ in range(3):
        out.write(np.full((480, 640, 3), 255, np.uint8))
    for _ in range(8):
        out.write(frame)
    out.release()


def test_camera_scanner_reports_a_held_code_once_and_ends_with_the_video(tmp_path: Path) -> None:
    video = tmp_path / "qr.avi"
    _qr_video(video, "tideq-appt:CAM77777")
    codes, ended = Inbox(), threading.Event()
    cam = CameraScanner(str(video), codes, fps=50, on_end=ended.set).start()
    try:
        assert ended.wait(T)
    finally:
        cam.stop()
    assert codes.get() == "tideq-appt:CAM77777" and codes.q.empty()  # eight frames, one scan
    assert cam.frames == 11 and codes.threads == {"camera-scanner"}
    with pytest.raises(ScannerUnavailable):
        CameraScanner(str(tmp_path / "none.avi"), codes).start()
