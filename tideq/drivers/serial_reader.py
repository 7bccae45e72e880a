"""A device that sends bytes unprompted on a serial line (ID card reader, QR scanner), read on its
own thread so no caller ever waits on a port. Subclasses turn bytes into their callbacks."""

from __future__ import annotations

import logging
import threading
from abc import ABC, abstractmethod
from typing import ClassVar, Self

import serial

log = logging.getLogger(__name__)

READ_TIMEOUT_S = 0.2  # how late stop() is noticed
RETRY_S = 1.0  # after a failed read (a pulled cable): retry, do not spin


class SerialReader(ABC):
    device: ClassVar[str] = "serial device"  # named in logs, errors and the thread
    chunk: ClassVar[int] = 256
    open_error: ClassVar[type[Exception]] = OSError  # what `start()` raises; each driver names its own

    def __init__(self, url: str, baudrate: int) -> None:
        self.url, self.baudrate = url, baudrate
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        self._port: serial.SerialBase | None = None

    def start(self) -> Self:
        """Open the port (`serial_for_url`: device paths, ptys, loop://) and start reading."""
        try:
            self._port = serial.serial_for_url(self.url, baudrate=self.baudrate, timeout=READ_TIMEOUT_S)
        except (serial.SerialException, OSError, ValueError) as err:
            raise self.open_error(f"{self.device} {self.url}: {err}") from err
        self._stop.clear()
        self._thread = threading.Thread(target=self._run, args=(self._port,), name=f"reader-{self.device}", daemon=True)
        self._thread.start()
        return self

    def stop(self) -> None:
        self._stop.set()
        if self._thread:
            self._thread.join(2)
        if self._port:
            self._port.close()
            self._port = None

    def _run(self, port: serial.SerialBase) -> None:
        while not self._stop.is_set():
            try:
                data = port.read(self.chunk)
            except (serial.SerialException, OSError) as err:
                log.warning("%s %s: %s", self.device, self.url, err)
                self.read_failed(err)
                self._stop.wait(RETRY_S)
                continue
            if data:
                try:
                    self.received(data)
                except Exception:  # a listener's bug must not stop the reader
                    log.exception("%s %s: handling received bytes failed", self.device, self.url)

    @abstractmethod
    def received(self, data: bytes) -> None:
        """Bytes as they arrive (reader thread)."""

    def read_failed(self, err: Exception) -> None:  # noqa: B027  (optional hook)
        """The port failed to read (reader thread)."""
