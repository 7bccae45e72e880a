"""The byte transports behind printer URLs (link.py names them): raw TCP, serial, a device file, USB."""

from __future__ import annotations

import os
import select
import socket
import time

import serial

from .errors import LinkLost, PrinterUnreachable
from .link import CONNECT_TIMEOUT_S, PrinterUrl

WRITE_TIMEOUT_S = 15.0  # a 9600-baud printer takes seconds to swallow a raster ticket


def open_tcp(p: PrinterUrl) -> TcpLink:
    host, port = p.target.rsplit(":", 1)
    return TcpLink(host, int(port), p.connect_timeout_s)


def open_serial(p: PrinterUrl) -> SerialLink:
    return SerialLink(p.target, int(p.options.get("baudrate", 9600)))


def open_file(p: PrinterUrl) -> FileLink:
    return FileLink(p.target)


def open_usb(p: PrinterUrl) -> UsbLink:
    vid, pid = (int(x, 16) for x in p.target.split(":"))
    return UsbLink(vid, pid)


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
                view = view[os.write(self.fd, view) :]
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
