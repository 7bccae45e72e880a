"""Masking of personal data at its source: the event log and the wire only ever see these forms.

Both masks are total and idempotent: any string gives a masked form, and masking a masked form
changes nothing. A value that already contains `*` is not trusted to be masked: it is masked again
from its visible characters, so `王小明*` becomes `王***` and `138*12345678` becomes
`138*****5678` (a half-masked value never lets clear digits through).
"""

from __future__ import annotations

import unicodedata

_DIGITS = frozenset("0123456789")
PHONE_HEAD = 3  # clear digits kept at the front of a phone number (the carrier prefix)
PHONE_TAIL = 4  # clear digits kept at the end
PHONE_MIN_HEAD = 11  # shorter numbers (landlines without area code) show no head
PHONE_MIN_TAIL = 8  # shorter still: every digit is hidden


def mask_name(name: str) -> str:
    """张三丰 -> 张**: only the first character stays, every other one is a `*` (at least one).
    A leading `*` stays a `*`; an empty or blank name stays empty."""
    name = name.strip()
    if not name:
        return ""
    return name[0] + "*" * max(1, len(name) - 1)


def mask_phone(phone: str) -> str:
    """13812345678 -> 138****5678.

    The number is read as its positions: digits (full-width ones too) and `*`; spaces, dashes,
    `+` and anything else are dropped, and so is a leading country code `+86` or `0086`. Of n
    positions, the first 3 (only when n >= 11) and the last 4 (only when n >= 8) keep a digit found
    there; every other position becomes `*`. So at most 7 digits, all at the ends, ever leave, and
    the output is only ASCII digits and `*`.
    """
    text = unicodedata.normalize("NFKC", phone).strip()
    if text.startswith("+86"):
        text = text[3:]  # China's country code; never in a masked form (no `+` there)
    positions = [c for c in text if c in _DIGITS or c == "*"]
    if len(positions) == 15 and positions[:4] == list("0086"):
        positions = positions[4:]  # 0086 + 11 digits; a masked form never starts 0086 (`*` at 4)
    n = len(positions)
    head = PHONE_HEAD if n >= PHONE_MIN_HEAD else 0
    tail = PHONE_TAIL if n >= PHONE_MIN_TAIL else 0
    return "".join(c if (i < head or i >= n - tail) else "*" for i, c in enumerate(positions))
