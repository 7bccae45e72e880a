"""A raw pty pair whose far end a simulated device holds: the driver under test opens `url`
(the slave path) with `serial_for_url` exactly as it opens /dev/ttyUSB0.

The pair keeps its own slave fd open, so a driver closing and reopening the port never makes the
master side fail with EIO.
"""

from __future__ import annotations

import os
import tty


class PtyPair:
    def __init__(self) -> None:
        self.master, self._slave = os.openpty()
        tty.setraw(self._slave)  # no echo, no line discipline: bytes pass as they are
        tty.setraw(self.master)
        self.url = os.ttyname(self._slave)
        self._closed = False

    def write(self, data: bytes) -> None:
        """Bytes from the device to the driver."""
        view = memoryview(data)
        while view:
            view = view[os.write(self.master, view) :]

    def read(self, n: int = 4096) -> bytes:
        """Bytes the driver wrote (blocks; select on `master` first)."""
        return os.read(self.master, n)

    def close(self) -> None:
        if self._closed:
            return
        self._closed = True
        for fd in (self.master, self._slave):
            try:
                os.close(fd)
            except OSError:
                pass

    def __enter__(self) -> PtyPair:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()
