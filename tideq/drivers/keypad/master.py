"""Keypad bus master: polls keypads, delivers each key press once, sends LCD texts."""

from __future__ import annotations

import logging
import time
from collections.abc import Callable, Iterable
from concurrent.futures import Future
from dataclasses import dataclass
from typing import Any

from tideq.drivers.rs485.polled import PolledMaster

from .errors import KeypadPayloadError
from .protocol import (
    DEFAULT_DISPLAY_BYTES,
    DISPLAY,
    DISPLAY_ACK,
    IDLE,
    KEY,
    POLL,
    Answer,
    Caps,
    DisplayStyle,
    Key,
    Poll,
    encode_display,
)

log = logging.getLogger(__name__)

MAX_KEYS_PER_SLOT = 4  # a keypad with a backlog of presses cannot starve the others


@dataclass(frozen=True)
class KeyEvent:
    """One key press, delivered once. (bus_id, addr, session, event_no) identifies it."""

    bus_id: str
    addr: int
    session: int
    event_no: int
    key: Key
    arg: str
    received: float  # time.monotonic() when the frame was taken

    @property
    def ident(self) -> tuple[str, int, int, int]:
        return self.bus_id, self.addr, self.session, self.event_no


class KeypadMaster(PolledMaster):
    """Polls keypads at `addresses` on the line at `url` (any pyserial URL or a pty path).

    `on_key` is called on the worker thread: hand the event to another thread, don't block.
    """

    family = "keypad"

    def __init__(
        self, url: str, addresses: Iterable[int], *, bus_id: str, display_bytes: int = DEFAULT_DISPLAY_BYTES, **kw: Any
    ) -> None:
        super().__init__(url, addresses, bus_id=bus_id, **kw)
        self.display_bytes = display_bytes
        self.on_key: Callable[[KeyEvent], None] | None = None
        self._taken: dict[int, tuple[int, int]] = dict.fromkeys(self.addresses, (0, 0))
        self._caps: dict[int, Caps | None] = dict.fromkeys(self.addresses)

    def caps(self, addr: int) -> Caps | None:
        """Learnt from the keypad's answers; None until it has answered."""
        return self._caps.get(addr)

    def show(self, addr: int, text: str, style: DisplayStyle = DisplayStyle.INFO) -> Future[bool]:
        """Queue a text for a keypad's LCD; the future says whether the keypad acknowledged it
        (False for a keypad without a display, a quiet one, or an unknown address)."""
        fut: Future[bool] = Future()

        def job() -> None:
            caps = self._caps.get(addr)
            if addr not in self._taken or (caps is not None and not caps & Caps.DISPLAY):
                fut.set_result(False)
                return
            answer = self.transact(addr, DISPLAY, encode_display(text, style, self.display_bytes), {DISPLAY_ACK})
            fut.set_result(answer is not None)

        self.submit(job)
        return fut

    def _poll(self, addr: int) -> None:
        for _ in range(MAX_KEYS_PER_SLOT):
            session, event_no = self._taken[addr]
            frame = self.transact(addr, POLL, Poll(session, event_no).encode(), {IDLE, KEY})
            if frame is None:
                return
            try:
                answer = Answer.decode(frame.cmd, frame.payload)
            except KeypadPayloadError as err:
                self.stats.payload_errors += 1
                log.warning("%s: keypad %d: %s", self.bus_id, addr, err)
                return
            self._caps[addr] = answer.caps
            if answer.key is None:
                return
            if (answer.session, answer.event_no) == self._taken[addr]:
                self.stats.duplicates += 1  # our acknowledgement was lost; already delivered
                continue
            self._taken[addr] = (answer.session, answer.event_no)
            event = KeyEvent(
                self.bus_id, addr, answer.session, answer.event_no, answer.key, answer.arg, time.monotonic()
            )
            if self.on_key:
                try:
                    self.on_key(event)
                except Exception:
                    log.exception("%s: key listener failed", self.bus_id)
            # poll again at once: acknowledges this press and fetches a queued one
