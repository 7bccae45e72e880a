"""Evaluator bus master: asks for a rating after a finished ticket and waits for it, or not.

`ask()` returns a Future at once, because a visitor may take 30 s to rate while the window's
staff already call the next number; a timeout or an unreachable evaluator resolves it as not
rated, never as an error.
"""
from __future__ import annotations

import logging
import time
from collections.abc import Iterable
from concurrent.futures import Future
from dataclasses import dataclass
from enum import Enum
from typing import Any

from .errors import EvaluatorPayloadError
from .protocol import (ASK, ASK_ACK, CANCEL, CANCEL_ACK, IDLE, NOT_RATED, POLL, RATING, Ask, Rating,
                       decode_rating)
from ..rs485.polled import PolledMaster

log = logging.getLogger(__name__)


class RatingStatus(str, Enum):
    RATED = "rated"
    TIMEOUT = "timeout"
    UNREACHABLE = "unreachable"
    SUPERSEDED = "superseded"  # a newer ask went to the same evaluator first


@dataclass(frozen=True)
class RatingResult:
    addr: int
    ticket: str
    window: str
    status: RatingStatus
    rating: Rating | None = None

    @property
    def value(self) -> int | str:
        """The contract's `rating`: 1..5, or "not_rated"."""
        return int(self.rating) if self.rating is not None else NOT_RATED


@dataclass
class _Pending:
    ask: Ask
    deadline: float
    future: Future[RatingResult]


class EvaluatorMaster(PolledMaster):
    kind = "evaluator-bus"
    devices_key = "evaluators"

    def __init__(self, url: str, addresses: Iterable[int], *, bus_id: str, rating_timeout_s: float = 30.0,
                 **kw: Any) -> None:
        super().__init__(url, addresses, bus_id=bus_id, **kw)
        self.rating_timeout_s = rating_timeout_s
        self._pending: dict[int, _Pending] = {}
        self._acked = {a: 0 for a in self.addresses}
        self._next_id = {a: 0 for a in self.addresses}

    def ask(self, addr: int, ticket: str, window: str, prompt: str = "",
            timeout_s: float | None = None) -> Future[RatingResult]:
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
            ask = Ask(self._next_id[addr], int(round(timeout)) or 1, ticket, window, prompt)
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
            ask_id, rating = decode_rating(frame.payload)
        except EvaluatorPayloadError as err:
            self.stats.payload_errors += 1
            log.warning("%s: evaluator %d: %s", self.bus_id, addr, err)
            return
        pending = self._pending.get(addr)
        if pending and pending.ask.ask_id == ask_id:
            del self._pending[addr]
            self._acked[addr] = ask_id
            self._resolve(addr, pending, RatingStatus.RATED, rating)
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
