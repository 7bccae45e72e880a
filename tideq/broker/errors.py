"""Errors of the hall broker package: writing logins and ACL, running the embedded broker."""

from __future__ import annotations


class BrokerError(Exception):
    """Base of tideq.broker errors."""


class AclError(BrokerError):
    """The logins, ACL or TLS files cannot be written or read; the message says which and why."""


class EmbeddedBrokerError(BrokerError):
    """The embedded broker cannot start (port taken, bad bind address); the message says the fix."""
