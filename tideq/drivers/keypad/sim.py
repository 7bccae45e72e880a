"""Simulated caller keypads on a pty line (tests, demos, benchmarks)."""

from __future__ import annotations

import random
from collections import deque

from tideq.drivers.rs485.framing import Frame
from tideq.drivers.rs485.sim import SimDevice, SimLine

from .protocol import DISPLAY, DISPLAY_ACK, POLL, Answer, Caps, DisplayStyle, Key, Poll, decode_display


class SimKeypad(SimDevice):
    """A keypad: press keys, read its LCD, make it ignore acknowledgements or reboot."""

    def __init__(self, addr: int, caps: Caps = Caps.DISPLAY | Caps.DIGITS, session: int | None = None) -> None:
        super().__init__(addr)
        self.caps = caps
        self.session = session or random.randint(1, 255)
        self.event_no = 0
        self.pending: deque[Answer] = deque()
        self.acked: list[int] = []
        self.shown: list[tuple[DisplayStyle, str]] = []
        self.ignore_acks = 0

    def press(self, key: Key, arg: str = "") -> int:
        """Queue a press; it is answered to the next POLL until acknowledged."""
        with self.cond:
            self.event_no = self.event_no % 255 + 1
            self.pending.append(Answer(self.session, self.caps, self.event_no, key, arg))
            return self.event_no

    def reboot(self) -> None:
        """Power cycle: a new session, the counter restarts, unacknowledged presses are lost."""
        with self.cond:
            self.session = self.session % 255 + 1
            self.event_no = 0
            self.pending.clear()

    @property
    def text(self) -> str:
        return self.shown[-1][1] if self.shown else ""

    def answer(self, frame: Frame) -> Frame | None:
        if frame.cmd == POLL:
            poll = Poll.decode(frame.payload)
            if self.pending and (poll.ack_session, poll.ack_event) == (self.session, self.pending[0].event_no):
                if self.ignore_acks > 0:
                    self.ignore_acks -= 1
                else:
                    self.acked.append(self.pending.popleft().event_no)
            answer = self.pending[0] if self.pending else Answer(self.session, self.caps)
            cmd, payload = answer.encode()
            return Frame(self.addr, cmd, frame.seq, payload)
        if frame.cmd == DISPLAY:
            self.shown.append(decode_display(frame.payload))
            return Frame(self.addr, DISPLAY_ACK, frame.seq)
        self.errors.append(f"keypad {self.addr}: unknown command 0x{frame.cmd:02x}")
        return None


class KeypadBusSim(SimLine):
    """Several keypads on one simulated line."""

    def add_keypad(self, addr: int, caps: Caps = Caps.DISPLAY | Caps.DIGITS, session: int | None = None) -> SimKeypad:
        kp = SimKeypad(addr, caps, session)
        self.add(kp)
        return kp

    def keypad(self, addr: int) -> SimKeypad:
        device = self.devices[addr]
        assert isinstance(device, SimKeypad)
        return device
