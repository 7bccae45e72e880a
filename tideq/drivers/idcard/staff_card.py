"""The staff card reader at a window (M1/IC 工作证): yields each card's UID to `on_card` on its
own thread. The caller hashes the UID with the hall secret at once (tideq.contract.staff.card_hash)
and only the hash travels; this driver keeps nothing and never logs the UID."""

from __future__ import annotations

import logging
from collections.abc import Callable

from tideq.drivers.rs485.framing import FrameDecoder
from tideq.drivers.serial_reader import SerialReader

from .errors import ReaderUnavailable
from .protocol import staff_card_uid

log = logging.getLogger(__name__)


class StaffCardReader(SerialReader):
    """`StaffCardReader(url, on_card).start()`; `on_card` runs on the reader thread."""

    device = "staff card reader"
    chunk = 64
    open_error = ReaderUnavailable

    def __init__(self, url: str, on_card: Callable[[str], None], baudrate: int = 115200) -> None:
        super().__init__(url, baudrate)
        self.on_card = on_card
        self._decoder = FrameDecoder()

    def received(self, data: bytes) -> None:
        for frame in self._decoder.feed(data):
            try:
                uid = staff_card_uid(frame)
            except ValueError:
                log.warning("%s %s: a STAFF_CARD frame that is not ASCII; ignored", self.device, self.url)
                continue
            if uid:
                self.on_card(uid)
