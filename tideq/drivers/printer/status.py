"""Real-time status (`DLE EOT n`) and its meaning.

We query n=1 (printer), 2 (offline cause), 4 (roll paper sensor) and, when 2 flags an error,
n=3 (error cause). Each reply is one byte whose fixed bits are 0b0xx1xx10 (mask 0x93 == 0x12);
a byte that does not fit is noise (e.g. an automatic status back), not an answer. python-escpos
reads an empty reply as "paper adequate"; here a missing reply is always UNKNOWN.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from enum import Enum

from .errors import CoverOpen, PaperOut, PrinterError, PrinterHardwareError, PrinterOffline, PrinterUnreachable
from .link import Link

DLE_EOT = b"\x10\x04"
FIXED_MASK, FIXED_BITS = 0x93, 0x12
STATUS_DEADLINE_S = 0.8  # whole query; keeps a print attempt with a silent printer under 1 s


class PrinterState(str, Enum):
    """Overall state, worst first in `status()`; the value is the health `state` on the bus."""

    OK = "ok"
    PAPER_NEAR_END = "paper_near_end"
    PAPER_OUT = "paper_out"
    COVER_OPEN = "cover_open"
    ERROR = "error"
    OFFLINE = "offline"
    UNKNOWN = "unknown"  # no, empty or garbled reply, or a link that cannot read


class Paper(str, Enum):
    ADEQUATE = "adequate"
    NEAR_END = "near_end"
    OUT = "out"
    UNKNOWN = "unknown"


@dataclass(frozen=True)
class PrinterStatus:
    state: PrinterState
    reachable: bool
    online: bool | None = None
    cover_open: bool | None = None
    paper: Paper = Paper.UNKNOWN
    error: bool | None = None
    raw: dict[int, int] = field(default_factory=dict)
    reason: str = ""
    readable: bool = True  # False: a one-way link (plain file, write-only device) prints blind

    @property
    def can_print(self) -> bool:
        return self.state in (PrinterState.OK, PrinterState.PAPER_NEAR_END)

    def as_error(self) -> PrinterError | None:
        """The typed error this status stands for, or None when printing may go ahead."""
        match self.state:
            case PrinterState.OK | PrinterState.PAPER_NEAR_END:
                return None
            case PrinterState.PAPER_OUT:
                return PaperOut("printer reports paper out")
            case PrinterState.COVER_OPEN:
                return CoverOpen("printer reports its cover open")
            case PrinterState.ERROR:
                return PrinterHardwareError(f"printer reports an error (DLE EOT 3 = {self.raw.get(3)})")
            case PrinterState.OFFLINE:
                return PrinterOffline("printer reports offline")
        return PrinterUnreachable(self.reason or "no status reply")

    def to_dict(self) -> dict[str, object]:
        return {
            "state": self.state.value,
            "reachable": self.reachable,
            "online": self.online,
            "cover_open": self.cover_open,
            "paper": self.paper.value,
            "error": self.error,
            "raw": {str(k): f"0x{v:02x}" for k, v in self.raw.items()},
            "reason": self.reason,
            "readable": self.readable,
        }


def unknown(reason: str, *, reachable: bool, readable: bool = True) -> PrinterStatus:
    return PrinterStatus(PrinterState.UNKNOWN, reachable=reachable, reason=reason, readable=readable)


def valid(byte: int) -> bool:
    return byte & FIXED_MASK == FIXED_BITS


def decode(raw: dict[int, int]) -> PrinterStatus:
    """Map the replies of DLE EOT 1, 2, 4 (and 3) to one status. Missing replies stay unknown."""
    if 1 not in raw or 2 not in raw or 4 not in raw:
        return PrinterStatus(
            PrinterState.UNKNOWN,
            reachable=True,
            raw=dict(raw),
            reason=f"missing reply to DLE EOT {sorted({1, 2, 4} - raw.keys())}",
        )
    s1, s2, s4 = raw[1], raw[2], raw[4]
    online = not s1 & 0x08
    cover = bool(s2 & 0x04)
    paper_stop = bool(s2 & 0x20)
    error = bool(s2 & 0x40) or (3 in raw and bool(raw[3] & 0x68))
    if s4 & 0x60 or paper_stop:
        paper = Paper.OUT
    elif s4 & 0x0C:
        paper = Paper.NEAR_END
    else:
        paper = Paper.ADEQUATE
    if cover:
        state = PrinterState.COVER_OPEN
    elif paper is Paper.OUT:
        state = PrinterState.PAPER_OUT
    elif error:
        state = PrinterState.ERROR
    elif not online:
        state = PrinterState.OFFLINE
    elif paper is Paper.NEAR_END:
        state = PrinterState.PAPER_NEAR_END
    else:
        state = PrinterState.OK
    return PrinterStatus(
        state, reachable=True, online=online, cover_open=cover, paper=paper, error=error, raw=dict(raw)
    )


def query(link: Link, deadline_s: float = STATUS_DEADLINE_S) -> PrinterStatus:
    """Ask DLE EOT 1, 2, 4 (3 on error) within one deadline. Raises PrinterUnreachable on
    silence or a broken link; returns UNKNOWN for a link that cannot read at all."""
    if not link.can_read:
        return unknown(f"{link.kind} link cannot read replies; status unknown", reachable=True, readable=False)
    end = time.monotonic() + deadline_s
    link.discard_input()  # a late reply to an earlier query must not answer this one
    raw: dict[int, int] = {}
    for n in (1, 2, 4):
        raw[n] = _ask(link, n, end)
    if raw[2] & 0x40:
        raw[3] = _ask(link, 3, end)
    return decode(raw)


def _ask(link: Link, n: int, end: float) -> int:
    link.write(DLE_EOT + bytes((n,)))
    while True:
        left = end - time.monotonic()
        if left <= 0:
            raise PrinterUnreachable(f"no reply to DLE EOT {n} within the status deadline")
        got = link.read(1, left)
        if got and valid(got[0]):
            return got[0]
