"""Evaluator wire protocol on the shared tideq frame (see docs/keypad-protocol.md).

Master -> evaluator: POLL (acknowledges the last rating taken), ASK (ticket, window, prompt),
CANCEL (the master gave up waiting). Evaluator -> master: IDLE, RATING, ASK_ACK, CANCEL_ACK.
An evaluator repeats its RATING until a POLL acknowledges that ask id, so a lost frame never
loses a rating and a repeated one is recognised by its ask id.

The rating byte counts 1 best (`WireRating`), as the device vendor built it; the contract counts
5 best (`tideq.contract.vocab.Rating`). The wire stays as it is and `WireRating.to_contract()`
maps, so nothing past this driver ever sees the wire's order.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import IntEnum

from tideq.contract.vocab import Rating
from tideq.drivers.rs485.framing import MAX_PAYLOAD

from .errors import EvaluatorPayloadError

# command codes (evaluator family: 0x4x master -> device, 0xCx device -> master)
POLL = 0x40
ASK = 0x41
CANCEL = 0x42
IDLE = 0xC0
RATING = 0xC1
ASK_ACK = 0xC2
CANCEL_ACK = 0xC3


class WireRating(IntEnum):
    """The rating byte of RATING: the five levels of the 好差评 scale, **1 best** (the wire's order)."""

    VERY_SATISFIED = 1
    SATISFIED = 2
    BASICALLY_SATISFIED = 3
    DISSATISFIED = 4
    VERY_DISSATISFIED = 5

    @property
    def zh(self) -> str:
        return ("非常满意", "满意", "基本满意", "不满意", "非常不满意")[self - 1]

    @property
    def en(self) -> str:
        return ("very satisfied", "satisfied", "basically satisfied", "dissatisfied", "very dissatisfied")[self - 1]

    def to_contract(self) -> Rating:
        """The same level on the contract's scale (5 best): wire 1 -> 5, 2 -> 4, 3 -> 3, 4 -> 2, 5 -> 1."""
        return Rating(6 - int(self))

    @classmethod
    def from_contract(cls, rating: Rating) -> WireRating:
        """The wire code a device sends for a contract level (for simulators and tests)."""
        return cls(6 - int(rating))


@dataclass(frozen=True)
class Ask:
    ask_id: int
    timeout_s: int
    ticket: str
    window: str
    prompt: str = ""

    def encode(self) -> bytes:
        if not 1 <= self.ask_id <= 255:
            raise EvaluatorPayloadError("ask id is 1..255")
        head = bytes((self.ask_id, max(1, min(255, self.timeout_s))))
        head += self.ticket.encode("ascii") + b"\0" + self.window.encode("ascii") + b"\0"
        room = MAX_PAYLOAD - len(head)
        prompt = self.prompt.encode("gb2312", errors="replace")[:room]
        return head + prompt.decode("gb2312", errors="ignore").encode("gb2312")

    @classmethod
    def decode(cls, payload: bytes) -> Ask:
        try:
            ticket, window, prompt = payload[2:].split(b"\0", 2)
            return cls(payload[0], payload[1], ticket.decode("ascii"), window.decode("ascii"), prompt.decode("gb2312"))
        except (ValueError, IndexError, UnicodeDecodeError) as err:
            raise EvaluatorPayloadError("ASK is ask_id, timeout, ticket\\0, window\\0, GB2312 prompt") from err


def decode_rating(payload: bytes) -> tuple[int, WireRating]:
    """RATING's (ask_id, wire rating)."""
    if len(payload) != 2:
        raise EvaluatorPayloadError(f"RATING payload is 2 bytes (ask_id, rating), got {len(payload)}")
    try:
        return payload[0], WireRating(payload[1])
    except ValueError as err:
        raise EvaluatorPayloadError(f"rating {payload[1]} is not 1..5") from err
