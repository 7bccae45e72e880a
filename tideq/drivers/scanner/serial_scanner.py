"""A serial QR/barcode scanner: lines ending in CR or LF (as USB/RS-232 scanners send in serial
mode), one code each, yielded to `on_code` on the reader thread."""

from __future__ import annotations

from collections.abc import Callable

from tideq.drivers.serial_reader import SerialReader

from .errors import ScannerUnavailable

MAX_LINE = 4096  # no terminator ever: a misconfigured scanner, not a code

CodeListener = Callable[[str], None]


class SerialScanner(SerialReader):
    device = "scanner"
    open_error = ScannerUnavailable

    def __init__(self, url: str, on_code: CodeListener, baudrate: int = 9600) -> None:
        super().__init__(url, baudrate)
        self.on_code = on_code
        self._buf = bytearray()

    def received(self, data: bytes) -> None:
        buf = self._buf
        buf += data
        while True:
            cut = min((i for i in (buf.find(b"\r"), buf.find(b"\n")) if i >= 0), default=-1)
            if cut < 0:
                break
            line = bytes(buf[:cut]).decode("utf-8", "replace").strip()
            del buf[: cut + 1]
            if line:
                self.on_code(line)
        if len(buf) > MAX_LINE:
            buf.clear()
