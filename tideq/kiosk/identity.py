"""The ID card reader (二代证读卡器 behind a small serial adapter) and identity hashing.

Wire format: the tideq serial frame (tideq/drivers/rs485/framing.py: 0xAA 0x55, addr, cmd, seq,
len, payload, CRC-16/MODBUS), sent by the reader unprompted when a card is placed:

    addr 0x01, cmd 0x31 CARD, payload = the 18-character resident ID number in ASCII

The number is checked (GB 11643 check digit), turned at once into
HMAC-SHA256(hall secret, number) as 64 hex digits, and dropped: only the hash leaves this
module, and only inside a cmd/ticket or cmd/checkin. The number is never logged or shown.
"""
from __future__ import annotations

import hashlib
import hmac
import logging
import os
import threading

import serial
from PySide6.QtCore import QObject, Signal

from tideq.drivers.rs485.framing import FrameDecoder

from .errors import DeviceError, IdentityError, SecretMissing

log = logging.getLogger(__name__)

READER_ADDR = 0x01
CMD_CARD = 0x31
_WEIGHTS = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
_CHECK = "10X98765432"


def check_id_number(number: str) -> str:
    """The normalised number (upper-case X) if its check digit is right; IdentityError if not."""
    n = number.strip().upper()
    if len(n) != 18 or not n[:17].isdigit() or n[17] not in "0123456789X":
        raise IdentityError("not an 18-character resident ID number")
    if _CHECK[sum(int(d) * w for d, w in zip(n[:17], _WEIGHTS)) % 11] != n[17]:
        raise IdentityError("ID number check digit does not match")
    return n


def hall_secret(env_name: str = "TIDEQ_HALL_SECRET") -> bytes:
    value = os.environ.get(env_name)
    if not value:
        raise SecretMissing(f"{env_name} is not set; set it to the controller's hall secret to read ID cards")
    return value.encode()


def identity_hash(secret: bytes, number: str) -> str:
    """What the controller sees of a person: a keyed hash, the same on every kiosk of the hall."""
    return hmac.new(secret, check_id_number(number).encode(), hashlib.sha256).hexdigest()


class IdCardReader(QObject):
    """Reads cards on its own thread; `card(hash_hex)` or `failed(reason)` arrive queued."""

    card = Signal(str)
    failed = Signal(str)

    def __init__(self, url: str, secret: bytes, baudrate: int = 115200) -> None:
        super().__init__()
        self.url, self._secret, self.baudrate = url, secret, baudrate
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        self._port: serial.SerialBase | None = None

    def start(self) -> IdCardReader:
        try:
            self._port = serial.serial_for_url(self.url, baudrate=self.baudrate, timeout=0.2)
        except (serial.SerialException, OSError, ValueError) as err:
            raise DeviceError(f"ID card reader {self.url}: {err}") from err
        self._thread = threading.Thread(target=self._run, name="kiosk-idcard", daemon=True)
        self._thread.start()
        return self

    def _run(self) -> None:
        dec = FrameDecoder()
        assert self._port is not None
        while not self._stop.is_set():
            try:
                data = self._port.read(64)
            except (serial.SerialException, OSError) as err:
                log.warning("ID card reader %s: %s", self.url, err)
                self.failed.emit("reader_error")
                self._stop.wait(1.0)
                continue
            for frame in dec.feed(data) if data else []:
                if frame.cmd != CMD_CARD:
                    continue
                try:
                    digest = identity_hash(self._secret, frame.payload.decode("ascii", "replace"))
                except IdentityError:
                    self.failed.emit("bad_card")
                    continue
                self.card.emit(digest)

    def stop(self) -> None:
        self._stop.set()
        if self._thread:
            self._thread.join(2)
        if self._port:
            self._port.close()
