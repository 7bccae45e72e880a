"""The far end of a pty pair: a simulated RS-485 line with devices on it (tests, demos, benchmarks).

The driver opens `SimLine.url` (the pty's slave path) like any serial port. The simulator reads
the master side on its own thread, decodes frames with the same decoder, lets the addressed
device answer (a broadcast reaches every device, none answers), and injects the faults of a
real hall line, per device: unplugged, answers dropped, broken checksums, garbage before an
answer, slow answers, cross-talk (an answer claiming another address). With `wire_baud` every
answer is held for the time request and answer take on a real line.

Families subclass `SimDevice` (how a device answers) and, for convenience, `SimLine`.
"""

from __future__ import annotations

import logging
import os
import select
import threading
import time
from abc import ABC, abstractmethod
from collections.abc import Callable
from typing import Self

from ..ptypair import PtyPair
from .framing import BROADCAST, Frame, FrameDecoder, encode

log = logging.getLogger(__name__)


class SimDevice(ABC):
    """A device on the simulated line. Its state and fault switches are guarded by `cond`
    (the line's condition once added), which the line notifies after every frame."""

    def __init__(self, addr: int) -> None:
        self.addr = addr
        self.plugged = True
        self.drop_next = 0  # requests applied whose answers are lost on the way back
        self.corrupt_next = 0  # answers sent with a broken CRC
        self.garbage_next = b""  # bytes sent before the next answer
        self.delay_s = 0.0  # every answer held this long (longer than the timeout: late answers)
        self.impersonate_next: int | None = None  # the next answer claims this address
        self.requests = 0
        self.received: list[Frame] = []
        self.cond = threading.Condition()
        self.errors: list[str] = []  # protocol violations seen (shared with the line once added)

    def unplug(self) -> None:
        with self.cond:
            self.plugged = False

    def plug(self) -> None:
        with self.cond:
            self.plugged = True

    def wait(self, predicate: Callable[[], bool], timeout: float = 5.0) -> bool:
        with self.cond:
            return self.cond.wait_for(predicate, timeout)

    @abstractmethod
    def answer(self, frame: Frame) -> Frame | None:
        """The device's reply to a request addressed to it (None: stay silent). Called under `cond`."""

    def hear_broadcast(self, frame: Frame) -> None:  # noqa: B027  (optional hook: most devices ignore broadcasts)
        """A frame to every device (address 0): apply it, never answer. Called under `cond`."""

    def _wire(self, frame: Frame) -> tuple[bytes, float] | None:
        """The bytes that go back for `frame`, faults applied, and how long to hold them."""
        self.requests += 1
        self.received.append(frame)
        reply = self.answer(frame)
        if reply is None:
            return None
        if self.drop_next > 0:
            self.drop_next -= 1
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
        return raw, self.delay_s


class SimLine:
    """Hosts devices on one pty pair; use as a context manager (or start/stop)."""

    def __init__(self, *, wire_baud: int | None = None, turnaround_s: float = 0.002) -> None:
        self.pty = PtyPair()
        self.url = self.pty.url
        self.wire_baud = wire_baud
        self.turnaround_s = turnaround_s
        self.devices: dict[int, SimDevice] = {}
        self.raw_frames: list[bytes] = []  # every frame heard, re-encoded
        self.frame_times: list[float] = []  # perf_counter() when each was decoded, for latency figures
        self.errors: list[str] = []
        self.decoder = FrameDecoder()
        self.cond = threading.Condition()
        self._stop = threading.Event()
        self._wake_r, self._wake_w = os.pipe()
        self._thread: threading.Thread | None = None

    @property
    def port(self) -> str:
        """The path a driver opens (alias of `url`)."""
        return self.url

    @property
    def frames_seen(self) -> int:
        return len(self.raw_frames)

    def add(self, device: SimDevice) -> SimDevice:
        device.cond = self.cond
        device.errors = self.errors
        self.devices[device.addr] = device
        return device

    def write_raw(self, data: bytes) -> None:
        """Put bytes on the line now (noise, a half frame)."""
        self.pty.write(data)

    def wait_for(self, predicate: Callable[[], bool], timeout: float = 2.0) -> bool:
        """Wait until `predicate()` holds (checked after every frame the line carries)."""
        with self.cond:
            return self.cond.wait_for(predicate, timeout)

    # lifecycle ---------------------------------------------------------------------------
    def start(self) -> Self:
        self._thread = threading.Thread(target=self._run, name=f"sim-{type(self).__name__}", daemon=True)
        self._thread.start()
        return self

    def stop(self) -> None:
        if self._stop.is_set():
            return
        self._stop.set()
        os.write(self._wake_w, b"x")
        if self._thread:
            self._thread.join(5)
        self.pty.close()
        for fd in (self._wake_r, self._wake_w):
            os.close(fd)

    def pull(self) -> None:
        """The USB adapter is pulled: the line goes away under the driver (its reads and writes fail)."""
        self.stop()

    def __enter__(self) -> Self:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    # line --------------------------------------------------------------------------------
    def _run(self) -> None:
        while not self._stop.is_set():
            ready, _, _ = select.select([self.pty.master, self._wake_r], [], [])
            if self._wake_r in ready:
                return
            try:
                data = self.pty.read()
            except OSError:  # EIO while no one holds the slave open: wait for the driver
                if self._stop.wait(0.05):
                    return
                continue
            for frame in self.decoder.feed(data):
                with self.cond:
                    out = self._dispatch(frame)
                    self.cond.notify_all()
                if out is not None and not self._send(frame, *out):
                    return

    def _dispatch(self, frame: Frame) -> tuple[bytes, float] | None:
        self.raw_frames.append(encode(frame))
        self.frame_times.append(time.perf_counter())
        if frame.addr == BROADCAST:
            for device in self.devices.values():
                if device.plugged:
                    device.requests += 1
                    device.received.append(frame)
                    device.hear_broadcast(frame)
            return None
        addressed = self.devices.get(frame.addr)
        if addressed is None or not addressed.plugged:
            return None
        return addressed._wire(frame)

    def _send(self, request: Frame, raw: bytes, delay_s: float) -> bool:
        hold = delay_s
        if self.wire_baud:  # the line: request and answer at 10 bits per byte, then the turnaround
            hold += (len(encode(request)) + len(raw)) * 10 / self.wire_baud + self.turnaround_s
        if hold and self._stop.wait(hold):  # a slow device or a slow line, not a synchronisation
            return False
        try:
            self.pty.write(raw)
        except OSError:
            return False
        return True
