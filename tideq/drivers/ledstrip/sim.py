"""A simulated LED strip line: several strips behind the far end of a pty pair.

It is a real software device: the driver opens the pty path with `serial_for_url` exactly as it
opens /dev/ttyUSB1. Every frame is checked (CRC by the shared decoder, payload length, known
command, parameter range) and answered like a strip would; faults are injected per strip (see
`tideq.drivers.rs485.sim.SimDevice`): `unplug` (stop answering), `replug` (back, blank),
`corrupt_next` (flip a CRC byte of the next answers), dropped, late or garbled answers.
"""

from __future__ import annotations

from collections.abc import Iterable

from tideq.drivers.rs485.framing import Frame
from tideq.drivers.rs485.sim import SimDevice, SimLine

from .protocol import Charset, Command, Mode, NakCode, ack_payload, decode_text, nak_payload


class SimStrip(SimDevice):
    """One strip: what it shows, its brightness and what it was told."""

    def __init__(self, addr: int) -> None:
        super().__init__(addr)
        self.text: str | None = None
        self.mode = Mode.STATIC
        self.charset = Charset.GB2312
        self.brightness = 100
        self.shown: list[tuple[str | None, Mode]] = []
        self.pings = 0

    def answer(self, frame: Frame) -> Frame | None:
        code = self._apply(frame)
        if code is None:
            return Frame(self.addr, Command.ACK, frame.seq, ack_payload(frame.cmd))
        self.errors.append(f"strip {self.addr}: {code.name} for cmd {frame.cmd:#04x}")
        return Frame(self.addr, Command.NAK, frame.seq, nak_payload(frame.cmd, code))

    def hear_broadcast(self, frame: Frame) -> None:
        self._apply(frame)

    def _apply(self, f: Frame) -> NakCode | None:
        p = f.payload
        if f.cmd == Command.PING:
            if p:
                return NakCode.BAD_LENGTH
            self.pings += 1
        elif f.cmd == Command.CLEAR:
            if p:
                return NakCode.BAD_LENGTH
            self.text, self.mode = None, Mode.STATIC
            self.shown.append((None, Mode.STATIC))
        elif f.cmd == Command.SET_BRIGHTNESS:
            if len(p) != 1:
                return NakCode.BAD_LENGTH
            if p[0] > 100:
                return NakCode.BAD_PARAMETER
            self.brightness = p[0]
        elif f.cmd == Command.SHOW_TEXT:
            if len(p) < 2:
                return NakCode.BAD_LENGTH
            try:
                mode, charset = Mode(p[0]), Charset(p[1])
            except ValueError:
                return NakCode.BAD_PARAMETER
            self.text, self.mode, self.charset = decode_text(p[2:], charset), mode, charset
            self.shown.append((self.text, mode))
        else:
            return NakCode.UNKNOWN_COMMAND
        return None


class SimulatedStripBus(SimLine):
    """`with SimulatedStripBus([1, 2, 3]) as sim: LedStripBus(sim.port, ...)`."""

    def __init__(self, addresses: Iterable[int], *, wire_baud: int | None = None) -> None:
        super().__init__(wire_baud=wire_baud)
        self.strips: dict[int, SimStrip] = {}
        for a in addresses:
            self.strips[a] = SimStrip(a)
            self.add(self.strips[a])

    # faults ------------------------------------------------------------------------------
    def unplug(self, addr: int) -> None:
        self.strips[addr].unplug()

    def replug(self, addr: int) -> None:
        """Plug back in: like a real strip after a power cycle, it shows nothing until told."""
        with self.cond:
            s = self.strips[addr]
            s.plugged, s.text, s.mode = True, None, Mode.STATIC

    def corrupt_next(self, addr: int, count: int = 1) -> None:
        with self.cond:
            self.strips[addr].corrupt_next += count

    # observation -------------------------------------------------------------------------
    def shows(self, addr: int) -> tuple[str | None, Mode]:
        with self.cond:
            s = self.strips[addr]
            return s.text, s.mode

    def wait_text(self, addr: int, text: str | None, mode: Mode | None = None, timeout: float = 2.0) -> bool:
        s = self.strips[addr]

        def showing() -> bool:
            return s.text == text and (mode is None or s.mode == mode)

        return self.wait_for(showing, timeout)
