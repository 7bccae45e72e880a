"""QR codes from a camera: OpenCV's QRCodeDetector on frames from cv2.VideoCapture (/dev/video0,
an RTSP URL, or a video file in tests), on its own thread, at most `fps` frames a second (the
CPU is shared). Each code goes to `on_code`; `on_end` runs when the source ends."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from typing import Any, Self

from .errors import ScannerUnavailable

REPEAT_S = 3.0  # the same code held in front of the camera is one scan, not thirty

CodeListener = Callable[[str], None]


class CameraScanner:
    def __init__(
        self,
        url: str,
        on_code: CodeListener,
        *,
        fps: float = 10.0,
        loop: bool = False,
        on_end: Callable[[], None] | None = None,
    ) -> None:
        self.url, self.period, self.loop = url, 1.0 / fps, loop
        self.on_code = on_code
        self.on_end = on_end
        self.frames = 0
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None

    def start(self) -> Self:
        import cv2

        src: int | str = int(self.url) if self.url.isdigit() else self.url
        cap = cv2.VideoCapture(src)
        if not cap.isOpened():
            raise ScannerUnavailable(f"camera {self.url} cannot be opened")
        self._stop.clear()
        self._thread = threading.Thread(target=self._run, args=(cap,), name="camera-scanner", daemon=True)
        self._thread.start()
        return self

    def stop(self) -> None:
        self._stop.set()
        if self._thread:
            self._thread.join(2)

    def _run(self, cap: Any) -> None:
        import cv2

        detector = cv2.QRCodeDetector()
        last, last_at = "", 0.0
        try:
            while not self._stop.is_set():
                t0 = time.monotonic()
                ok, frame = cap.read()
                if not ok:
                    if self.loop:
                        cap.set(cv2.CAP_PROP_POS_FRAMES, 0)
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
                    self.on_code(text)
                self._stop.wait(max(0.0, self.period - (time.monotonic() - t0)))  # frame pacing
        finally:
            cap.release()
            if self.on_end:
                self.on_end()
