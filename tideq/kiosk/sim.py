"""Simulated serial devices on a pty, for tests, demos and the screenshot script: an ID card
reader speaking the kiosk frame and a QR/barcode scanner sending CR-terminated lines.

The simulator keeps its own slave fd open, so the kiosk closing and reopening the port never
makes the master side fail with EIO.
"""
from __future__ import annotations

import os
import tty

from tideq.drivers.rs485.framing import Frame, encode

from .identity import CMD_CARD, READER_ADDR


class PtyDevice:
    def __init__(self) -> None:
        self.master, self._slave = os.openpty()
        tty.setraw(self._slave)
        tty.setraw(self.master)
        self.url = os.ttyname(self._slave)
        self._seq = 0

    def write(self, data: bytes) -> None:
        os.write(self.master, data)

    def close(self) -> None:
        for fd in (self.master, self._slave):
            try:
                os.close(fd)
            except OSError:
                pass

    def __enter__(self) -> PtyDevice:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


class SimulatedIdReader(PtyDevice):
    """`present("11010519491231002X")` is a visitor putting their card on the reader."""

    def present(self, id_number: str) -> None:
        self._seq = (self._seq + 1) % 256
        self.write(encode(Frame(READER_ADDR, CMD_CARD, self._seq, id_number.encode("ascii"))))


class SimulatedScanner(PtyDevice):
    def scan(self, text: str) -> None:
        self.write(text.encode("utf-8") + b"\r")
