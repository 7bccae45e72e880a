"""Evaluator bus master: asks for a rating after a finished ticket and waits for it, or not.

`ask()` returns a Future at once, because a visitor may take 30 s to rate while the window's
staff already call the next number; a timeout or an unreachable evaluator resolves it as not
rated, never as an error. A rating is handed on in the contract's scale (5 best), mapped from the
wire's (1 best) here.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Iterable
from concurrent.futures import Future
from dataclasses import dataclass
from enum import Enum
from typing import Any

from tideq.contract.vocab import NOT_RATED, Rating
from tideq.drivers.rs485.polled import PolledMaster

from .errors import EvaluatorPayloadError
from .protocol import ASK, ASK_ACK, CANCEL, CANCEL_ACK, IDLE, POLL, RATING, Ask, decode_rating

log = logging.getLogger(__name__)


class RatingStatus(str, Enum):
    """How an ask ended (the contract's `rating_status`)."""

    RATED = "rated"
    TIMEOUT = "timeout"
    UNREACHABLE = "unreachable"
    SUPERSEDED = "superseded"  # a newer ask went to the same evaluator first


@dataclass(frozen=True)
class RatingResult:
    """One ask's outcome; `rating` is on the contract's scale (5 非常满意 .. 1 非常不满意)."""

    addr: int
    ticket: str
    window: str
    status: RatingStatus
    rating: Rating | None = None

    @property
    def value(self) -> int | str:
        """The contract's `rating`: 1..5 (5 best), or "not_rated"."""
        return int(self.rating) if self.rating is not None else NOT_RATED


@dataclass
class _Pending:
    ask: Ask
    deadline: float
    future: Future[RatingResult]


class EvaluatorMaster(PolledMaster):
    """Polls evaluators at `addresses`; `ask()` puts a rating prompt on one of them."""

    family = "evaluator"

    def __init__(
        self, url: str, addresses: Iterable[int], *, bus_id: str, rating_timeout_s: float = 30.0, **kw: Any
    ) -> None:
        super().__init__(url, addresses, bus_id=bus_id, **kw)
        self.rating_timeout_s = rating_timeout_s
        self._pending: dict[int, _Pending] = {}
        self._acked = dict.fromkeys(self.addresses, 0)
        self._next_id = dict.fromkeys(self.addresses, 0)

    def ask(
        self, addr: int, ticket: str, window: str, prompt: str = "", timeout_s: float | None = None
    ) -> Future[RatingResult]:
        fut: Future[RatingResult] = Future()
        timeout = self.rating_timeout_s if timeout_s is None else timeout_s

        def job() -> None:
            if addr not in self._acked:
                fut.set_result(RatingResult(addr, ticket, window, RatingStatus.UNREACHABLE))
                return
            old = self._pending.pop(addr, None)
            if old:
                self._resolve(addr, old, RatingStatus.SUPERSEDED)
            self._next_id[addr] = self._next_id[addr] % 255 + 1
            ask = Ask(self._next_id[addr], round(timeout) or 1, ticket, window, prompt)
            if self.transact(addr, ASK, ask.encode(), {ASK_ACK}) is None:
                fut.set_result(RatingResult(addr, ticket, window, RatingStatus.UNREACHABLE))
                return
            self._pending[addr] = _Pending(ask, time.monotonic() + timeout, fut)

        self.submit(job)
        return fut

    def _poll(self, addr: int) -> None:
        self._expire()
        frame = self.transact(addr, POLL, bytes((self._acked[addr],)), {IDLE, RATING})
        if frame is None or frame.cmd == IDLE:
            return
        try:
            ask_id, wire = decode_rating(frame.payload)
        except EvaluatorPayloadError as err:
            self.stats.payload_errors += 1
            log.warning("%s: evaluator %d: %s", self.bus_id, addr, err)
            return
        pending = self._pending.get(addr)
        if pending and pending.ask.ask_id == ask_id:
            del self._pending[addr]
            self._acked[addr] = ask_id
            self._resolve(addr, pending, RatingStatus.RATED, wire.to_contract())
            self.transact(addr, POLL, bytes((ask_id,)), {IDLE, RATING})  # acknowledge at once
        else:
            if ask_id == self._acked[addr]:
                self.stats.duplicates += 1
            else:
                self.stats.stray_frames += 1  # a rating for an ask we gave up on
            self._acked[addr] = ask_id

    def _expire(self) -> None:
        now = time.monotonic()
        for addr, pending in list(self._pending.items()):
            if now >= pending.deadline:
                del self._pending[addr]
                self._resolve(addr, pending, RatingStatus.TIMEOUT)
                self.transact(addr, CANCEL, bytes((pending.ask.ask_id,)), {CANCEL_ACK}, attempts=1)

    def _resolve(self, addr: int, pending: _Pending, status: RatingStatus, rating: Rating | None = None) -> None:
        a = pending.ask
        pending.future.set_result(RatingResult(addr, a.ticket, a.window, status, rating))
