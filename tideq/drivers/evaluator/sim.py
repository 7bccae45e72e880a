"""Simulated evaluators on a pty line. A visitor's touch is a wire code (`WireRating`, 1 best)."""

from __future__ import annotations

from tideq.drivers.rs485.framing import Frame
from tideq.drivers.rs485.sim import SimDevice, SimLine

from .protocol import ASK, ASK_ACK, CANCEL, CANCEL_ACK, IDLE, POLL, RATING, Ask, WireRating


class SimEvaluator(SimDevice):
    """Shows the prompt on ASK; `rate()` is the visitor's touch. `auto_rate` rates every ask."""

    def __init__(self, addr: int, auto_rate: WireRating | None = None) -> None:
        super().__init__(addr)
        self.auto_rate = auto_rate
        self.asks: list[Ask] = []
        self.cancels: list[int] = []
        self.current: Ask | None = None
        self.rating: tuple[int, WireRating] | None = None  # unacknowledged
        self.acked: list[int] = []

    def rate(self, rating: WireRating) -> bool:
        """Touch a rating button; False if no ask is on screen."""
        with self.cond:
            if self.current is None:
                return False
            self.rating = (self.current.ask_id, rating)
            self.current = None
            return True

    def answer(self, frame: Frame) -> Frame | None:
        if frame.cmd == ASK:
            ask = Ask.decode(frame.payload)
            self.asks.append(ask)
            self.current = ask
            if self.auto_rate is not None:
                self.rating, self.current = (ask.ask_id, self.auto_rate), None
            return Frame(self.addr, ASK_ACK, frame.seq, bytes((ask.ask_id,)))
        if frame.cmd == CANCEL:
            self.cancels.append(frame.payload[0])
            if self.current and self.current.ask_id == frame.payload[0]:
                self.current = None
            return Frame(self.addr, CANCEL_ACK, frame.seq, frame.payload[:1])
        if frame.cmd == POLL:
            if self.rating and frame.payload[:1] == bytes((self.rating[0],)):
                self.acked.append(self.rating[0])
                self.rating = None
            if self.rating:
                return Frame(self.addr, RATING, frame.seq, bytes((self.rating[0], int(self.rating[1]))))
            return Frame(self.addr, IDLE, frame.seq, bytes((self.current.ask_id if self.current else 0,)))
        self.errors.append(f"evaluator {self.addr}: unknown command 0x{frame.cmd:02x}")
        return None


class EvaluatorBusSim(SimLine):
    """Several evaluators on one simulated line."""

    def add_evaluator(self, addr: int, auto_rate: WireRating | None = None) -> SimEvaluator:
        ev = SimEvaluator(addr, auto_rate)
        self.add(ev)
        return ev

    def evaluator(self, addr: int) -> SimEvaluator:
        device = self.devices[addr]
        assert isinstance(device, SimEvaluator)
        return device
