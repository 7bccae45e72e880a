"""A simulated LED strip line: several strips behind the far end of a pty pair.

It is a real software device: the driver opens the pty path with `serial_for_url` exactly as it
opens /dev/ttyUSB1. Every frame is checked (CRC by the shared decoder, payload length, known
command, parameter range) and answered like a strip would; faults are injected per strip:
`unplug` (stop answering), `replug`, `corrupt_next` (flip a CRC byte of the next answers).
"""
from __future__ import annotations

import logging
import os
import select
import threading
import time
import tty
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field

from tideq.drivers.rs485 import Frame, FrameDecoder, encode

from .protocol import (BROADCAST, Charset, Command, Mode, NakCode, ack_payload, decode_text, nak_payload)

log = logging.getLogger(__name__)


@dataclass
class SimStrip:
    addr: int
    plugged: bool = True
    text: str | None = None
    mode: Mode = Mode.STATIC
    charset: Charset = Charset.GB2312
    brightness: int = 100
    corrupt_answers: int = 0
    received: list[Frame] = field(default_factory=list)
    shown: list[tuple[str | None, Mode]] = field(default_factory=list)
    pings: int = 0


class SimulatedStripBus:
    """`with SimulatedStripBus([1, 2, 3]) as sim: LedStripBus(sim.port, ...)`."""

    def __init__(self, addresses: Iterable[int]) -> None:
        self.strips = {a: SimStrip(a) for a in addresses}
        self.raw_frames: list[bytes] = []
        self.frame_times: list[float] = []  # perf_counter at decode, for latency figures
        self.errors: list[str] = []
        self.decoder = FrameDecoder()
        self._master, self._slave = os.openpty()
        tty.setraw(self._slave)  # no echo, no line discipline: bytes pass as they are
        self.port = os.ttyname(self._slave)
        self._cond = threading.Condition()
        self._stop_r, self._stop_w = os.pipe()
        self._thread = threading.Thread(target=self._run, name="sim-ledstrip", daemon=True)

    # lifecycle ---------------------------------------------------------------------------
    def start(self) -> SimulatedStripBus:
        self._thread.start()
        return self

    def stop(self) -> None:
        os.write(self._stop_w, b"x")
        self._thread.join(2)
        for fd in (self._master, self._slave, self._stop_r, self._stop_w):
            os.close(fd)

    def __enter__(self) -> SimulatedStripBus:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    # faults ------------------------------------------------------------------------------
    def unplug(self, addr: int) -> None:
        with self._cond:
            self.strips[addr].plugged = False

    def replug(self, addr: int) -> None:
        """Plug back in: like a real strip after a power cycle, it shows nothing until told."""
        with self._cond:
            s = self.strips[addr]
            s.plugged, s.text, s.mode = True, None, Mode.STATIC

    def corrupt_next(self, addr: int, count: int = 1) -> None:
        with self._cond:
            self.strips[addr].corrupt_answers += count

    # observation -------------------------------------------------------------------------
    def wait_for(self, predicate: Callable[[], bool], timeout: float = 2.0) -> bool:
        """Wait until `predicate()` holds (checked after every frame the line carries)."""
        with self._cond:
            return self._cond.wait_for(predicate, timeout)

    def shows(self, addr: int) -> tuple[str | None, Mode]:
        with self._cond:
            s = self.strips[addr]
            return s.text, s.mode

    def wait_text(self, addr: int, text: str | None, mode: Mode | None = None, timeout: float = 2.0) -> bool:
        return self.wait_for(lambda: self.strips[addr].text == text
                             and (mode is None or self.strips[addr].mode == mode), timeout)

    # line --------------------------------------------------------------------------------
    def _run(self) -> None:
        while True:
            ready, _, _ = select.select([self._master, self._stop_r], [], [])
            if self._stop_r in ready:
                return
            try:
                data = os.read(self._master, 4096)
            except OSError:  # EIO while no one holds the slave open: wait for the driver
                ready, _, _ = select.select([self._stop_r], [], [], 0.05)
                if ready:
                    return
                continue
            with self._cond:
                for frame in self.decoder.feed(data):
                    self.raw_frames.append(encode(frame))
                    self.frame_times.append(time.perf_counter())
                    answer = self._handle(frame)
                    if answer:
                        os.write(self._master, answer)
                self._cond.notify_all()

    def _handle(self, f: Frame) -> bytes | None:
        targets = list(self.strips.values()) if f.addr == BROADCAST else (
            [self.strips[f.addr]] if f.addr in self.strips else [])
        targets = [s for s in targets if s.plugged]
        if not targets:
            return None
        code: NakCode | None = None
        for s in targets:
            s.received.append(f)
            code = self._apply(s, f)
        if f.addr == BROADCAST:
            return None
        s = targets[0]
        if code is None:
            raw = encode(Frame(s.addr, Command.ACK, f.seq, ack_payload(f.cmd)))
        else:
            self.errors.append(f"strip {s.addr}: {code.name} for cmd {f.cmd:#04x}")
            raw = encode(Frame(s.addr, Command.NAK, f.seq, nak_payload(f.cmd, code)))
        if s.corrupt_answers:
            s.corrupt_answers -= 1
            raw = raw[:-1] + bytes((raw[-1] ^ 0xFF,))
        return raw

    @staticmethod
    def _apply(s: SimStrip, f: Frame) -> NakCode | None:
        p = f.payload
        if f.cmd == Command.PING:
            if p:
                return NakCode.BAD_LENGTH
            s.pings += 1
        elif f.cmd == Command.CLEAR:
            if p:
                return NakCode.BAD_LENGTH
            s.text, s.mode = None, Mode.STATIC
            s.shown.append((None, Mode.STATIC))
        elif f.cmd == Command.SET_BRIGHTNESS:
            if len(p) != 1:
                return NakCode.BAD_LENGTH
            if p[0] > 100:
                return NakCode.BAD_PARAMETER
            s.brightness = p[0]
        elif f.cmd == Command.SHOW_TEXT:
            if len(p) < 2:
                return NakCode.BAD_LENGTH
            try:
                mode, charset = Mode(p[0]), Charset(p[1])
            except ValueError:
                return NakCode.BAD_PARAMETER
            s.text, s.mode, s.charset = decode_text(p[2:], charset), mode, charset
            s.shown.append((s.text, mode))
        else:
            return NakCode.UNKNOWN_COMMAND
        return None
