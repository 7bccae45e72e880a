"""The far end of a pty pair: a simulated RS-485 line with devices on it.

The master opens `SimLine.url` (the pty's slave path) like any serial port; the simulator reads
the pty's master side, decodes frames with the same decoder, lets the addressed device answer,
and injects the faults of a real hall line: unplugged devices, bad checksums, garbage, cross-talk.
With `wire_baud` it also holds each answer for the time request and answer take on a real line.
"""
from __future__ import annotations

import os
import select
import threading
import time
import tty
from abc import ABC, abstractmethod

from .framing import Frame, FrameDecoder, encode


class SimDevice(ABC):
    """A device on the simulated line. Fault switches are read by the line thread."""

    def __init__(self, addr: int) -> None:
        self.addr = addr
        self.plugged = True
        self.corrupt_next = 0          # answers sent with a broken CRC
        self.garbage_next = b""        # bytes sent before the next answer
        self.impersonate_next: int | None = None  # next answer claims this address
        self.requests = 0
        self.cond = threading.Condition()

    def unplug(self) -> None:
        self.plugged = False

    def plug(self) -> None:
        self.plugged = True

    @abstractmethod
    def answer(self, frame: Frame) -> Frame | None:
        """The device's reply to a request addressed to it (None: stay silent)."""

    def wait(self, predicate: object, timeout: float = 5.0) -> bool:
        with self.cond:
            return self.cond.wait_for(predicate, timeout)  # type: ignore[arg-type]

    def _wire(self, frame: Frame) -> bytes | None:
        if not self.plugged:
            return None
        with self.cond:
            self.requests += 1
            reply = self.answer(frame)
            self.cond.notify_all()
        if reply is None:
            return None
        if self.impersonate_next is not None:
            reply = Frame(self.impersonate_next, reply.cmd, reply.seq, reply.payload)
            self.impersonate_next = None
        raw = encode(reply)
        if self.corrupt_next > 0:
            self.corrupt_next -= 1
            raw = raw[:-1] + bytes((raw[-1] ^ 0x5A,))
        if self.garbage_next:
            raw, self.garbage_next = self.garbage_next + raw, b""
        return raw


class SimLine:
    """Hosts devices on one pty pair; use as a context manager."""

    def __init__(self, *, wire_baud: int | None = None, turnaround_s: float = 0.002) -> None:
        self._mfd, self._sfd = os.openpty()
        tty.setraw(self._sfd)
        self.url = os.ttyname(self._sfd)
        self.wire_baud = wire_baud
        self.turnaround_s = turnaround_s
        self.devices: dict[int, SimDevice] = {}
        self.frames_seen = 0
        self._decoder = FrameDecoder()
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None

    def add(self, device: SimDevice) -> SimDevice:
        self.devices[device.addr] = device
        return device

    def write_raw(self, data: bytes) -> None:
        """Put bytes on the line now (noise, a half frame)."""
        os.write(self._mfd, data)

    def start(self) -> SimLine:
        self._thread = threading.Thread(target=self._run, name="sim-line", daemon=True)
        self._thread.start()
        return self

    def stop(self) -> None:
        self._stop.set()
        if self._thread:
            self._thread.join(5)
        for fd in (self._mfd, self._sfd):
            try:
                os.close(fd)
            except OSError:
                pass

    def __enter__(self) -> SimLine:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    def _run(self) -> None:
        while not self._stop.is_set():
            ready, _, _ = select.select([self._mfd], [], [], 0.05)  # timeout only to notice stop()
            if not ready:
                continue
            try:
                data = os.read(self._mfd, 4096)
            except OSError:
                return
            for frame in self._decoder.feed(data):
                self.frames_seen += 1
                device = self.devices.get(frame.addr)
                raw = device._wire(frame) if device else None
                if raw is None:
                    continue
                if self.wire_baud:  # model of the line: request and answer at 10 bits per byte
                    time.sleep((len(encode(frame)) + len(raw)) * 10 / self.wire_baud + self.turnaround_s)
                try:
                    os.write(self._mfd, raw)
                except OSError:
                    return
