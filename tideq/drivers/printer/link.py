"""Printer links: the `Link` protocol every transport implements, and the URL registry that
turns a config URL into a link.

    usb://VID:PID            python-escpos Usb backend (needs pyusb)
    serial:///dev/ttyUSB0?baudrate=19200   pyserial `serial_for_url` (pty and loop:// work)
    tcp://host:9100          raw TCP (JetDirect / "port 9100")
    file:///dev/usb/lp0      a device file; reads status if the file can be read
    virtual://NAME           an in-process virtual printer (see virtual.py)

Common query options: `qr=native|raster` (default native), `profile=NAME` (python-escpos
capability profile; a profile without `qrCode` selects raster), `timeout=SECONDS` (connect).
A link only moves bytes: `write`, `read(n, timeout)`, `discard_input`, `close`. Every OS error
becomes a PrinterUnreachable/LinkLost so callers handle one exception tree.

The registry names each scheme's opener by module path and imports it on first use, so this
module imports no transport (transports.py, virtual.py import it for `Link`, never the other
way), and pyusb or the virtual printer's renderer load only when a URL asks for them.
"""

from __future__ import annotations

import importlib
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Protocol, cast
from urllib.parse import parse_qs, unquote, urlsplit

from .errors import PrinterUrlError

CONNECT_TIMEOUT_S = 0.8


class Link(Protocol):
    kind: str
    can_read: bool

    def write(self, data: bytes) -> None: ...
    def read(self, n: int, timeout: float) -> bytes: ...
    def discard_input(self) -> None: ...
    def close(self) -> None: ...


@dataclass(frozen=True)
class PrinterUrl:
    scheme: str
    target: str  # host:port, device path, VID:PID or virtual name
    options: dict[str, str] = field(default_factory=dict)

    @property
    def qr_native(self) -> bool:
        mode = self.options.get("qr")
        if mode:
            return mode == "native"
        profile = self.options.get("profile")
        if profile:
            from escpos.capabilities import get_profile

            return bool(get_profile(profile).supports("qrCode"))
        return True

    @property
    def connect_timeout_s(self) -> float:
        return float(self.options.get("timeout", CONNECT_TIMEOUT_S))


Opener = Callable[[PrinterUrl], Link]

# scheme -> "module:function" of the opener that turns a parsed URL into a link
OPENERS: dict[str, str] = {
    "usb": "tideq.drivers.printer.transports:open_usb",
    "serial": "tideq.drivers.printer.transports:open_serial",
    "tcp": "tideq.drivers.printer.transports:open_tcp",
    "file": "tideq.drivers.printer.transports:open_file",
    "virtual": "tideq.drivers.printer.virtual:open_virtual",
}
SCHEMES = tuple(OPENERS)


def parse_url(url: str) -> PrinterUrl:
    """Check a config URL as written; PrinterUrlError says how to write it instead."""
    u = urlsplit(url)
    if u.scheme not in SCHEMES:
        raise PrinterUrlError(f"printer URL {url!r}: scheme must be one of {', '.join(s + '://' for s in SCHEMES)}")
    opts = {k: v[-1] for k, v in parse_qs(u.query).items()}
    if opts.get("qr") not in (None, "native", "raster"):
        raise PrinterUrlError(f"printer URL {url!r}: qr= must be native or raster")
    if u.scheme == "tcp":
        try:
            port = u.port or 9100
        except ValueError as err:
            raise PrinterUrlError(f"printer URL {url!r}: bad port; write tcp://host:9100") from err
        if not u.hostname:
            raise PrinterUrlError(f"printer URL {url!r}: no host; write tcp://192.168.1.50:9100")
        return PrinterUrl("tcp", f"{u.hostname}:{port}", opts)
    if u.scheme == "usb":
        try:
            vid, pid = (int(x, 16) for x in u.netloc.split(":"))
        except ValueError as err:
            raise PrinterUrlError(f"printer URL {url!r}: write usb://VID:PID in hex, e.g. usb://0483:5743") from err
        return PrinterUrl("usb", f"{vid:04x}:{pid:04x}", opts)
    if u.scheme in ("serial", "file"):
        path = unquote(u.netloc + u.path)
        if not path:
            raise PrinterUrlError(f"printer URL {url!r}: no path; write {u.scheme}:///dev/ttyUSB0")
        if u.scheme == "serial" and "baudrate" in opts and not opts["baudrate"].isdigit():
            raise PrinterUrlError(f"printer URL {url!r}: baudrate must be a number such as 9600 or 19200")
        return PrinterUrl(u.scheme, path, opts)
    if not u.netloc:
        raise PrinterUrlError(f"printer URL {url!r}: name the virtual printer, e.g. virtual://kiosk-1")
    return PrinterUrl("virtual", u.netloc, opts)


def open_link(url: str | PrinterUrl) -> Link:
    """A link to the printer at `url` (PrinterUrlError for a bad URL, PrinterUnreachable if it cannot connect)."""
    p = parse_url(url) if isinstance(url, str) else url
    module, name = OPENERS[p.scheme].split(":")
    opener = cast(Opener, getattr(importlib.import_module(module), name))
    return opener(p)
