"""Byte links to a printer, opened from a config URL.

    usb://VID:PID            python-escpos Usb backend (needs pyusb)
    serial:///dev/ttyUSB0?baudrate=19200   pyserial `serial_for_url` (pty and loop:// work)
    tcp://host:9100          raw TCP (JetDirect / "port 9100")
    file:///dev/usb/lp0      a device file; reads status if the file can be read
    virtual://NAME           an in-process virtual printer (see virtual.py)

Common query options: `qr=native|raster` (default native), `profile=NAME` (python-escpos
capability profile; a profile without `qrCode` selects raster), `timeout=SECONDS` (connect).
A link only moves bytes: `write`, `read(n, timeout)`, `discard_input`, `close`. Every OS error
becomes a PrinterUnreachable/LinkLost so callers handle one exception tree.
"""
from __future__ import annotations

import os
import select
import socket
import time
from dataclasses import dataclass, field
from typing import Protocol
from urllib.parse import parse_qs, unquote, urlsplit

import serial

from .errors import LinkLost, PrinterUnreachable, PrinterUrlError

CONNECT_TIMEOUT_S = 0.8
WRITE_TIMEOUT_S = 15.0  # a 9600-baud printer takes seconds to swallow a raster ticket


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


SCHEMES = ("usb", "serial", "tcp", "file", "virtual")


def parse_url(url: str) -> PrinterUrl:
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
    p = parse_url(url) if isinstance(url, str) else url
    timeout = float(p.options.get("timeout", CONNECT_TIMEOUT_S))
    if p.scheme == "tcp":
        host, port = p.target.rsplit(":", 1)
        return TcpLink(host, int(port), timeout)
    if p.scheme == "serial":
        return SerialLink(p.target, int(p.options.get("baudrate", 9600)))
    if p.scheme == "file":
        return FileLink(p.target)
    if p.scheme == "usb":
        vid, pid = (int(x, 16) for x in p.target.split(":"))
        return UsbLink(vid, pid)
    from .virtual import virtual_printer
    return virtual_printer(p.target, **_virtual_opts(p.options)).link()


def _virtual_opts(opts: dict[str, str]) -> dict[str, object]:
    out: dict[str, object] = {}
    if "out" in opts:
        out["out_dir"] = opts["out"]
    if "width" in opts:
        out["width_mm"] = int(opts["width"])
    return out


class TcpLink:
    kind = "tcp"
    can_read = True

    def __init__(self, host: str, port: int, connect_timeout: float = CONNECT_TIMEOUT_S) -> None:
        try:
            self.sock = socket.create_connection((host, port), timeout=connect_timeout)
        except OSError as err:
            raise PrinterUnreachable(f"cannot connect to printer {host}:{port}: {err}") from err
        self.sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)

    def write(self, data: bytes) -> None:
        self.sock.settimeout(WRITE_TIMEOUT_S)
        try:
            self.sock.sendall(data)
        except OSError as err:
            raise LinkLost(f"printer connection broke while sending: {err}") from err

    def read(self, n: int, timeout: float) -> bytes:
        self.sock.settimeout(max(timeout, 0.001))
        try:
            data = self.sock.recv(n)
        except TimeoutError:
            return b""
        except OSError as err:
            raise LinkLost(f"printer connection broke: {err}") from err
        if not data:
            raise LinkLost("printer closed the connection")
        return data

    def discard_input(self) -> None:
        self.sock.setblocking(False)
        try:
            while self.sock.recv(4096):
                pass
        except BlockingIOError:
            pass
        except OSError as err:
            raise LinkLost(f"printer connection broke: {err}") from err
        finally:
            self.sock.setblocking(True)

    def close(self) -> None:
        self.sock.close()


