"""Staff sign-in secrets as the contract carries them: keyed proofs, never the PIN or card number.

A clerk signs in with a 工号 and a PIN, or with a staff card. The caller terminal or keypad bridge
turns the PIN into `pin_proof = HMAC-SHA256(hall secret, "staff-pin:{工号}:{PIN}")` and a card's
number into `card = HMAC-SHA256(hall secret, "staff-card:{number}")`, as the kiosk does with ID
numbers (identity.py): the wire, the event log and the hall file never see the clear values.
The hall file keeps only a salted PBKDF2 hash of the proof (`pin_hash`) and the card's keyed
hash (`card_hash`); `tideq staff-pin` makes both.
"""

from __future__ import annotations

import hashlib
import hmac
import re
import secrets

from .errors import ContractError

PIN_PATTERN = re.compile(r"^[0-9]{4,8}$")
STAFF_ID_PATTERN = r"^[0-9A-Za-z]{1,16}$"  # a 工号: digits (a keypad types only those) or letters
CARD_PATTERN = re.compile(r"^[0-9A-Fa-f]{8,32}$")  # an M1/IC card's UID or printed number, hex digits
PBKDF2_ROUNDS = 100_000
_SCHEME = "pbkdf2_sha256"


class StaffSecretError(ContractError, ValueError):
    """A PIN, card number or stored hash that is not in the form the hall uses."""


def check_pin(pin: str) -> str:
    """The PIN if it is 4 to 8 digits (what a keypad can type); StaffSecretError if not."""
    if not PIN_PATTERN.match(pin):
        raise StaffSecretError("a PIN is 4 to 8 digits")
    return pin


def pin_proof(secret: bytes, staff: str, pin: str) -> str:
    """What a terminal sends for a PIN: a keyed hash bound to the 工号, 64 hex digits."""
    msg = f"staff-pin:{staff}:{check_pin(pin)}".encode()
    return hmac.new(secret, msg, hashlib.sha256).hexdigest()


def card_hash(secret: bytes, number: str) -> str:
    """What a card reader sends for a staff card (and the hall file stores): 64 hex digits."""
    n = number.strip().upper()
    if not CARD_PATTERN.match(n):
        raise StaffSecretError("a staff card number is 8 to 32 hex digits (its UID as the reader gives it)")
    return hmac.new(secret, f"staff-card:{n}".encode(), hashlib.sha256).hexdigest()


def hash_proof(proof: str, salt: str | None = None, rounds: int = PBKDF2_ROUNDS) -> str:
    """The salted hash the hall file keeps of a PIN's proof: `pbkdf2_sha256${rounds}${salt}${hex}`."""
    salt = salt or secrets.token_hex(8)
    digest = hashlib.pbkdf2_hmac("sha256", proof.encode(), salt.encode(), rounds).hex()
    return f"{_SCHEME}${rounds}${salt}${digest}"


def check_stored(stored: str) -> str:
    """`stored` if it is a hash from hash_proof; StaffSecretError naming the form if not."""
    parts = stored.split("$")
    if len(parts) != 4 or parts[0] != _SCHEME or not parts[1].isdigit() or not re.fullmatch(r"[0-9a-f]{64}", parts[3]):
        raise StaffSecretError(
            "pin_hash must be 'pbkdf2_sha256$<rounds>$<salt>$<64 hex>' as `tideq staff-pin` prints it"
        )
    return stored


def proof_matches(stored: str, proof: str) -> bool:
    """Whether `proof` is the one `stored` was made from (constant-time compare)."""
    _, rounds, salt, digest = check_stored(stored).split("$")
    mine = hashlib.pbkdf2_hmac("sha256", proof.encode(), salt.encode(), int(rounds)).hex()
    return hmac.compare_digest(mine, digest)
