"""A kiosk device that sends bytes on a serial line (ID card reader, QR scanner), read on its own
thread so the screen never waits on a port; subclasses turn bytes into queued Qt signals."""
from __future__ import annotations

import logging
import threading

import serial
from PySide6.QtCore import QObject

from .errors import DeviceError

log = logging.getLogger(__name__)


class SerialReader(QObject):
    device = "serial device"   # named in logs and errors
    chunk = 256

    def __init__(self, url: str, baudrate: int) -> None:
        super().__init__()
        self.url, self.baudrate = url, baudrate
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        self._port: serial.SerialBase | None = None

    def start(self) -> SerialReader:
        try:
            self._port = serial.serial_for_url(self.url, baudrate=self.baudrate, timeout=0.2)
        except (serial.SerialException, OSError, ValueError) as err:
            raise self.open_error(f"{self.device} {self.url}: {err}") from err
        self._thread = threading.Thread(target=self._run, name=f"kiosk-{self.device}", daemon=True)
        self._thread.start()
        return self

    def open_error(self, message: str) -> DeviceError:
        return DeviceError(message)

    def _run(self) -> None:
        assert self._port is not None
        while not self._stop.is_set():
            try:
                data = self._port.read(self.chunk)
            except (serial.SerialException, OSError) as err:
                log.warning("%s %s: %s", self.device, self.url, err)
                self.read_failed()
                self._stop.wait(1.0)   # a pulled cable: retry, do not spin
                continue
            if data:
                self.received(data)

    def received(self, data: bytes) -> None:
        """Bytes as they arrive (worker thread); emit signals from here."""
        raise NotImplementedError

    def read_failed(self) -> None:
        """The port failed to read (worker thread)."""

    def stop(self) -> None:
        self._stop.set()
        if self._thread:
            self._thread.join(2)
        if self._port:
            self._port.close()
