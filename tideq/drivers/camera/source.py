"""Frame sources: a V4L2 device, an RTSP stream or a video file, behind one small interface.

`FrameSource.read()` returns the next frame or raises CameraUnavailable; the caller decides
when to call `open()` again, using `Backoff` for the delay. Reconnect policy lives in the
counter loop, not here, so that a test can drive it step by step.

Live sources (device, RTSP) deliver frames at the camera's rate whether we read them or not;
reading slower than that makes OpenCV's buffer (and the latency) grow. `LatestFrame` reads on
its own thread and keeps only the newest frame, so a 2 Hz counter sees the present, not a
frame from 10 s ago. Files are read in order (every frame counts, which is what tests and
the bench want), optionally looping.
"""

from __future__ import annotations

import re
import threading
from collections.abc import Callable
from dataclasses import dataclass
from enum import Enum
from pathlib import Path
from typing import Protocol

import cv2
import numpy as np

from .errors import CameraUnavailable


class SourceKind(Enum):
    DEVICE = "device"  # V4L2 index or /dev/videoN
    STREAM = "stream"  # rtsp://, rtsps://, http(s):// (MJPEG), anything FFmpeg opens by URL
    FILE = "file"  # a video file


@dataclass(frozen=True)
class SourceSpec:
    kind: SourceKind
    target: int | str

    @classmethod
    def parse(cls, url: str) -> SourceSpec:
        """`0`, `/dev/video0`, `v4l2:///dev/video0`, `rtsp://..`, `file:///x.avi` or a path."""
        u = url.strip()
        if u.isdigit():
            return cls(SourceKind.DEVICE, int(u))
        if u.startswith("v4l2://"):
            u = u[len("v4l2://") :]
            return cls(SourceKind.DEVICE, int(u) if u.isdigit() else u)
        if re.match(r"^/dev/video\d+$", u):
            return cls(SourceKind.DEVICE, u)
        if re.match(r"^(rtsps?|rtmp|https?|udp|tcp)://", u):
            return cls(SourceKind.STREAM, u)
        if u.startswith("file://"):
            u = u[len("file://") :]
        return cls(SourceKind.FILE, u)

    @property
    def live(self) -> bool:
        return self.kind is not SourceKind.FILE

    def describe(self) -> str:
        """For logs and health: RTSP credentials are cut out."""
        t = str(self.target)
        return re.sub(r"//[^@/]*@", "//***@", t)


Opener = Callable[[SourceSpec], cv2.VideoCapture]


def open_capture(spec: SourceSpec) -> cv2.VideoCapture:
    """cv2.VideoCapture with the backend each kind needs."""
    if spec.kind is SourceKind.DEVICE:
        cap = cv2.VideoCapture(spec.target, cv2.CAP_V4L2)
        cap.set(cv2.CAP_PROP_BUFFERSIZE, 1)
    elif spec.kind is SourceKind.STREAM:
        cap = cv2.VideoCapture(str(spec.target), cv2.CAP_FFMPEG)
    else:
        cap = cv2.VideoCapture(str(spec.target))
    return cap


class Source(Protocol):
    spec: SourceSpec

    def open(self) -> None: ...
    def read(self) -> np.ndarray: ...
    def close(self) -> None: ...


class FrameSource:
    """One cv2.VideoCapture; `read()` raises CameraUnavailable when no frame comes."""

    def __init__(self, url: str, *, loop: bool = True, opener: Opener = open_capture) -> None:
        self.spec = SourceSpec.parse(url)
        self.loop = loop
        self._opener = opener
        self._cap: cv2.VideoCapture | None = None
        self.fps: float = 0.0  # nominal fps reported by the source (0 if unknown)

    def open(self) -> None:
        self.close()
        if self.spec.kind is SourceKind.FILE and not Path(str(self.spec.target)).is_file():
            raise CameraUnavailable(f"video file {self.spec.describe()} does not exist")
        try:
            cap = self._opener(self.spec)
        except cv2.error as err:
            raise CameraUnavailable(f"cannot open {self.spec.describe()}: {err}") from err
        if not cap.isOpened():
            cap.release()
            raise CameraUnavailable(f"cannot open {self.spec.describe()}")
        self._cap = cap
        self.fps = float(cap.get(cv2.CAP_PROP_FPS) or 0.0)

    def read(self) -> np.ndarray:
        if self._cap is None:
            raise CameraUnavailable(f"{self.spec.describe()} is not open")
        try:
            ok, frame = self._cap.read()
            if not ok and self.spec.kind is SourceKind.FILE and self.loop:
                # reopen rather than seek: a file that was replaced or deleted must show up
                self.open()
                ok, frame = self._cap.read() if self._cap is not None else (False, None)
        except cv2.error as err:
            self.close()
            raise CameraUnavailable(f"{self.spec.describe()} failed: {err}") from err
        if not ok or frame is None:
            self.close()
            raise CameraUnavailable(f"{self.spec.describe()} delivered no frame")
        return frame

    def close(self) -> None:
        if self._cap is not None:
            self._cap.release()
            self._cap = None


class LatestFrame:
    """Wraps a live FrameSource: a reader thread keeps only the newest frame."""

    def __init__(self, inner: FrameSource, *, timeout: float = 5.0) -> None:
        self.spec = inner.spec
        self.inner = inner
        self.timeout = timeout  # no new frame for this long: the camera is lost
        self._cond = threading.Condition()
        self._frame: np.ndarray | None = None
        self._seq = 0
        self._seen = 0
        self._error: CameraUnavailable | None = None
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None

    def open(self) -> None:
        self.close()
        self.inner.open()
        self._stop.clear()
        self._error = None
        self._thread = threading.Thread(target=self._run, name=f"camera-reader-{self.spec.describe()}", daemon=True)
        self._thread.start()

    def _run(self) -> None:
        while not self._stop.is_set():
            try:
                frame = self.inner.read()
            except CameraUnavailable as err:
                with self._cond:
                    self._error = err
                    self._cond.notify_all()
                return
            with self._cond:
                self._frame, self._seq = frame, self._seq + 1
                self._cond.notify_all()

    def read(self) -> np.ndarray:
        with self._cond:
            if not self._cond.wait_for(lambda: self._seq > self._seen or self._error is not None, self.timeout):
                raise CameraUnavailable(f"{self.spec.describe()}: no frame for {self.timeout:.0f}s")
            if self._seq > self._seen and self._frame is not None:
                self._seen = self._seq
                return self._frame
            assert self._error is not None
            raise self._error

    def close(self) -> None:
        self._stop.set()
        if self._thread is not None:
            self._thread.join(timeout=self.timeout)
            self._thread = None
        self.inner.close()


def make_source(url: str, *, loop: bool = True, opener: Opener = open_capture) -> Source:
    src = FrameSource(url, loop=loop, opener=opener)
    return LatestFrame(src) if src.spec.live else src


@dataclass
class Backoff:
    """Exponential reconnect delays: initial, initial*factor, ... capped at `maximum`."""

    initial: float = 0.5
    factor: float = 2.0
    maximum: float = 30.0
    attempts: int = 0

    def next_delay(self) -> float:
        delay = min(self.maximum, self.initial * self.factor**self.attempts)
        self.attempts += 1
        return delay

    def reset(self) -> None:
        self.attempts = 0
