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

from PySide6.QtCore import Signal

from tideq.drivers.rs485.framing import FrameDecoder

from .errors import IdentityError, SecretMissing
from .serial_reader import SerialReader

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


class IdCardReader(SerialReader):
    """Reads cards on its own thread; `card(hash_hex)` or `failed(reason)` arrive queued. The
    number is hashed the moment its frame is decoded and never kept."""

    card = Signal(str)
    failed = Signal(str)
    device = "ID card reader"
    chunk = 64

    def __init__(self, url: str, secret: bytes, baudrate: int = 115200) -> None:
        super().__init__(url, baudrate)
        self._secret = secret
        self._decoder = FrameDecoder()

    def read_failed(self) -> None:
        self.failed.emit("reader_error")

    def received(self, data: bytes) -> None:
        for frame in self._decoder.feed(data):
            if frame.cmd != CMD_CARD:
                continue
            try:
                digest = identity_hash(self._secret, frame.payload.decode("ascii", "replace"))
            except IdentityError:
                self.failed.emit("bad_card")
                continue
            self.card.emit(digest)
