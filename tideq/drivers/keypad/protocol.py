"""Keypad wire protocol on the shared tideq frame (see docs/keypad-protocol.md).

Master -> keypad: POLL (acknowledges the last key event taken), DISPLAY (GB2312 text for the LCD).
Keypad -> master: IDLE or KEY in answer to POLL, DISPLAY_ACK in answer to DISPLAY.

A key event carries (session, event_no): the keypad repeats the same pair until a POLL
acknowledges it, so a lost answer or a lost acknowledgement never loses a press, and the master
can tell a retransmission from a new press. `session` is drawn at power-up so a rebooted keypad
whose counter restarted is not mistaken for a retransmission.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import IntEnum, IntFlag

from .errors import KeypadPayloadError

# command codes (keypad family: 0x3x master -> device, 0xBx device -> master; distinct from the
# LED strips' 0x0x/0x1x so a device on the wrong line ignores what it hears)
POLL = 0x30
DISPLAY = 0x31
IDLE = 0xB0
KEY = 0xB1
DISPLAY_ACK = 0xB2

MAX_ARG = 16
DEFAULT_DISPLAY_BYTES = 32


class Key(IntEnum):
    """Key codes; the name in lower case is the contract's window action."""

    NEXT = 0x01
    CALL = 0x02
    RECALL = 0x03
    SKIP = 0x04
    FINISH = 0x05
    TRANSFER = 0x06
    PAUSE = 0x07
    RESUME = 0x08
    SIGN = 0x09  # 签到/签退: argument `{工号}*{PIN}` signs in, empty signs out (docs/keypad-protocol.md)

    @property
    def action(self) -> str:
        """The contract's window action (SIGN: `sign_in`, or `sign_out` with no argument)."""
        return "sign_in" if self is Key.SIGN else self.name.lower()


class Caps(IntFlag):
    """What a keypad has; sent in every answer so a swapped unit is learnt on the next poll."""

    NONE = 0
    DISPLAY = 0x01
    DIGITS = 0x02


class DisplayStyle(IntEnum):
    """How the keypad presents a text: it may beep or light a red LED on REFUSED."""

    INFO = 0
    OK = 1
    REFUSED = 2


@dataclass(frozen=True)
class Poll:
    ack_session: int = 0
    ack_event: int = 0

    def encode(self) -> bytes:
        return bytes((self.ack_session, self.ack_event))

    @classmethod
    def decode(cls, payload: bytes) -> Poll:
        if len(payload) != 2:
            raise KeypadPayloadError(f"POLL payload is 2 bytes, got {len(payload)}")
        return cls(payload[0], payload[1])


@dataclass(frozen=True)
class Answer:
    """IDLE (key is None) or KEY from one keypad."""

    session: int
    caps: Caps
    event_no: int = 0
    key: Key | None = None
    arg: str = ""

    def encode(self) -> tuple[int, bytes]:
        head = bytes((self.session, int(self.caps)))
        if self.key is None:
            return IDLE, head
        arg = self.arg.encode("ascii")
        if len(arg) > MAX_ARG:
            raise KeypadPayloadError(f"key argument longer than {MAX_ARG} characters")
        return KEY, head + bytes((self.event_no, int(self.key))) + arg

    @classmethod
    def decode(cls, cmd: int, payload: bytes) -> Answer:
        if cmd not in (IDLE, KEY):
            raise KeypadPayloadError(f"0x{cmd:02x} is not a keypad answer to POLL")
        if len(payload) < 2:
            raise KeypadPayloadError("keypad answer shorter than its 2-byte header (session, caps)")
        session, caps = payload[0], Caps(payload[1] & 0x03)
        if cmd == IDLE:
            return cls(session, caps)
        if len(payload) < 4 or payload[2] == 0:
            raise KeypadPayloadError("KEY needs event_no (1..255) and a key code")
        try:
            key = Key(payload[3])
        except ValueError as err:
            raise KeypadPayloadError(f"unknown key code 0x{payload[3]:02x}") from err
        try:
            arg = payload[4:].decode("ascii")
        except UnicodeDecodeError as err:
            raise KeypadPayloadError("key argument is not ASCII") from err
        if len(arg) > MAX_ARG:
            raise KeypadPayloadError(f"key argument longer than {MAX_ARG} characters")
        return cls(session, caps, payload[2], key, arg)


def fit_gb2312(text: str, limit: int = DEFAULT_DISPLAY_BYTES) -> bytes:
    """Encode for the LCD: unknown characters become '?', cut on a character boundary."""
    out = bytearray()
    for ch in text:
        try:
            b = ch.encode("gb2312")
        except UnicodeEncodeError:
            b = b"?"
        if len(out) + len(b) > limit:
            break
        out += b
    return bytes(out)


def encode_display(text: str, style: DisplayStyle = DisplayStyle.INFO, limit: int = DEFAULT_DISPLAY_BYTES) -> bytes:
    return bytes((int(style),)) + fit_gb2312(text, limit)


def decode_display(payload: bytes) -> tuple[DisplayStyle, str]:
    if not payload:
        raise KeypadPayloadError("DISPLAY needs a style byte")
    try:
        return DisplayStyle(payload[0]), payload[1:].decode("gb2312")
    except (ValueError, UnicodeDecodeError) as err:
        raise KeypadPayloadError("DISPLAY payload is not style + GB2312 text") from err
