"""A person as the contract knows one: HMAC-SHA256(hall secret, resident ID number).

A kiosk reads the 18-character resident ID number (GB 11643) from the card, checks its check
digit, normalises it (trimmed, upper-case X) and sends only this keyed hash, as 64 lower-case hex
digits, in `cmd/ticket` / `cmd/checkin` (`identity`). An appointment export that carries
`identity` computes it the same way, so the same person matches on every kiosk of the hall and
the clear number never leaves the kiosk (docs/protocol.md, "Privacy").
"""

from __future__ import annotations

import hashlib
import hmac
import os

from .errors import ContractError

SECRET_ENV = "TIDEQ_HALL_SECRET"  # the default; the hall file's `hall.secret_env` names another
_WEIGHTS = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
_CHECK = "10X98765432"


class IdentityError(ContractError):
    """Base of identity errors."""


class InvalidIdNumber(IdentityError, ValueError):
    """Not an 18-character resident ID number, or its check digit does not match (a misread card)."""


class SecretMissing(IdentityError):
    """No hall secret in the environment: identities cannot be hashed, so cards are not read."""


def check_id_number(number: str) -> str:
    """The normalised number (trimmed, upper-case X) if its check digit is right; InvalidIdNumber if not."""
    n = number.strip().upper()
    if len(n) != 18 or not n[:17].isdigit() or n[17] not in "0123456789X":
        raise InvalidIdNumber("not an 18-character resident ID number")
    if _CHECK[sum(int(d) * w for d, w in zip(n[:17], _WEIGHTS, strict=True)) % 11] != n[17]:
        raise InvalidIdNumber("ID number check digit does not match")
    return n


def hall_secret(env_name: str = SECRET_ENV) -> bytes:
    """The hall secret (UTF-8) from the environment variable the hall file names."""
    value = os.environ.get(env_name)
    if not value:
        raise SecretMissing(f"{env_name} is not set; set it to the controller's hall secret to read ID cards")
    return value.encode()


def identity_hash(secret: bytes, number: str) -> str:
    """What the controller sees of a person: a keyed hash, the same on every kiosk of the hall."""
    return hmac.new(secret, check_id_number(number).encode(), hashlib.sha256).hexdigest()
