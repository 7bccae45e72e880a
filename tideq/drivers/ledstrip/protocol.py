"""The LED strip command set on top of the shared tideq serial frame (docs/ledstrip-protocol.md).

Pure: builds and parses payloads, encodes text. The driver and the simulated strip both use it,
so the wire format is defined once.
"""

from __future__ import annotations

import logging
import unicodedata
from dataclasses import dataclass
from enum import Enum, IntEnum

from tideq.drivers.rs485.framing import MAX_PAYLOAD

from .errors import ProtocolError

log = logging.getLogger(__name__)


class Command(IntEnum):
    """Command byte of a frame (host -> strip below 0x80, strip -> host from 0x80)."""

    PING = 0x01
    SHOW_TEXT = 0x10
    CLEAR = 0x11
    SET_BRIGHTNESS = 0x12
    ACK = 0x80
    NAK = 0x81


class Mode(IntEnum):
    """How a strip shows its text."""

    STATIC = 0x00
    SCROLL = 0x01
    FLASH = 0x02


class Charset(IntEnum):
    """Text encoding flag in SHOW_TEXT; GB2312 is what every strip font has."""

    GB2312 = 0x00
    GB18030 = 0x01


class NakCode(IntEnum):
    BAD_LENGTH = 0x01
    UNKNOWN_COMMAND = 0x02
    BAD_PARAMETER = 0x03
    TEXT_TOO_LONG = 0x04
    BUSY = 0x05


NAK_TEXT = {
    NakCode.BAD_LENGTH: "payload length wrong for the command",
    NakCode.UNKNOWN_COMMAND: "unknown command",
    NakCode.BAD_PARAMETER: "parameter out of range",
    NakCode.TEXT_TOO_LONG: "text longer than the strip holds",
    NakCode.BUSY: "strip busy, try again",
}

MAX_TEXT_BYTES = MAX_PAYLOAD - 2  # SHOW_TEXT spends two bytes on mode and charset
REPLACEMENT = "？"  # full-width question mark: in GB2312, visible on a strip
# Punctuation common in hall texts whose GB2312 code point Python maps elsewhere (GB2312 A1A4 is
# U+30FB, A1AA is U+2015): map them instead of replacing them.
LOOKALIKES = {"\u00b7": "\u30fb", "\u2022": "\u30fb", "\u2014": "\u2015"}


class EncodeStatus(Enum):
    EXACT = "exact"
    REPLACED = "replaced"
    TRUNCATED = "truncated"


@dataclass(frozen=True)
class EncodedText:
    data: bytes
    charset: Charset
    status: EncodeStatus
    replaced: str = ""


def encode_text(text: str, charset: Charset = Charset.GB2312, limit: int = MAX_TEXT_BYTES) -> EncodedText:
    """Encode for a strip; never raises.

    Characters outside the charset are first NFKC-normalised (full-width digits, ligatures), then
    replaced by '？' with a warning naming them, so a rare name character shows as a mark instead
    of crashing the driver. Text longer than `limit` bytes is cut at a character boundary.
    """
    codec = "gb2312" if charset is Charset.GB2312 else "gb18030"
    out = bytearray()
    bad: list[str] = []
    status = EncodeStatus.EXACT
    for ch in text:
        try:
            b = ch.encode(codec)
        except UnicodeEncodeError:
            norm = LOOKALIKES.get(ch) or unicodedata.normalize("NFKC", ch)
            try:
                b = norm.encode(codec)
            except UnicodeEncodeError:
                bad.append(ch)
                b = REPLACEMENT.encode(codec)
        if len(out) + len(b) > limit:
            status = EncodeStatus.TRUNCATED
            log.warning("LED text %r cut to %d bytes; shorten it in the hall config", text, limit)
            break
        out += b
    if bad:
        log.warning(
            "LED text %r: %s not in %s, shown as %s; use charset GB18030 if the strips have the font",
            text,
            "".join(bad),
            charset.name,
            REPLACEMENT,
        )
        status = EncodeStatus.REPLACED if status is EncodeStatus.EXACT else status
    return EncodedText(bytes(out), charset, status, "".join(bad))


def decode_text(data: bytes, charset: Charset) -> str:
    return data.decode("gb2312" if charset is Charset.GB2312 else "gb18030", errors="replace")


# payloads ------------------------------------------------------------------------------------
def show_text_payload(text: str, mode: Mode = Mode.STATIC, charset: Charset = Charset.GB2312) -> bytes:
    enc = encode_text(text, charset)
    return bytes((mode, enc.charset)) + enc.data


def brightness_payload(level: int) -> bytes:
    if not 0 <= level <= 100:
        raise ProtocolError(f"brightness {level} out of range; give a percentage 0..100")
    return bytes((level,))


@dataclass(frozen=True)
class Answer:
    """A parsed ACK or NAK."""

    ok: bool
    command: int
    code: int = 0


def parse_answer(cmd: int, payload: bytes) -> Answer:
    """ACK payload: [echoed cmd]; NAK payload: [echoed cmd, NakCode]."""
    if cmd == Command.ACK and len(payload) == 1:
        return Answer(True, payload[0])
    if cmd == Command.NAK and len(payload) == 2:
        return Answer(False, payload[0], payload[1])
    raise ProtocolError(f"not an answer: cmd {cmd:#04x} with {len(payload)} payload bytes")


def ack_payload(cmd: int) -> bytes:
    return bytes((cmd,))


def nak_payload(cmd: int, code: NakCode) -> bytes:
    return bytes((cmd, code))


def nak_message(code: int) -> str:
    try:
        return NAK_TEXT[NakCode(code)]
    except ValueError:
        return "unknown NAK code"
