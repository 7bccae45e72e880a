"""Qt adapters for the kiosk's plain-thread device drivers (tideq.drivers.idcard, .scanner).

The drivers call back on their own threads; these objects live on the GUI thread and re-emit
each callback as a signal, which Qt queues to the receivers there. The ID number is hashed on
the reader thread, the moment the driver yields it, so only the hash ever reaches the GUI.
"""

from __future__ import annotations

import logging
from typing import Self

from PySide6.QtCore import QObject, Signal

from tideq.contract.identity import InvalidIdNumber, identity_hash
from tideq.drivers import idcard, scanner

from .errors import DeviceError, ScannerError

log = logging.getLogger(__name__)


class IdCardReader(QObject):
    """`card(hash_hex)` or `failed(reason)` for every card placed (reason: `CardFault` values)."""

    card = Signal(str)
    failed = Signal(str)

    def __init__(self, url: str, secret: bytes, baudrate: int = 115200) -> None:
        super().__init__()
        self._secret = secret
        self._driver = idcard.IdCardReader(url, self._on_card, self._on_fault, baudrate)

    def start(self) -> Self:
        try:
            self._driver.start()
        except idcard.IdCardError as err:
            raise DeviceError(str(err)) from err
        return self

    def stop(self) -> None:
        self._driver.stop()

    def _on_card(self, number: str) -> None:
        try:
            digest = identity_hash(self._secret, number)
        except InvalidIdNumber:
            self.failed.emit(idcard.CardFault.BAD_CARD.value)
            return
        self.card.emit(digest)

    def _on_fault(self, fault: idcard.CardFault) -> None:
        self.failed.emit(fault.value)


class SerialScanner(QObject):
    """`code(text)` for every line the scanner sends."""

    code = Signal(str)

    def __init__(self, url: str, baudrate: int = 9600) -> None:
        super().__init__()
        self._driver = scanner.SerialScanner(url, self.code.emit, baudrate)

    def start(self) -> Self:
        try:
            self._driver.start()
        except scanner.ScannerError as err:
            raise ScannerError(str(err)) from err
        return self

    def stop(self) -> None:
        self._driver.stop()


class CameraScanner(QObject):
    """`code(text)` for every QR code the camera sees; `ended` when the source runs out."""

    code = Signal(str)
    ended = Signal()

    def __init__(self, url: str, fps: float = 10.0, *, loop: bool = False) -> None:
        super().__init__()
        self._driver = scanner.CameraScanner(url, self.code.emit, fps=fps, loop=loop, on_end=self.ended.emit)

    @property
    def frames(self) -> int:
        return self._driver.frames

    def start(self) -> Self:
        try:
            self._driver.start()
        except scanner.ScannerError as err:
            raise ScannerError(str(err)) from err
        return self

    def stop(self) -> None:
        self._driver.stop()
