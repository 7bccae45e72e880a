"""The serial ID card reader: yields each card's ID number to `on_card` on its own thread.

The number is personal data: the caller hashes it at once (`tideq.contract.identity`) and drops
it; this driver keeps nothing and never logs it.
"""

from __future__ import annotations

import logging
from collections.abc import Callable

from tideq.drivers.rs485.framing import FrameDecoder
from tideq.drivers.serial_reader import SerialReader

from .errors import CardFault, ReaderUnavailable
from .protocol import card_number

log = logging.getLogger(__name__)

CardListener = Callable[[str], None]
FaultListener = Callable[[CardFault], None]


class IdCardReader(SerialReader):
    """`IdCardReader(url, on_card, on_fault).start()`; both callbacks run on the reader thread."""

    device = "ID card reader"
    chunk = 64
    open_error = ReaderUnavailable

    def __init__(
        self, url: str, on_card: CardListener, on_fault: FaultListener | None = None, baudrate: int = 115200
    ) -> None:
        super().__init__(url, baudrate)
        self.on_card = on_card
        self.on_fault = on_fault
        self._decoder = FrameDecoder()

    def received(self, data: bytes) -> None:
        for frame in self._decoder.feed(data):
            try:
                number = card_number(frame)
            except ValueError:
                log.warning("%s %s: a CARD frame without a readable ID number", self.device, self.url)
                self._fault(CardFault.BAD_CARD)
                continue
            if number is not None:
                self.on_card(number)

    def read_failed(self, err: Exception) -> None:
        self._fault(CardFault.READER_ERROR)

    def _fault(self, fault: CardFault) -> None:
        if self.on_fault:
            self.on_fault(fault)
