"""A simulated ID card reader on a pty, for tests, demos and the screenshot script."""

from __future__ import annotations

from tideq.drivers.ptypair import PtyPair

from .protocol import card_frame, staff_card_frame


class SimulatedIdReader(PtyPair):
    """`present("11010519491231002X")` is a visitor putting their card on the reader."""

    def __init__(self) -> None:
        super().__init__()
        self._seq = 0

    def present(self, id_number: str) -> None:
        self._seq = (self._seq + 1) % 256
        self.write(card_frame(id_number, self._seq))

    def present_staff_card(self, uid: str) -> None:
        """A clerk holding their staff card (工作证) to the window's reader."""
        self._seq = (self._seq + 1) % 256
        self.write(staff_card_frame(uid, self._seq))
