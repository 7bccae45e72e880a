"""Exceptions of the keypad driver (the line's own errors are `tideq.drivers.rs485.errors`)."""

from __future__ import annotations

from tideq.drivers.rs485.errors import PayloadError, Rs485Error


class KeypadError(Rs485Error):
    """Base of keypad driver errors."""


class KeypadPayloadError(KeypadError, PayloadError):
    """A checksum-valid frame whose payload does not follow the keypad protocol (wrong firmware?)."""
