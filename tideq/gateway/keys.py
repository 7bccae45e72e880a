"""API keys of the booking platforms: the hall file holds only their SHA-256 (or the name of an
environment variable holding the key); a presented key is hashed and compared in constant time.

A key is never logged, never echoed and never part of an error. API keys are long random tokens
(`python -c "import secrets; print(secrets.token_urlsafe(32))"`), so a plain SHA-256 is enough to
keep the hall file harmless: unlike a password, a 256-bit token cannot be guessed from its hash.
"""

from __future__ import annotations

import hashlib
import hmac
import logging
import os
from collections.abc import Mapping
from dataclasses import dataclass

from tideq.config.schema import BookingConfig

log = logging.getLogger(__name__)


def key_sha256(key: str) -> str:
    """What `key_sha256` in the hall file holds for `key` (64 lower-case hex digits)."""
    return hashlib.sha256(key.encode("utf-8")).hexdigest()


@dataclass(frozen=True)
class ApiKeys:
    """Platform id -> SHA-256 digest of its key."""

    digests: Mapping[str, bytes]

    @classmethod
    def of(cls, keys: Mapping[str, str]) -> ApiKeys:
        """From clear keys (tests, tools): platform id -> key."""
        return cls({p: hashlib.sha256(k.encode("utf-8")).digest() for p, k in keys.items()})

    @classmethod
    def from_config(cls, cfg: BookingConfig, env: Mapping[str, str] | None = None) -> ApiKeys:
        """The platforms of `[booking]`; one whose `key_env` is not set is left out (logged by name
        of the variable, never a value), so it gets 401 until the variable is set."""
        env = os.environ if env is None else env
        out: dict[str, bytes] = {}
        for p in cfg.platforms:
            if p.key_sha256 is not None:
                out[p.id] = bytes.fromhex(p.key_sha256)
            elif p.key_env and env.get(p.key_env):
                out[p.id] = hashlib.sha256(env[p.key_env].encode("utf-8")).digest()
            else:
                log.warning("booking platform %s: %s is not set; its requests are refused (401)", p.id, p.key_env)
        return cls(out)

    def platform(self, presented: str | None) -> str | None:
        """The platform whose key this is, or None. Every digest is compared, in constant time, so
        the time taken tells nothing about which key was nearly right."""
        if not presented:
            return None
        digest = hashlib.sha256(presented.encode("utf-8", "surrogatepass")).digest()
        found: str | None = None
        for pid, want in self.digests.items():
            if hmac.compare_digest(digest, want) and found is None:
                found = pid
        return found