class SerialLink:
    """RS-232 / USB-serial. `serial_for_url` (not python-escpos's Serial) so ptys and loop:// work."""

    kind = "serial"
    can_read = True

    def __init__(self, port: str, baudrate: int = 9600) -> None:
        try:
            self.port = serial.serial_for_url(port, baudrate=baudrate, timeout=0, write_timeout=WRITE_TIMEOUT_S)
        except (serial.SerialException, OSError, ValueError) as err:
            raise PrinterUnreachable(f"cannot open serial printer {port}: {err}") from err

    def write(self, data: bytes) -> None:
        try:
            self.port.write(data)
            self.port.flush()
        except (serial.SerialException, OSError) as err:
            raise LinkLost(f"serial printer link broke while sending: {err}") from err

    def read(self, n: int, timeout: float) -> bytes:
        try:
            self.port.timeout = max(timeout, 0.001)
            return bytes(self.port.read(n))
        except (serial.SerialException, OSError) as err:
            raise LinkLost(f"serial printer link broke: {err}") from err

    def discard_input(self) -> None:
        try:
            self.port.reset_input_buffer()
        except (serial.SerialException, OSError) as err:
            raise LinkLost(f"serial printer link broke: {err}") from err

    def close(self) -> None:
        self.port.close()


class FileLink:
    """A device file (/dev/usb/lp0, a tty). Opened read-write when possible so status works;
    a plain file or a write-only device prints blind and reports status UNKNOWN."""

    kind = "file"

    def __init__(self, path: str) -> None:
        self.path = path
        try:
            self.fd = os.open(path, os.O_RDWR | os.O_NOCTTY | os.O_APPEND)
            self.can_read = not os.path.isfile(path)
        except IsADirectoryError as err:
            raise PrinterUnreachable(f"printer file {path} is a directory") from err
        except PermissionError:
            self.fd, self.can_read = self._write_only(path), False
        except FileNotFoundError as err:
            raise PrinterUnreachable(f"printer device {path} does not exist (unplugged?)") from err
        except OSError as err:
            raise PrinterUnreachable(f"cannot open printer file {path}: {err}") from err
        if self.can_read and os.isatty(self.fd):
            import tty
            tty.setraw(self.fd)  # no line discipline: 0x0A must not become CR LF

    @staticmethod
    def _write_only(path: str) -> int:
        try:
            return os.open(path, os.O_WRONLY | os.O_NOCTTY | os.O_APPEND)
        except OSError as err:
            raise PrinterUnreachable(f"cannot open printer file {path}: {err}") from err

    def write(self, data: bytes) -> None:
        view = memoryview(data)
        try:
            while view:
                view = view[os.write(self.fd, view):]
        except OSError as err:
            raise LinkLost(f"printer file {self.path} failed while writing: {err}") from err

    def read(self, n: int, timeout: float) -> bytes:
        try:
            ready, _, _ = select.select([self.fd], [], [], max(timeout, 0))
            return os.read(self.fd, n) if ready else b""
        except OSError as err:
            raise LinkLost(f"printer file {self.path} failed while reading: {err}") from err

    def discard_input(self) -> None:
        while self.read(4096, 0):
            pass

    def close(self) -> None:
        os.close(self.fd)


class UsbLink:
    """python-escpos's Usb backend (pyusb). Not exercised by tests: there is no USB bus here."""

    kind = "usb"
    can_read = True

    def __init__(self, vid: int, pid: int) -> None:
        from escpos.exceptions import DeviceNotFoundError
        from escpos.printer import Usb
        if not Usb.is_usable():
            raise PrinterUnreachable("USB printing needs pyusb (pip install 'python-escpos[usb]')")
        try:
            self.dev = Usb(vid, pid, timeout=int(WRITE_TIMEOUT_S * 1000))
            self.dev.open()
        except (DeviceNotFoundError, OSError) as err:
            raise PrinterUnreachable(f"USB printer {vid:04x}:{pid:04x} not found: {err}") from err

    def write(self, data: bytes) -> None:
        try:
            self.dev._raw(data)
        except Exception as err:  # pyusb raises USBError, a subclass of OSError only on some versions
            raise LinkLost(f"USB printer failed while sending: {err}") from err

    def read(self, n: int, timeout: float) -> bytes:
        end = time.monotonic() + timeout
        try:
            data = bytes(self.dev.device.read(self.dev.in_ep, max(n, 16), max(1, int(timeout * 1000))))
        except Exception as err:
            if time.monotonic() >= end or "timeout" in str(err).lower():
                return b""
            raise LinkLost(f"USB printer failed while reading: {err}") from err
        return data[:n]

    def discard_input(self) -> None:
        while self.read(64, 0.01):
            pass

    def close(self) -> None:
        self.dev.close()
