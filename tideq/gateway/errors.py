"""The gateway's exceptions."""

from __future__ import annotations


class GatewaySetupError(Exception):
    """The gateway cannot start as configured; the message says what to change."""
