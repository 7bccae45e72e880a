"""Appointment QR codes and barcodes: a serial scanner (lines ending in CR, as USB/RS-232
scanners send in serial mode) and the kiosk camera (OpenCV's QRCodeDetector on frames from
cv2.VideoCapture: /dev/video0, an RTSP URL, or a video file in tests). Each runs on its own
thread and emits `code(text)` queued to the GUI thread."""
from __future__ import annotations

import logging
import threading
import time

from PySide6.QtCore import QObject, Signal

from .errors import ScannerError
from .serial_reader import SerialReader

log = logging.getLogger(__name__)
REPEAT_S = 3.0   # the same code held in front of the camera is one scan, not thirty


class SerialScanner(SerialReader):
    """Lines ending in CR or LF, one code each."""

    code = Signal(str)
    device = "scanner"

    def __init__(self, url: str, baudrate: int = 9600) -> None:
        super().__init__(url, baudrate)
        self._buf = bytearray()

    def open_error(self, message: str) -> ScannerError:
        return ScannerError(message)

    def received(self, data: bytes) -> None:
        buf = self._buf
        buf += data
        while True:
            cut = min((i for i in (buf.find(b"\r"), buf.find(b"\n")) if i >= 0), default=-1)
            if cut < 0:
                break
            line = bytes(buf[:cut]).decode("utf-8", "replace").strip()
            del buf[:cut + 1]
            if line:
                self.code.emit(line)
        if len(buf) > 4096:  # no terminator ever: a misconfigured scanner, not a code
            buf.clear()


class CameraScanner(QObject):
    """Decodes QR codes from a camera at up to `fps` frames a second (CPU is shared)."""

    code = Signal(str)
    ended = Signal()

    def __init__(self, url: str, fps: float = 10.0, *, loop: bool = False) -> None:
        super().__init__()
        self.url, self.period, self.loop = url, 1.0 / fps, loop
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        self.frames = 0

    def start(self) -> CameraScanner:
        import cv2

        src: int | str = int(self.url) if self.url.isdigit() else self.url
        cap = cv2.VideoCapture(src)
        if not cap.isOpened():
            raise ScannerError(f"camera {self.url} cannot be opened")
        self._thread = threading.Thread(target=self._run, args=(cap,), name="kiosk-camera", daemon=True)
        self._thread.start()
        return self

    def _run(self, cap: object) -> None:
        import cv2

        detector = cv2.QRCodeDetector()
        last, last_at = "", 0.0
        try:
            while not self._stop.is_set():
                t0 = time.monotonic()
                ok, frame = cap.read()  # type: ignore[attr-defined]
                if not ok:
                    if self.loop:
                        cap.set(cv2.CAP_PROP_POS_FRAMES, 0)  # type: ignore[attr-defined]
                        continue
                    break
                self.frames += 1
                try:
                    text, _, _ = detector.detectAndDecode(frame)
                except cv2.error:
                    text = ""
                now = time.monotonic()
                if text and (text != last or now - last_at > REPEAT_S):
                    last, last_at = text, now
                    self.code.emit(text)
                self._stop.wait(max(0.0, self.period - (time.monotonic() - t0)))  # frame pacing
        finally:
            cap.release()  # type: ignore[attr-defined]
            self.ended.emit()

    def stop(self) -> None:
        self._stop.set()
        if self._thread:
            self._thread.join(2)
