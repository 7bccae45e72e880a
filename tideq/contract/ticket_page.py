"""The token of a ticket's phone page (`{public_url}/t/{token}`, the printed QR code).

An HMAC-SHA256 under the hall secret of (hall, hall day, ticket number), cut to 96 bits, after
the day and the number it stands for, URL-safe base64 without padding (26 characters for a
four-character number). It carries no personal data, only what is printed on the ticket anyway;
it cannot be guessed or enumerated (a forged or altered token fails the MAC, and the reader
answers it exactly as it answers an expired one); it expires with its hall day. The MAC is
domain-separated from the identity HMAC and the ticket's `verify` string, which use the same
secret, so none of the three can stand in for another.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import re
from datetime import date
from typing import NamedTuple

MAC_BYTES = 12  # 96 bits
_DAY_BYTES = 3  # date.toordinal() fits in 3 bytes until the year 45 000
_NUMBER = re.compile(r"^[A-Z0-9]{1,16}$")
_DOMAIN = b"tideq-ticket-page\x00"


class PageRef(NamedTuple):
    """What a valid token stands for."""

    day: date
    number: str


def _mac(secret: bytes, hall: str, day: date, number: str) -> bytes:
    msg = _DOMAIN + f"{hall}\x00{day.isoformat()}\x00{number}".encode()
    return hmac.new(secret, msg, hashlib.sha256).digest()[:MAC_BYTES]


def page_token(secret: bytes, hall: str, day: date, number: str) -> str:
    """The token of ticket `number` of hall day `day` (see the module's doc)."""
    number = number.upper()
    if not _NUMBER.match(number):
        raise ValueError(f"ticket number {number!r} is not 1-16 of A-Z 0-9")
    raw = day.toordinal().to_bytes(_DAY_BYTES, "big") + number.encode() + _mac(secret, hall, day, number)
    return base64.urlsafe_b64encode(raw).rstrip(b"=").decode()


def read_page_token(secret: bytes, hall: str, token: str) -> PageRef | None:
    """What `token` stands for, or None for anything that is not a token of this hall and secret
    (malformed, forged, another hall's). Constant-time MAC comparison; never raises."""
    if not 20 <= len(token) <= 64 or not re.fullmatch(r"[A-Za-z0-9_-]+", token):
        return None
    try:
        raw = base64.urlsafe_b64decode(token + "=" * (-len(token) % 4))
    except (binascii.Error, ValueError):
        return None
    if len(raw) < _DAY_BYTES + 1 + MAC_BYTES:
        return None
    number_b, mac = raw[_DAY_BYTES:-MAC_BYTES], raw[-MAC_BYTES:]
    try:
        day = date.fromordinal(int.from_bytes(raw[:_DAY_BYTES], "big"))
        number = number_b.decode("ascii")
    except (ValueError, OverflowError, UnicodeDecodeError):
        return None
    if not _NUMBER.match(number):
        return None
    if not hmac.compare_digest(mac, _mac(secret, hall, day, number)):
        return None
    return PageRef(day, number)


def page_url(public_url: str, token: str) -> str:
    """The page a ticket's QR code opens: `{public_url}/t/{token}`."""
    return f"{public_url.rstrip('/')}/t/{token}"


def qr_content(public_url: str | None, page: str | None, verify: str) -> str:
    """What a ticket's QR code carries: its page's address when the hall has a gateway
    (`[gateway] public_url`) and the controller sent the token, else the verify string."""
    return page_url(public_url, page) if public_url and page else verify


_VERIFY_DOMAIN = "tideq"
VERIFY_MAC_CHARS = 10  # hex characters of the verify string's MAC
VERIFY_TYPED = 4  # the last characters a visitor types to reprint by number (cmd/reprint `verify`)


def verify_string(secret: bytes, hall: str, day: date, number: str) -> str:
    """The ticket's verify string `tideq:{hall}:{day}:{number}:{mac}`: printed under the QR code and
    carried by it when the hall has no gateway (one definition: the engine and every reader)."""
    body = f"{_VERIFY_DOMAIN}:{hall}:{day.isoformat()}:{number.upper()}"
    mac = hmac.new(secret, body.encode(), hashlib.sha256).hexdigest()[:VERIFY_MAC_CHARS]
    return f"{body}:{mac}"


def read_verify(secret: bytes, hall: str, text: str) -> PageRef | None:
    """What a verify string stands for, or None if it is not a genuine one of this hall."""
    parts = text.strip().split(":")
    if len(parts) != 5 or parts[0] != _VERIFY_DOMAIN or parts[1] != hall or not _NUMBER.match(parts[3]):
        return None
    try:
        day = date.fromisoformat(parts[2])
    except ValueError:
        return None
    if not hmac.compare_digest(verify_string(secret, hall, day, parts[3]), text.strip()):
        return None
    return PageRef(day, parts[3])


def read_qr(secret: bytes, hall: str, payload: str) -> PageRef | None:
    """What a scanned ticket QR code stands for: a page address (`…/t/{token}`), a bare token, or
    a verify string; None when it is none of these, forged, or another hall's (staff check it)."""
    text = payload.strip()
    if len(text) > 512:
        return None
    if text.startswith(f"{_VERIFY_DOMAIN}:"):
        return read_verify(secret, hall, text)
    token = text.rsplit("/t/", 1)[-1].split("?", 1)[0].split("#", 1)[0].strip("/")
    return read_page_token(secret, hall, token)
